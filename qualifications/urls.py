from django.urls import path

from qualifications import views

app_name = "qualifications"

urlpatterns = [
    path("<slug:school_slug>/diagnose/", views.diagnosis, name="diagnosis"),
]
