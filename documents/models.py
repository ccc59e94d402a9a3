"""Documents made from dossiers and school figures: export jobs, parents' inspection reviews, training records.

Generated files live encrypted in the vault (`ExportJob.result`) and only until they are downloaded or
24 hours have passed (see documents.exports.purge_expired).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vault.fields import EncryptedTextField
from vault.models import RowIdentity

EXPORT_LIFETIME = timedelta(hours=24)


class ExportKind(models.TextChoices):
    DOSSIER_PDF = "dossier_pdf", _("Dossier (pdf)")
    VT_SUMMARY = "vt_summary", _("Samenvatting voor Veilig Thuis (pdf)")
    ANONYMISED = "anonymised", _("Geanonimiseerde samenvatting (pdf)")
    INSPECTION = "inspection", _("Inzage voor ouder of leerling (pdf)")
    EVALUATION_PDF = "evaluation_pdf", _("Jaarevaluatie (pdf)")


# Kinds made from one dossier (the others are made from a school's or board's figures).
CASE_KINDS = frozenset({ExportKind.DOSSIER_PDF, ExportKind.VT_SUMMARY, ExportKind.ANONYMISED, ExportKind.INSPECTION})


class ExportJob(models.Model):
    """One requested export, produced in the background; the page polls it until the file is ready."""

    class Status(models.TextChoices):
        PENDING = "pending", _("In de wachtrij")
        RUNNING = "running", _("Bezig")
        DONE = "done", _("Klaar")
        FAILED = "failed", _("Mislukt")
        COLLECTED = "collected", _("Gedownload")
        EXPIRED = "expired", _("Verlopen")

    kind = models.CharField(_("soort"), max_length=20, choices=ExportKind.choices)
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Board-level evaluation: the board instead of one school.
    board = models.ForeignKey("schools.Board", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    inspection = models.ForeignKey("documents.InspectionExport", on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="jobs")
    # Parameters of the export that are not content (e.g. the school year of an evaluation).
    params = models.JSONField(default=dict, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    progress = models.PositiveSmallIntegerField(_("voortgang"), default=0)
    result = models.ForeignKey("vault.StoredFile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("aangevraagd op"), default=timezone.now)
    finished_at = models.DateTimeField(_("klaar op"), null=True, blank=True)
    # A generic message only: never dossier content.
    error = models.CharField(_("fout"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self):
        return self.status not in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def expires_at(self):
        return self.created_at + EXPORT_LIFETIME

    def set_progress(self, progress: int, status: str | None = None):
        self.progress = progress
        fields = ["progress"]
        if status:
            self.status = status
            fields.append("status")
        self.save(update_fields=fields)


class InspectionGround(models.TextChoices):
    """Why information is kept from a parent's (or pupil's) copy (AVG art. 15(4), art. 23)."""

    THIRD_PARTY = "third_party", _("Informatie over of van anderen (derden)")
    ENDANGERS_CHILD = "endangers_child", _("Inzage zou het kind in gevaar brengen")
    ENDANGERS_OTHER = "endangers_other", _("Inzage zou de veiligheid van een ander in gevaar brengen")


class InspectionExport(RowIdentity):
    """The coordinator's review of a dossier before a parent or pupil (from 16) inspects it."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="inspections")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    for_whom = EncryptedTextField(_("voor wie"), help_text=_("Naam en rol, bijv. ‘Anna Bos, moeder’."))

    class Meta:
        verbose_name = _("inzage")
        verbose_name_plural = _("inzagen")
        ordering = ["-created_at"]


class WithheldItem(RowIdentity):
    """One journal entry left out of an inspection copy, with the ground and the coordinator's reason."""

    export = models.ForeignKey(InspectionExport, on_delete=models.CASCADE, related_name="withheld")
    entry = models.ForeignKey("cases.Entry", on_delete=models.CASCADE, related_name="+")
    ground = models.CharField(_("grond"), max_length=20, choices=InspectionGround.choices)
    reason = EncryptedTextField(_("reden"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["export", "entry"], name="unique_withheld_entry")]


class TrainingRecord(models.Model):
    """A meldcode training a staff member followed: the school shows that it keeps expertise up to date."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="trainings",
                             verbose_name=_("medewerker"))
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="trainings")
    course = models.CharField(_("cursus"), max_length=200)
    date = models.DateField(_("datum"))
    provider = models.CharField(_("aanbieder"), max_length=200, blank=True)
    valid_until = models.DateField(_("geldig tot"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("scholing")
        verbose_name_plural = _("scholing")
        ordering = ["user__full_name", "-date"]
        indexes = [models.Index(fields=["school", "user", "date"])]

    def __str__(self):
        return f"{self.course} ({self.date})"


@receiver(post_delete, sender=ExportJob)
def _delete_generated_file(sender, instance, **kwargs):
    """A job removed with its dossier (retention) takes its generated file along."""
    if instance.result_id:
        from vault.models import StoredFile

        StoredFile.objects.filter(pk=instance.result_id).delete()
