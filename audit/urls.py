from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("<slug:school_slug>/", views.search, name="search"),
    path("<slug:school_slug>/controle/", views.verify, name="verify"),
]
