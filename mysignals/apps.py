from django.apps import AppConfig


class MysignalsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mysignals"
    verbose_name = "Mijn signalen"
