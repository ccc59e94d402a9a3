from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audittrail")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.contrib.auth import signals

        from audit import receivers

        signals.user_logged_in.connect(receivers.logged_in, dispatch_uid="audit.logged_in")
        signals.user_logged_out.connect(receivers.logged_out, dispatch_uid="audit.logged_out")
        signals.user_login_failed.connect(receivers.login_failed, dispatch_uid="audit.login_failed")
