from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("inloggen/", views.login, name="login"),
    path("code/", views.verify, name="verify"),
    path("2fa-instellen/", views.setup_2fa, name="setup_2fa"),
    path("bevestigen/", views.reauth, name="reauth"),
    path("uitloggen/", views.logout, name="logout"),
]
