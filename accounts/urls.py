from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("inloggen/", views.login, name="login"),
    path("code/", views.verify, name="verify"),
    path("2fa-instellen/", views.setup_2fa, name="setup_2fa"),
    path("bevestigen/", views.reauth, name="reauth"),
    path("uitloggen/", views.logout, name="logout"),
    path("wachtwoord-vergeten/", views.password_reset, name="password_reset"),
    path("wachtwoord-kiezen/<uidb64>/<token>/", views.set_password, name="set_password"),
    # Under /account/ like the sign-in pages, so the view itself insists on both factors (see _installation_admin).
    path("installatie/", views.setup_page, name="setup"),
    path("installatie/bestuur/<slug:slug>/schoolaccount/", views.provider_settings, name="provider_settings"),
    path("schoolaccount/", views.sso_start, name="sso_start"),
    path("schoolaccount/terug/", views.sso_callback, name="sso_callback"),
    path("schoolaccount/bevestigen/", views.sso_reauth, name="sso_reauth"),
]
