"""Retention: how long a closed dossier is kept, warning the coordinator, and destroying its content.

There is no statutory period; the default is the pupil's school career plus two years, configurable per
school (School.retention_years_after_leaving) and per closure reason (RetentionRule). A daily job
(`manage.py apply_retention`, part of `run_daily`) does three things, in this order:

1. recompute `retain_until` of closed cases whose pupil left earlier or later than expected (the date
   set at closing assumed the expected leaving date); a shorter period never skips the warning;
2. warn the coordinator once, 30 days before the end of the period (an e-mail that says *that*, not what);
3. destroy the content of cases whose period has ended, leaving a DeletionRecord with metadata only:
   the anonymous figures a board needs for its evaluation (dates, route, last step, number of entries).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import (
    BreakGlass,
    Case,
    DeletionRecord,
    Entry,
    PurgePermit,
    RetentionRule,
    Signature,
)

WARN_BEFORE = timedelta(days=30)
WARN_ACTION = "retention.warn"
DESTROY_ACTION = "retention.destroy"
RECOMPUTE_ACTION = "retention.recompute"


def expected_leaving_date(pupil) -> date:
    """When the pupil leaves (or is expected to leave) primary school: the summer they turn twelve."""
    if pupil.left_on:
        return pupil.left_on
    return date(pupil.date_of_birth.year + 12, 7, 31)


def _years_after_leaving(case: Case, rules: dict | None) -> int:
    if rules is None:
        rule = RetentionRule.objects.filter(school=case.school_id, closure_reason=case.closure_reason).first()
        years = rule.years_after_leaving if rule else None
    else:
        years = rules.get((case.school_id, case.closure_reason))
    return case.school.retention_years_after_leaving if years is None else years


def retention_date(case: Case, rules: dict | None = None) -> date:
    """The last day the closed case is kept. `rules` maps (school_id, closure_reason) to years (for batches)."""
    years = _years_after_leaving(case, rules)
    closed_on = timezone.localdate(case.closed_at) if case.closed_at else timezone.localdate()
    start = max(expected_leaving_date(case.pupil), closed_on)
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


def all_rules() -> dict:
    return {(school_id, reason): years for school_id, reason, years
            in RetentionRule.objects.values_list("school_id", "closure_reason", "years_after_leaving")}


@dataclass
class Change:
    case: Case
    old: date | None
    new: date


@dataclass
class RetentionRun:
    today: date
    dry_run: bool
    recomputed: list[Change] = field(default_factory=list)
    warned: list[Case] = field(default_factory=list)
    postponed: list[Case] = field(default_factory=list)
    destroyed: list[Case] = field(default_factory=list)
    records: list[DeletionRecord] = field(default_factory=list)


def closed_cases():
    return Case.objects.filter(status=Case.Status.CLOSED).select_related("school", "pupil")


def due_cases(today: date):
    return closed_cases().filter(retain_until__lte=today).order_by("retain_until", "pk")


def warn_cases(today: date):
    return closed_cases().filter(retain_until__gt=today, retain_until__lte=today + WARN_BEFORE).order_by(
        "retain_until", "pk")


def recompute_school(school, today: date | None = None) -> list[Change]:
    """After the school changed its retention periods: its closed cases follow the new periods at once (a shorter
    period never skips the warning). Audited per case like the daily job."""
    from audit.log import record as audit

    today = today or timezone.localdate()
    changes = recompute_changes(today, closed_cases().filter(school=school))
    for change in changes:
        Case.objects.filter(pk=change.case.pk).update(retain_until=change.new)
        audit(RECOMPUTE_ACTION, school=school, case=change.case, object_repr=change.case.reference,
              details={"from": change.old.isoformat() if change.old else None, "to": change.new.isoformat()})
    return changes


def recompute_changes(today: date, candidates=None) -> list[Change]:
    """Closed cases of pupils who have left (or without a date at all) whose retention date no longer follows
    from the actual leaving date: the date at closing was based on the expected one.

    A later date is taken as is. An earlier one never comes closer than the warning period, so that the
    coordinator is always warned before anything is destroyed.
    """
    rules = all_rules()
    changes = []
    if candidates is None:
        candidates = closed_cases().filter(Q(pupil__left_on__isnull=False) | Q(retain_until__isnull=True))
    for case in candidates.order_by("pk"):
        new = retention_date(case, rules)
        old = case.retain_until
        if old is not None and new < old:
            new = min(old, max(new, today + WARN_BEFORE + timedelta(days=1)))
        if new != old:
            changes.append(Change(case, old, new))
    return changes


def already_warned(cases) -> set[int]:
    """Cases whose coordinator was warned about their current retention date (warned once, not daily)."""
    from audit.models import AuditEvent

    dates = {case.pk: case.retain_until.isoformat() for case in cases}
    events = AuditEvent.objects.filter(action=WARN_ACTION, case_id__in=list(dates)).values_list("case_id", "details")
    return {case_id for case_id, details in events if (details or {}).get("retain_until") == dates.get(case_id)}


def warn(case: Case) -> None:
    from audit.log import record as audit
    from cases.notifications import responsible_ids, send_notification

    recipients = responsible_ids(case)
    if recipients:
        send_notification.enqueue(
            recipients, case.pk, _("Meldcode: een dossier wordt binnenkort vernietigd"),
            _("Een gesloten dossier waarvoor u verantwoordelijk bent, bereikt op %(date)s het einde van de "
              "bewaartermijn. Daarna wordt de inhoud vernietigd. Moet het langer bewaard blijven, neem dan "
              "vóór die datum contact op met de privacyfunctionaris.") % {"date": case.retain_until.strftime("%d-%m-%Y")})
    audit(WARN_ACTION, school=case.school, case=case, object_repr=case.reference,
          details={"retain_until": case.retain_until.isoformat(), "recipients": len(recipients)})


def _delete_entries(case: Case) -> None:
    """Delete a case's entries, those that nothing points to first (corrections and follow-ups protect
    the entries they refer to, and saved entries cannot be changed to unlink them)."""
    entries = Entry.objects.filter(case=case)
    while entries.exists():
        pointed_at = Entry.objects.filter(case=case).filter(
            Q(corrects__isnull=False) | Q(refers_to__isnull=False)).values_list("corrects_id", "refers_to_id")
        referenced = {pk for pair in pointed_at for pk in pair if pk}
        deleted, _by_model = entries.exclude(pk__in=referenced).delete()
        if not deleted:  # a cycle cannot be made through the app; refuse loudly rather than loop
            raise RuntimeError(f"Entries of case {case.pk} refer to each other in a cycle.")


def files_of(case: Case) -> set[int]:
    """Every stored file that belongs to the case: attachments, and whatever another app keeps with a link to
    both the case and a file (generated exports), plus files whose purpose names the case."""
    from django.apps import apps

    from vault.models import StoredFile

    ids = set(StoredFile.objects.filter(purpose=f"case-{case.reference}").values_list("pk", flat=True))
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if f.is_relation and f.many_to_one]
        case_links = [f for f in fields if f.related_model is Case]
        file_links = [f for f in fields if f.related_model is StoredFile]
        for case_link in case_links:
            for file_link in file_links:
                ids |= set(model._default_manager.filter(**{case_link.name: case, f"{file_link.name}__isnull": False})
                           .values_list(file_link.attname, flat=True))
    return ids


def destroy(case: Case, *, mode: str = "destroyed") -> DeletionRecord:
    """Remove every piece of content of the case; keep a metadata-only record for the evaluation.

    The database refuses to delete saved entries and signatures unless a purge permit for this one case
    exists; the permit is written and removed inside the same transaction.
    """
    from vault.models import StoredFile

    case_id = case.pk
    with transaction.atomic():
        record = DeletionRecord.objects.create(
            case_reference=case.reference, school=case.school, opened_at=case.opened_at, closed_at=case.closed_at,
            closure_reason=case.closure_reason, route=case.route, last_step=case.current_step,
            entry_count=case.entries.filter(status=Entry.Status.SAVED).count(), mode=mode)
        PurgePermit.objects.create(case_id=case_id)
        file_ids = files_of(case)
        Signature.objects.filter(entry__case_id=case_id).delete()
        case.tasks.all().delete()
        BreakGlass.objects.filter(case_id=case_id).delete()
        _delete_entries(case)
        # Deleting the record removes the blob from disk once the transaction commits (vault.models).
        for stored in StoredFile.objects.filter(pk__in=file_ids):
            stored.delete()
        case.members.all().delete()
        case.siblings.all().delete()
        case.delete()
        PurgePermit.objects.filter(case_id=case_id).delete()
    return record


def run(today: date | None = None, *, dry_run: bool = False) -> RetentionRun:
    """The daily retention job. With `dry_run` it only reports what it would do."""
    from audit.log import record as audit

    today = today or timezone.localdate()
    result = RetentionRun(today=today, dry_run=dry_run)

    result.recomputed = recompute_changes(today)
    for change in result.recomputed:
        change.case.retain_until = change.new
        if not dry_run:
            Case.objects.filter(pk=change.case.pk).update(retain_until=change.new)
            audit(RECOMPUTE_ACTION, school=change.case.school, case=change.case, object_repr=change.case.reference,
                  details={"from": change.old.isoformat() if change.old else None, "to": change.new.isoformat()})

    # In a dry run the recomputed dates exist only in memory: merge them into what the database says.
    def effective(queryset_for, predicate):
        cases = {case.pk: case for case in queryset_for(today)}
        cases.update({change.case.pk: change.case for change in result.recomputed})
        return sorted((case for case in cases.values() if case.retain_until and predicate(case.retain_until)),
                      key=lambda case: (case.retain_until, case.pk))

    # Nothing is destroyed without a warning about that same date first (a rule of zero years, a job that
    # did not run for a while): such a case is warned now and kept for the warning period.
    due = effective(due_cases, lambda until: until <= today)
    warned_for_due = already_warned(due)
    result.postponed = [case for case in due if case.pk not in warned_for_due]
    result.destroyed = [case for case in due if case.pk in warned_for_due]
    for case in result.postponed:
        case.retain_until = today + WARN_BEFORE
        if not dry_run:
            Case.objects.filter(pk=case.pk).update(retain_until=case.retain_until)

    warn_candidates = effective(warn_cases, lambda until: today < until <= today + WARN_BEFORE)
    warn_candidates += [case for case in result.postponed if case.pk not in {c.pk for c in warn_candidates}]
    warned_before = already_warned(warn_candidates)
    result.warned = [case for case in warn_candidates if case.pk not in warned_before]
    if dry_run:
        return result

    for case in result.warned:
        warn(case)
    for case in result.destroyed:
        case_id, school, reference = case.pk, case.school, case.reference
        with transaction.atomic():  # no destruction without its audit event
            record = destroy(case)
            audit(DESTROY_ACTION, school=school, object_repr=reference,
                  details={"case_id": case_id, "deletion_record": record.pk, "entries": record.entry_count,
                           "mode": record.mode})
        result.records.append(record)
    return result
