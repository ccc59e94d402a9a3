from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from axes.signals import user_locked_out

        from accounts.lockout import on_locked_out

        user_locked_out.connect(on_locked_out, dispatch_uid="accounts.lockout")
