from django.urls import path

from schools import views

app_name = "schools"

urlpatterns = [
    path("<slug:school_slug>/leerlingen/", views.pupils, name="pupils"),
    path("<slug:school_slug>/leerlingen/nieuw/", views.pupil_edit, name="pupil_add"),
    path("<slug:school_slug>/leerlingen/<int:pupil_id>/", views.pupil, name="pupil"),
    path("<slug:school_slug>/leerlingen/<int:pupil_id>/wijzigen/", views.pupil_edit, name="pupil_edit"),
    path("<slug:school_slug>/leerlingen/<int:pupil_id>/ouders/nieuw/", views.guardian_edit, name="guardian_add"),
    path("<slug:school_slug>/leerlingen/<int:pupil_id>/ouders/<int:guardian_id>/", views.guardian_edit,
         name="guardian_edit"),
    path("<slug:school_slug>/leerlingen/<int:pupil_id>/ouders/<int:guardian_id>/verwijderen/",
         views.guardian_delete, name="guardian_delete"),
    path("<slug:school_slug>/import/leerlingen/", views.import_pupils, name="import_pupils"),
    path("<slug:school_slug>/import/medewerkers/", views.import_staff, name="import_staff"),
    path("<slug:school_slug>/medewerkers/", views.staff_list, name="staff"),
    path("<slug:school_slug>/rollen-bevestigen/", views.role_requests, name="role_requests"),
    path("<slug:school_slug>/medewerkers/<int:user_id>/rol-toevoegen/", views.staff_add_role, name="staff_add_role"),
    path("<slug:school_slug>/medewerkers/rollen/<int:membership_id>/verwijderen/", views.staff_remove_role,
         name="staff_remove_role"),
    path("<slug:school_slug>/medewerkers/<int:user_id>/ontgrendelen/", views.staff_unlock, name="staff_unlock"),
    path("<slug:school_slug>/medewerkers/<int:user_id>/2fa-resetten/", views.staff_reset_two_factor,
         name="staff_reset_2fa"),
    path("<slug:school_slug>/medewerkers/<int:user_id>/wachtwoordlink/", views.staff_send_password_link,
         name="staff_password_link"),
]
