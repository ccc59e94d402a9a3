"""What needs me now (issue 14): the home page per role, every item a link to the place to act.

Each panel is a fixed number of queries whatever the number of dossiers, and every list comes from
`cases.access.visible`, so home never shows a dossier the person could not open (the privacy officer and the
board see counts only).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from audit.queries import CASE_VIEW
from cases import access, journal
from cases import tasks as task_links
from cases.models import Case, Entry, EntryKind, Route, Task
from protocol import engine
from protocol.models import definition_fields

COORDINATING = {Role.IB, Role.DIRECTIE}
NEW_SIGNAL_DAYS = 30
SOON = timedelta(days=14)
LIST = 10
MELDCODE_DEADLINES = (Task.Kind.HELP_DEADLINE, Task.Kind.RECONTACT_VT, Task.Kind.MONITOR)


@dataclass
class Panel:
    school: object
    roles: set
    teacher: bool = False
    coordinator: bool = False
    directie: bool = False
    overview: bool = False
    privacy: bool = False
    own_signals: list = field(default_factory=list)
    new_signals: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    deadlines: list = field(default_factory=list)
    idle: list = field(default_factory=list)
    approvals: list = field(default_factory=list)
    year: dict = field(default_factory=dict)

    @property
    def empty(self):
        return not (self.new_signals or self.tasks or self.deadlines or self.idle or self.approvals)


def school_year_start(today):
    return today.replace(month=8, day=1) if today.month >= 8 else today.replace(year=today.year - 1, month=8, day=1)


def panel(user, school, roles) -> Panel:
    roles = set(roles)
    result = Panel(school=school, roles=roles, teacher=Role.LEERKRACHT in roles,
                   coordinator=bool(roles & COORDINATING), directie=Role.DIRECTIE in roles,
                   overview=bool(roles & {Role.DIRECTIE, Role.BESTUUR}), privacy=Role.PRIVACY in roles)
    readable = access.visible(user, access.READ).filter(school=school)
    if result.teacher:
        result.own_signals = _own_signals(user, school)
    if result.coordinator:
        result.new_signals = _new_signals(user, readable)
        _tasks(result, readable, user)
        idle_before = timezone.now() - journal.IDLE_AFTER
        result.idle = list(readable.filter(status=Case.Status.OPEN, last_activity_at__lt=idle_before)
                           .select_related("pupil").order_by("last_activity_at")[:LIST])
    if result.directie or result.coordinator:
        result.approvals = _approvals(user, readable, school, roles)
    if result.overview or result.privacy:
        # Staff-perpetrator cases count only for directie and bestuur: the privacy officer may not learn that one
        # exists (cases.access), not even from a count (as in the annual evaluation).
        result.year = _year(school, user, with_staff_route=result.overview)
    return result


def _own_signals(user, school):
    """The teacher's own signals in open dossiers; a link only where they may read the dossier."""
    signals = list(Entry.objects.filter(author=user, kind=EntryKind.SIGNAL, status=Entry.Status.SAVED,
                                        case__school=school, case__status=Case.Status.OPEN)
                   .select_related("case__pupil").only("pk", "saved_at", "case__reference", "case__pupil__first_name",
                                                       "case__pupil__last_name", "case__pupil__group")
                   .order_by("-saved_at")[:LIST])
    readable = set(access.visible(user, access.READ).filter(pk__in={s.case_id for s in signals})
                   .values_list("pk", flat=True))
    for signal in signals:
        signal.readable = signal.case_id in readable
    return signals


def _new_signals(user, readable):
    """Signals by others that this coordinator has not seen yet: saved after the case's coordinator last wrote in that
    dossier (or since it opened), and after this coordinator last opened it (its `case.view` audit event)."""
    last_by_coordinator = (Entry.objects.filter(case=OuterRef("case"), status=Entry.Status.SAVED,
                                                author=OuterRef("case__coordinator"))
                           .order_by().values("case").annotate(last=Max("saved_at")).values("last"))
    since = timezone.now() - timedelta(days=NEW_SIGNAL_DAYS)
    # The audit trail (a million rows and more) through its indexes: per signal the case's events since it was saved
    # (case_id, at), or this person's events of the last 30 days (actor_id, at), which `since` bounds; PostgreSQL
    # picks either, a millisecond or a few with 1.2M events.
    opened_since = AuditEvent.objects.filter(case_id=OuterRef("case_id"), at__gte=OuterRef("saved_at"),
                                             actor_id=user.pk, action=CASE_VIEW).filter(at__gte=since)
    return list(Entry.objects.filter(case__in=readable.filter(status=Case.Status.OPEN).values("pk"),
                                     kind=EntryKind.SIGNAL, status=Entry.Status.SAVED, saved_at__gte=since)
                .exclude(author=user)
                .exclude(Exists(opened_since))
                .annotate(coordinator_last=Subquery(last_by_coordinator))
                .filter(Q(coordinator_last__isnull=True) | Q(coordinator_last__lt=F("saved_at")))
                .select_related("case__pupil", "author").only(
                    "pk", "saved_at", "case__reference", "case__pupil__first_name", "case__pupil__last_name",
                    "case__pupil__group", "author__full_name")
                .order_by("-saved_at")[:LIST])


def _tasks(result, readable, user):
    soon = timezone.localdate() + timedelta(days=7)
    open_cases = readable.filter(status=Case.Status.OPEN).values("pk")
    listed = (Task.objects.filter(case__in=open_cases, done_at__isnull=True, due_on__lte=timezone.localdate() + SOON)
              # A task's label may use the names of its case's meldcode: one join, not a query per task; so do the
              # hypothesis a follow-up answers and the information request a reminder leads to (its link).
              .select_related("case__pupil", "case__meldcode_version")
              .only("kind", "due_on", "source_entry", "case__reference", "case__route", "case__pupil__first_name",
                    "case__pupil__last_name", *definition_fields("case__meldcode_version"))
              .order_by("due_on"))
    tasks = list(task_links.with_link_fields(listed)[:LIST * 3])
    today = timezone.localdate()
    for task in tasks:
        task.overdue = task.due_on < today
        # Each reminder leads to where it is acted on (the form, the information request) or to its line in the
        # dossier's next actions, never to the top of a long dossier.
        task.url = task_links.reminder_url(task, user, result.school)
    result.deadlines = [t for t in tasks if t.kind in MELDCODE_DEADLINES][:LIST]
    result.tasks = [t for t in tasks if t.kind not in MELDCODE_DEADLINES and t.due_on <= soon][:LIST]


def _approvals(user, readable, school, roles):
    """Decisions waiting for the approval of final responsibility (engine.final_roles), for those who carry it;
    the link opens the decision to approve it (a correction with their approval)."""
    corrected = Entry.objects.filter(corrects=OuterRef("pk"))
    waiting = list(Entry.objects.filter(case__in=readable.filter(status=Case.Status.OPEN).values("pk"),
                                        status=Entry.Status.SAVED, kind__in=engine.APPROVAL_KINDS,
                                        facts__approved_by_role="")
                   .exclude(Exists(corrected))
                   # What the list shows and the rule reads; the content stays encrypted in the database.
                   .select_related("case__pupil", "case__meldcode_version")
                   .only("kind", "facts", "saved_at", "case__reference", "case__pupil__first_name",
                         "case__pupil__last_name", *definition_fields("case__meldcode_version"))
                   .order_by("saved_at")[:LIST * 2])
    mine, finals = [], {}
    for entry in waiting:
        version = entry.case.meldcode_version
        if version.pk not in finals:  # one reading of each meldcode, however many decisions
            finals[version.pk] = set(engine.final_roles(version.definition()))
        final = finals[version.pk]
        if final & roles and not set(entry.facts.get("decided_by_roles") or ()) & final:
            mine.append(entry)
    return mine[:LIST]


def _year(school, user, *, with_staff_route):
    """The school year at a glance, counts only."""
    today = timezone.localdate()
    start = school_year_start(today)
    cases = Case.objects.filter(school=school)
    reports = Entry.objects.filter(case__school=school, kind=EntryKind.REPORT, status=Entry.Status.SAVED,
                                   saved_at__date__gte=start)
    if not with_staff_route:
        cases, reports = cases.exclude(route=Route.STAFF), reports.exclude(case__route=Route.STAFF)
    else:
        # Never the case about this person: the staff member concerned may not learn it exists, not even from a count.
        mine = Q(route=Route.STAFF, subject_staff=user)
        cases, reports = cases.exclude(mine), reports.exclude(case__route=Route.STAFF, case__subject_staff=user)
    counts = cases.aggregate(
        open=Count("pk", filter=Q(status=Case.Status.OPEN)),
        opened=Count("pk", filter=Q(opened_at__date__gte=start)),
        closed=Count("pk", filter=Q(closed_at__date__gte=start)),
        near=Count("pk", filter=Q(status=Case.Status.OPEN, tasks__done_at__isnull=True,
                                  tasks__due_on__lte=today + SOON), distinct=True),
    )
    counts["reports"] = reports.count()
    counts["since"] = start
    return counts
