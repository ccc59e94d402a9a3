"""Retention: how long a closed dossier is kept, warning the coordinator, and destroying its content.

There is no statutory period; the default is the pupil's school career plus two years, configurable per
school and per closure reason (RetentionRule). Destroying leaves a DeletionRecord with metadata only.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import BreakGlass, Case, DeletionRecord, Entry, PurgePermit, RetentionRule, Signature

WARN_BEFORE = timedelta(days=30)


def expected_leaving_date(pupil) -> date:
    """When the pupil leaves (or is expected to leave) primary school: the summer they turn twelve."""
    if pupil.left_on:
        return pupil.left_on
    return date(pupil.date_of_birth.year + 12, 7, 31)


def retention_date(case: Case) -> date:
    rule = RetentionRule.objects.filter(school=case.school, closure_reason=case.closure_reason).first()
    years = rule.years_after_leaving if rule else case.school.retention_years_after_leaving
    start = max(expected_leaving_date(case.pupil), (case.closed_at or timezone.now()).date())
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


@dataclass
class RetentionRun:
    warned: list
    destroyed: list


def due_cases(today: date):
    return Case.objects.filter(status=Case.Status.CLOSED, retain_until__lte=today).select_related("school")


def warn_cases(today: date):
    return Case.objects.filter(status=Case.Status.CLOSED, retain_until__gt=today,
                               retain_until__lte=today + WARN_BEFORE).select_related("school")


def destroy(case: Case) -> DeletionRecord:
    """Remove every piece of content of the case; keep a metadata-only record for the evaluation."""
    from vault.files import delete_blob_after_commit

    case_id = case.pk
    with transaction.atomic():
        record = DeletionRecord.objects.create(
            case_reference=case.reference, school=case.school, opened_at=case.opened_at, closed_at=case.closed_at,
            closure_reason=case.closure_reason, route=case.route, last_step=case.current_step,
            entry_count=case.entries.count())
        # The database refuses to delete saved entries unless a purge permit for the case exists.
        PurgePermit.objects.create(case_id=case.pk)
        entries = list(case.entries.select_related("attachment"))
        Signature.objects.filter(entry__case=case).delete()
        case.tasks.all().delete()
        BreakGlass.objects.filter(case=case).delete()
        Entry.objects.filter(case=case, corrects__isnull=False).delete()
        Entry.objects.filter(case=case, refers_to__isnull=False).delete()
        Entry.objects.filter(case=case).delete()
        for entry in entries:
            if entry.attachment_id:
                delete_blob_after_commit(entry.attachment)
                entry.attachment.delete()
        case.members.all().delete()
        case.siblings.all().delete()
        case.delete()
        PurgePermit.objects.filter(case_id=case_id).delete()
    return record


def run(today: date | None = None, *, dry_run: bool = False) -> RetentionRun:
    from audit.log import record as audit
    from cases.notifications import send_notification

    today = today or timezone.localdate()
    warned, destroyed = list(warn_cases(today)), list(due_cases(today))
    if dry_run:
        return RetentionRun(warned=warned, destroyed=destroyed)
    for case in warned:
        if case.coordinator_id:
            send_notification.enqueue([case.coordinator_id], case.pk, str(_("Meldcode: een dossier wordt binnenkort vernietigd")),
                                      str(_("Een gesloten dossier bereikt binnenkort het einde van de bewaartermijn.")))
    for case in destroyed:
        case_id, school = case.pk, case.school
        record = destroy(case)
        audit("retention.destroy", school=school, case=None, object_repr=record.case_reference,
              details={"case_id": case_id, "deletion_record": record.pk})
    return RetentionRun(warned=warned, destroyed=destroyed)
