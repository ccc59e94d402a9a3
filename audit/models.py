from django.db import models
from django.utils.translation import gettext_lazy as _

from audit import chain


class AppendOnlyError(Exception):
    """Audit events are never changed or removed (the database refuses it too)."""


class CanonicalJSONField(models.TextField):
    """JSON kept as the exact canonical text that went into the event's hash.

    A database JSON type would normalise the text (jsonb reorders keys), and the chain must be
    verifiable from the raw stored text without parsing it.
    """

    def from_db_value(self, value, expression, connection):
        return chain.parse_details(value)

    def to_python(self, value):
        if isinstance(value, str):
            return chain.parse_details(value)
        return value

    def get_prep_value(self, value):
        if isinstance(value, str):
            return value
        return chain.canonical_json(value or {})


class AuditEvent(models.Model):
    """One thing that happened: who, what, when, from where and why. Never dossier content.

    Events form a hash chain in the order of `seq` (gapless, starting at 1); see audit.chain. An event is
    stored first without seq and hashes (with its MAC), and the sequencer chains it (audit.sequencer).
    """

    seq = models.BigIntegerField(_("volgnummer"), unique=True, null=True, blank=True, editable=False)
    at = models.DateTimeField(_("tijdstip"), editable=False)
    # Plain numbers, no foreign keys: the trail outlives accounts, schools and dossiers.
    actor_id = models.BigIntegerField(_("medewerker-id"), null=True, blank=True)
    actor_label = models.CharField(_("medewerker"), max_length=300, blank=True,
                                   help_text=_("Naam en e-mailadres op het moment zelf."))
    action = models.CharField(_("handeling"), max_length=64)
    school_id = models.BigIntegerField(_("school-id"), null=True, blank=True)
    case_id = models.BigIntegerField(_("dossier-id"), null=True, blank=True)
    object_repr = models.CharField(_("onderwerp"), max_length=200, blank=True)
    reason = models.CharField(_("reden"), max_length=1000, blank=True)
    ip = models.CharField(_("IP-adres"), max_length=45, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    details = CanonicalJSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True, editable=False)
    hash = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    # HMAC of the event's own fields under a key outside the database: guards it until it is chained.
    mac = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("auditgebeurtenis")
        verbose_name_plural = _("audittrail")
        ordering = ["id"]
        default_permissions = ("view",)
        indexes = [
            models.Index(fields=["case_id", "at"], name="audit_case_at"),
            models.Index(fields=["actor_id", "at"], name="audit_actor_at"),
            models.Index(fields=["action", "at"], name="audit_action_at"),
            models.Index(fields=["school_id", "at"], name="audit_school_at"),
            models.Index(fields=["id"], name="audit_unchained", condition=models.Q(seq__isnull=True)),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.actor_label}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit events are append-only; this one is already stored.")
        if not self.mac:
            raise AppendOnlyError("Audit events are written by audit.log.record(), which seals them.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit events are append-only and cannot be deleted.")


class ChainHead(models.Model):
    """The single row holding the last event's seq and hash.

    The sequencer locks this row, so two sequencers cannot fork the chain; verification compares the
    trail's last event with it, so removing the newest events is noticed too (and anchors written
    down outside the database catch removing them together with rewinding this row).
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"
