"""The case's open tasks as its page shows them, and which of them may be ticked off by hand; where a reminder in a
list (home, the overview) leads.

A reminder of the meldcode (an open hypothesis, a help deadline, a deadline of the school's file, an access or an
information request) closes itself once what it asks for is recorded; the page links to where that is, and it
cannot be ticked off. Actions agreed by people (care team, other) are ticked off with "Klaar"."""

from django.db.models import Exists, OuterRef, Subquery
from django.urls import reverse

from cases import journal
from cases.models import EntryKind, Task

# Tasks that close themselves once what they ask for is recorded (cases.journal.plan_tasks, the meldcode's
# deadlines, access and information requests): the case page links to where that is recorded and offers no "Klaar",
# which would silence a reminder of the meldcode without anything recorded.
RECORDED_TASKS = {
    Task.Kind.HYPOTHESIS: EntryKind.FOLLOWUP,
    Task.Kind.HELP_DEADLINE: EntryKind.HELP_EVALUATION,
    Task.Kind.MONITOR: EntryKind.HELP_EVALUATION,
}
SELF_CLOSING_TASKS = frozenset({*RECORDED_TASKS, Task.Kind.DUE, Task.Kind.ACCESS_REQUEST, Task.Kind.PARENTS_INFORMED})


def anchor(task) -> str:
    """The task's place in the case page's list of next actions (`id` of its line there)."""
    return f"task-{task.pk}"


def open_tasks(case, information_requests, user) -> list:
    """The case's open tasks, each with `action_url` (where what it asks is recorded) or `manual` (closed by hand)."""
    # Telling the parents comes after the answer: until then the reminder leads to the request itself.
    parents_pages = {r.task_id: _parents_page(case.reference, r.pk, r.is_answered)
                     for r in information_requests if r.task_id and r.parents_still_to_be_told}
    tasks = list(case.tasks.filter(done_at__isnull=True).order_by("due_on"))
    for task in tasks:
        task.manual = task.kind not in SELF_CLOSING_TASKS
        task.action_url = parents_pages.get(task.pk) or _record_page(task, case, user)
    return tasks


def with_link_fields(tasks):
    """A list's tasks with what `reminder_url` needs about their information request, in the list's own query:
    `inquiry_id` (the request still waiting for the parents to be told) and `inquiry_answered`."""
    from inquiries.models import InformationRequest, ParentsTold

    waiting = InformationRequest.objects.filter(task=OuterRef("pk"), parents_told=ParentsTold.AFTER,
                                                parents_told_on__isnull=True)
    return tasks.annotate(inquiry_id=Subquery(waiting.values("pk")[:1]),
                          inquiry_answered=Exists(waiting.filter(answered_on__isnull=False)))


def reminder_url(task, user, school) -> str:
    """Where a reminder in a list leads: the page where what it asks is recorded, when this person may use it (as
    the case page's "Vastleggen" does), else the task in the dossier's list of next actions.

    No query: the list is of one school, whose roles the person's loaded memberships give (journal.may_record), and
    what the list did not load (the hypothesis a follow-up answers, the information request: `with_link_fields`)
    is left out of the link rather than asked per row."""
    case = task.case
    case.school = school  # the list's school: journal.may_record reads the person's roles there, not the database
    loaded = task.__dict__
    url = None
    if task.kind == Task.Kind.PARENTS_INFORMED and loaded.get("inquiry_id"):
        url = _parents_page(case.reference, loaded["inquiry_id"], loaded.get("inquiry_answered"))
    url = url or _record_page(task, case, user)
    return url or reverse("cases:detail", args=[case.reference]) + f"#{anchor(task)}"


def _parents_page(reference, inquiry_id, answered) -> str:
    return reverse("inquiries:parents_told" if answered else "inquiries:detail", args=[reference, inquiry_id])


def _record_page(task, case, user) -> str | None:
    kind = RECORDED_TASKS.get(task.kind)
    if kind is None or not journal.may_record(case, user, kind):
        return None
    hypothesis = task.__dict__.get("source_entry_id")  # a list that did not load it opens the form without it
    return reverse("cases:new_entry", args=[case.reference, kind]) + (
        f"?hypothesis={hypothesis}" if kind == EntryKind.FOLLOWUP and hypothesis else "")
