from django.apps import AppConfig


class SocialmapConfig(AppConfig):
    name = "socialmap"
    default_auto_field = "django.db.models.BigAutoField"
