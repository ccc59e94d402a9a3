"""Writing and reading the journal, and the next actions that follow from it."""

import re
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from cases.models import Case, Entry, EntryKind, Route, Task, record_entry

IDLE_AFTER = timedelta(days=30)
HYPOTHESIS_FOLLOWUP = timedelta(days=28)
RECONTACT_VT_AFTER = timedelta(weeks=6)


def entries_for_page(case: Case) -> list[Entry]:
    """All entries of a case with what the page shows of them, in a fixed number of queries."""
    return list(case.entries.select_related("author", "corrects", "attachment", "refers_to")
                .prefetch_related("signatures", "corrections").order_by("occurred_at", "pk"))


def default_coordinator(school):
    from accounts.models import User

    return User.objects.filter(memberships__school=school, memberships__role=Role.IB, is_active=True).order_by("pk").first()


def open_hypotheses(case: Case) -> list[Entry]:
    resolved = case.entries.filter(kind=EntryKind.FOLLOWUP, status=Entry.Status.SAVED,
                                   facts__resolves_hypothesis=True).values("refers_to_id")
    return list(case.entries.filter(kind=EntryKind.SIGNAL, status=Entry.Status.SAVED, facts__is_hypothesis=True)
                .exclude(pk__in=resolved).order_by("occurred_at"))


def unresolved(entries: list[Entry]) -> list[Entry]:
    """The open hypotheses among already loaded entries (no query): for the case page."""
    saved = [e for e in entries if e.is_saved]
    resolved = {e.refers_to_id for e in saved if e.kind == EntryKind.FOLLOWUP and e.facts.get("resolves_hypothesis")}
    return [e for e in saved if e.kind == EntryKind.SIGNAL and e.facts.get("is_hypothesis") and e.pk not in resolved]


def open_hypotheses_count():
    """An annotation for case lists: hypotheses recorded minus hypotheses resolved."""
    saved = Q(entries__status=Entry.Status.SAVED)
    return (Count("entries", filter=saved & Q(entries__kind=EntryKind.SIGNAL, entries__facts__is_hypothesis=True),
                  distinct=True)
            - Count("entries", filter=saved & Q(entries__kind=EntryKind.FOLLOWUP,
                                                entries__facts__resolves_hypothesis=True), distinct=True))


def consent_status(case: Case) -> str | None:
    latest = (case.entries.filter(kind=EntryKind.CONSENT, status=Entry.Status.SAVED)
              .order_by("-occurred_at", "-pk").first())
    return latest.facts.get("status") if latest else None


def entry_menu(case: Case, guidance, user) -> list[tuple[str, str, bool]]:
    """(kind, label, suggested) for the 'add to the journal' menu: the engine's next actions first."""
    kinds = [k for k in EntryKind if k != EntryKind.DUTY or case.route == Route.STAFF]
    allowed = set(guidance.allowed_actions)
    return sorted(((k.value, k.label, k.value in allowed) for k in kinds), key=lambda item: not item[2])


def write_entry(case: Case, form, author, *, save: bool, files=None, corrects: Entry | None = None,
                correction_reason: str = "") -> Entry:
    content = form.content()
    if correction_reason:
        content["correction_reason"] = correction_reason
    entry = Entry(case=case, kind=form.kind, author=author, occurred_at=form.cleaned_data["occurred_at"],
                  content=content, facts=form.facts(), corrects=corrects)
    if form.kind == EntryKind.FOLLOWUP and form.cleaned_data.get("hypothesis"):
        entry.refers_to = case.entries.filter(pk=form.cleaned_data["hypothesis"]).first()
    with transaction.atomic():
        _attach(entry, form)
        entry.save()
        if save:
            record_entry(entry)
            plan_tasks(entry)
    return entry


def _attach(entry, form):
    upload = form.cleaned_data.get("evidence")
    if upload:
        from vault.files import save_encrypted_file

        entry.attachment = save_encrypted_file(upload, purpose=f"case-{entry.case.reference}")


def update_draft(entry: Entry, form, *, save: bool, files=None) -> Entry | None:
    """Save a draft only if nobody saved it since the form was loaded; None means a conflict."""
    revision = form.cleaned_data.get("revision") or 0
    with transaction.atomic():
        updated = (Entry.objects.filter(pk=entry.pk, status=Entry.Status.DRAFT, revision=revision)
                   .update(revision=F("revision") + 1, content=form.content(), facts=form.facts(),
                           occurred_at=form.cleaned_data["occurred_at"]))
        if not updated:
            return None
        entry.refresh_from_db()
        if save:
            record_entry(entry)
            plan_tasks(entry)
    return entry


_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")


def plan_tasks(entry: Entry):
    """The next actions a saved entry implies, each with a due date, assigned to the coordinator."""
    case = entry.case
    assignee = case.coordinator
    today = timezone.localdate()
    tasks = []

    def add(kind, due):
        tasks.append(Task(case=case, kind=kind, due_on=due, assignee=assignee, source_entry=entry))

    if entry.kind == EntryKind.SIGNAL and entry.facts.get("is_hypothesis"):
        add(Task.Kind.HYPOTHESIS, today + HYPOTHESIS_FOLLOWUP)
    elif entry.kind == EntryKind.FOLLOWUP and entry.refers_to_id:
        case.tasks.filter(kind=Task.Kind.HYPOTHESIS, source_entry_id=entry.refers_to_id,
                          done_at__isnull=True).update(done_at=timezone.now())
    elif entry.kind == EntryKind.CONSENT and entry.facts.get("status") in ("refused", "withdrawn"):
        add(Task.Kind.CONSENT, today + timedelta(days=7))
    elif entry.kind == EntryKind.HELP:
        deadline = date.fromisoformat(entry.facts["deadline"])
        add(Task.Kind.HELP_DEADLINE, deadline)
        for day, month, year in _DATE.findall(entry.content.get("monitoring", "")):
            try:
                add(Task.Kind.MONITOR, date(int(year), int(month), int(day)))
            except ValueError:
                continue
    elif entry.kind == EntryKind.REPORT:
        add(Task.Kind.RECONTACT_VT, today + RECONTACT_VT_AFTER)
    elif entry.kind == EntryKind.HELP_EVALUATION:
        case.tasks.filter(kind__in=[Task.Kind.HELP_DEADLINE, Task.Kind.MONITOR], done_at__isnull=True,
                          due_on__lte=today).update(done_at=timezone.now())
    elif entry.kind == EntryKind.CLOSURE:
        close_case(case, entry)
    Task.objects.bulk_create(tasks)


def close_case(case: Case, entry: Entry):
    from cases.retention import retention_date

    case.status = Case.Status.CLOSED
    case.closed_at = entry.saved_at or timezone.now()
    case.closure_reason = entry.facts.get("reason", "")
    case.retain_until = retention_date(case)
    case.save(update_fields=["status", "closed_at", "closure_reason", "retain_until"])
    case.tasks.filter(done_at__isnull=True).update(done_at=timezone.now())


def describe_task(task: Task) -> str:
    return _("%(task)s (uiterlijk %(due)s)") % {"task": task.get_kind_display(), "due": task.due_on.strftime("%d-%m-%Y")}
