from django.urls import path

from socialmap import views

app_name = "socialmap"

urlpatterns = [
    path("<slug:school_slug>/", views.organisation_list, name="list"),
    path("<slug:school_slug>/nieuw/", views.organisation_edit, name="create"),
    path("<slug:school_slug>/<int:pk>/wijzigen/", views.organisation_edit, name="edit"),
    path("<slug:school_slug>/<int:pk>/verwijderen/", views.organisation_delete, name="delete"),
    path("<slug:school_slug>/nood/", views.emergency, name="emergency"),
    path("<slug:school_slug>/nood/pdf/", views.emergency_pdf, name="emergency_pdf"),
    path("<slug:school_slug>/importeren/", views.import_document, name="import"),
]
