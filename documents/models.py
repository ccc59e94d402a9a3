"""Documents made from dossiers and school figures: export jobs, parents' inspection reviews, training records.

Generated files live encrypted in the vault (`ExportJob.result`) and only until they are downloaded or
24 hours have passed (see documents.exports.purge_expired).
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vault.fields import EncryptedTextField
from vault.models import RowBoundQuerySet, RowIdentity

logger = logging.getLogger(__name__)

EXPORT_LIFETIME = timedelta(hours=24)
# A job whose worker died is started again this many times before it is given up as failed.
EXPORT_RETRIES = 1
INTERRUPTED_MESSAGE = _("De export is mislukt omdat de verwerking onderbrak. Probeer het opnieuw.")


class ExportKind(models.TextChoices):
    DOSSIER_PDF = "dossier_pdf", _("Dossier (pdf)")
    VT_SUMMARY = "vt_summary", _("Samenvatting voor Veilig Thuis (pdf)")
    ANONYMISED = "anonymised", _("Geanonimiseerde samenvatting (pdf)")
    INSPECTION = "inspection", _("Inzage voor ouder of leerling (pdf)")
    EVALUATION_PDF = "evaluation_pdf", _("Jaarevaluatie (pdf)")
    INFORMATION = "information", _("Antwoord op een informatieverzoek (pdf)")
    HANDOVER = "handover", _("Onderwijskundig rapport: veiligheidsparagraaf (pdf)")


# Kinds made from one dossier (the others are made from a school's or board's figures).
CASE_KINDS = frozenset({ExportKind.DOSSIER_PDF, ExportKind.VT_SUMMARY, ExportKind.ANONYMISED, ExportKind.INSPECTION,
                        ExportKind.INFORMATION, ExportKind.HANDOVER})


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
    # Runs started so far; a run may only write while the job is still running under its own number, so a
    # worker that was taken for dead cannot overwrite the run that replaced it.
    attempts = models.PositiveSmallIntegerField(_("pogingen"), default=0)
    # The running worker's last sign of life (see DOCUMENTS_EXPORT_STALE_SECONDS).
    heartbeat_at = models.DateTimeField(_("laatste teken van leven"), null=True, blank=True)
    # The background task of the current run, to close its record when the worker died.
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def get_kind_display(self):
        """The kind in the names of the case's meldcode ("Samenvatting voor Veilig Thuis Utrecht (pdf)")."""
        from protocol.wording import uses_generic_names, words_for_case

        label = dict(ExportKind.choices).get(self.kind, self.kind)
        return words_for_case(self.case).say(label) if self.case_id and uses_generic_names(label) else str(label)

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_finished(self):
        return self.status not in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def expires_at(self):
        return self.created_at + EXPORT_LIFETIME

    # --- the life of one run (called by documents.tasks.build_export) ---

    def start_run(self, task_id: str = "") -> bool:
        """Claim a pending job for this run; False when another run claimed it first."""
        now = timezone.now()
        claimed = ExportJob.objects.filter(pk=self.pk, status=self.Status.PENDING).update(
            status=self.Status.RUNNING, progress=5, attempts=F("attempts") + 1, heartbeat_at=now, task_id=task_id)
        if claimed:
            self.refresh_from_db(fields=["status", "progress", "attempts", "heartbeat_at", "task_id"])
        return bool(claimed)

    def _this_run(self):
        return ExportJob.objects.filter(pk=self.pk, status=self.Status.RUNNING, attempts=self.attempts)

    def beat(self, **fields) -> bool:
        """Record that this run is alive (with any other changed fields); False when it was taken over."""
        fields["heartbeat_at"] = timezone.now()
        updated = self._this_run().update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
        return bool(updated)

    def finish_run(self, status: str, **fields) -> bool:
        """End this run as done or failed; False (and nothing written) when it was taken over."""
        return self.beat(status=status, finished_at=timezone.now(), **fields)

    # --- runs whose worker died ---

    @staticmethod
    def stale_before(now=None):
        return (now or timezone.now()) - timedelta(seconds=settings.DOCUMENTS_EXPORT_STALE_SECONDS)

    def is_stalled(self, now=None) -> bool:
        last_sign = self.heartbeat_at or self.created_at
        return self.status == self.Status.RUNNING and last_sign < self.stale_before(now)

    def recover(self, now=None) -> str | None:
        """Start a silent run again, or after `EXPORT_RETRIES` fail it with a message the requester sees.

        Returns "retried", "failed" or None (not stalled, or another process recovered it first). Called by
        the worker loop, by `purge_exports` and when the requester looks at the job page.
        """
        from documents.tasks import build_export

        now = now or timezone.now()
        if not self.is_stalled(now):
            return None
        # Conditional on the run we saw: of several processes noticing the same run, one acts.
        this_run = ExportJob.objects.filter(pk=self.pk, status=self.Status.RUNNING, attempts=self.attempts,
                                            heartbeat_at=self.heartbeat_at)
        with transaction.atomic():
            if self.attempts <= EXPORT_RETRIES:
                if not this_run.update(status=self.Status.PENDING, progress=0, heartbeat_at=None):
                    return None
                outcome = "retried"
            else:
                if not this_run.update(status=self.Status.FAILED, finished_at=now, error=str(INTERRUPTED_MESSAGE)):
                    return None
                outcome = "failed"
            _close_lost_task(self.task_id, now)
            if outcome == "retried":
                # In the same transaction: the job is never pending without a task that will run it.
                build_export.enqueue(self.pk)
        logger.warning("Export job %s stopped giving signs of life after %s run(s): %s", self.pk, self.attempts,
                       outcome)
        self.refresh_from_db()
        return outcome

    @classmethod
    def recover_stalled(cls, now=None) -> dict[str, int]:
        """Recover every running job whose worker has been silent too long; counts per outcome."""
        limit = cls.stale_before(now)
        counts = {"retried": 0, "failed": 0}
        silent = cls.objects.filter(Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, created_at__lt=limit),
                                    status=cls.Status.RUNNING)
        for job in silent:
            outcome = job.recover(now)
            if outcome:
                counts[outcome] += 1
        return counts


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


def add_months(day, months: int):
    """The same day `months` later; the last day of that month when it is shorter (31 January + 1 = 28/29 Feb)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class AccessRequestQuerySet(RowBoundQuerySet):
    def open(self):
        return self.filter(answered_on__isnull=True)


class AccessRequest(RowIdentity):
    """A request to inspect the dossier (AVG art. 15) by a parent, or by a pupil from 16, as the school received it.

    The school answers without undue delay and at the latest within one month of receipt; it may extend that by
    at most two further months when the request is complex, and must then tell the requester, with the reasons,
    within the first month (AVG art. 12(3)). The deadline is a task for the coordinator; the inspection copy made
    for the request answers it.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="access_requests")
    requester = EncryptedTextField(_("wie vraagt inzage"), help_text=_("Naam en rol, bijv. ‘Anna Bos, moeder’."))
    received_on = models.DateField(_("ontvangen op"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    extended_until = models.DateField(_("verlengd tot"), null=True, blank=True)
    extension_reason = EncryptedTextField(_("reden van verlenging"), blank=True)
    extension_told_on = models.DateField(_("verzoeker geïnformeerd op"), null=True, blank=True)
    answered_on = models.DateField(_("beantwoord op"), null=True, blank=True)
    answer = models.ForeignKey(InspectionExport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    task = models.ForeignKey("cases.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    objects = AccessRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("inzageverzoek")
        verbose_name_plural = _("inzageverzoeken")
        ordering = ["received_on", "pk"]

    @property
    def first_deadline(self):
        return add_months(self.received_on, 1)

    @property
    def latest_possible_deadline(self):
        return add_months(self.received_on, 3)

    @property
    def deadline(self):
        return self.extended_until or self.first_deadline

    def is_overdue(self, today=None) -> bool:
        return self.answered_on is None and (today or timezone.localdate()) > self.deadline


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


def _close_lost_task(task_id: str, now) -> None:
    """The database backend's record of a run whose worker died stays "running" unless closed here."""
    if not task_id or "django_tasks_db" not in settings.INSTALLED_APPS:
        return
    from django.core.exceptions import ValidationError
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    try:
        DBTaskResult.objects.running().filter(id=task_id).update(
            status=TaskResultStatus.FAILED, finished_at=now, exception_class_path="documents.tasks.WorkerLost",
            traceback="The worker stopped giving signs of life.")
    except ValidationError:  # an id from another backend (the immediate one in tests)
        pass


@receiver(post_delete, sender=ExportJob)
def _delete_generated_file(sender, instance, **kwargs):
    """A job removed with its dossier (retention) takes its generated file along."""
    if instance.result_id:
        from vault.models import StoredFile

        StoredFile.objects.filter(pk=instance.result_id).delete()
