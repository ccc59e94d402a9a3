from django.apps import AppConfig


class QualificationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "qualifications"
    verbose_name = "Bevoegdheid voor diagnoses"
