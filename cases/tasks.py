"""The case's open tasks as its page shows them, and which of them may be ticked off by hand.

A reminder of the meldcode (an open hypothesis, a help deadline, a deadline of the school's file, an access or an
information request) closes itself once what it asks for is recorded; the page links to where that is, and it
cannot be ticked off. Actions agreed by people (care team, other) are ticked off with "Klaar"."""

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


def open_tasks(case, information_requests, user) -> list:
    """The case's open tasks, each with `action_url` (where what it asks is recorded) or `manual` (closed by hand)."""
    # Telling the parents comes after the answer: until then the reminder leads to the request itself.
    parents_pages = {r.task_id: reverse("inquiries:parents_told" if r.is_answered else "inquiries:detail",
                                        args=[case.reference, r.pk])
                     for r in information_requests if r.task_id and r.parents_still_to_be_told}
    tasks = list(case.tasks.filter(done_at__isnull=True).order_by("due_on"))
    for task in tasks:
        task.manual = task.kind not in SELF_CLOSING_TASKS
        task.action_url = parents_pages.get(task.pk)
        kind = RECORDED_TASKS.get(task.kind)
        if kind is not None and journal.may_record(case, user, kind):
            task.action_url = reverse("cases:new_entry", args=[case.reference, kind]) + (
                f"?hypothesis={task.source_entry_id}" if kind == EntryKind.FOLLOWUP and task.source_entry_id else "")
    return tasks
