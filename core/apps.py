from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from core.dates import refuse_implausible_years
        from core.forms import labels_without_colons

        refuse_implausible_years()
        labels_without_colons()
