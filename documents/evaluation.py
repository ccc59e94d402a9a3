"""The yearly evaluation of the meldcode, per school and per board: figures from aggregate queries.

Figures are metadata about cases (route, step, dates, kinds of entries and the few structured facts the
protocol engine uses); nothing here decrypts content, and the number of queries does not grow with
the number of cases. The cohort of a school year is every case opened between 1 August and 31 July;
destroyed cases count through their DeletionRecord where that record holds the figure (route,
outcome, opening date).
"""

from __future__ import annotations

import csv
import io
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db.models import Count, F, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from cases.models import Case, ClosureReason, DeletionRecord, Entry, EntryKind, Route, Task
from core import databases

SMALL_COUNT = 5  # board figures below this are shown as "< 5"
SUPPRESSED = "< 5"
HIDDEN = "x"  # board level: hidden too, so that a "< 5" in the same breakdown cannot be worked out
STEP_ORDER = ("1", "2", "3", "4", "5a", "5b")
DECISION_KINDS = (EntryKind.WEIGHING, EntryKind.HELP, EntryKind.REPORT)
# The furthest step a case reached, from the kinds of entries it has (checked from far to near).
STEP_EVIDENCE = (
    ("5b", (EntryKind.REPORT, EntryKind.FEEDBACK)),
    ("5a", (EntryKind.HELP, EntryKind.HELP_EVALUATION)),
    ("4", (EntryKind.WEIGHING,)),
    ("3", (EntryKind.CONVERSATION, EntryKind.EXEMPTION)),
    ("2", (EntryKind.CONSULTATION, EntryKind.CONSENT, EntryKind.VERWIJSINDEX)),
    ("1", (EntryKind.SIGNAL, EntryKind.FOLLOWUP)),
)
STEP_LABELS = {
    "1": gettext_lazy("Stap 1: signalen in kaart"), "2": gettext_lazy("Stap 2: consultatie"),
    "3": gettext_lazy("Stap 3: gesprek met de ouder"), "4": gettext_lazy("Stap 4: wegen"),
    "5a": gettext_lazy("Stap 5a: hulp"), "5b": gettext_lazy("Stap 5b: melding"),
    "none": gettext_lazy("Nog niets vastgelegd"), "unknown": gettext_lazy("Onbekend (inhoud vernietigd)"),
}
OPEN = "open"
OUTCOME_LABELS = {OPEN: gettext_lazy("Nog open"), **dict(ClosureReason.choices),
                  "": gettext_lazy("Gesloten zonder reden")}
EXEMPTION_TARGET_LABELS = {
    "parent_conversation": gettext_lazy("Geen gesprek met de ouder (stap 3)"),
    "pre_report_conversation": gettext_lazy("Melding niet vooraf besproken (5b)"),
}
GROUND_LABELS = {
    "safety": gettext_lazy("veiligheid in gevaar"),
    "contact_loss": gettext_lazy("gezin zou het contact verbreken"),
}
# Staff expected to follow meldcode training.
TRAINED_ROLES = (Role.LEERKRACHT, Role.IB, Role.DIRECTIE)


def school_year_of(day: date) -> int:
    return day.year if day.month >= 8 else day.year - 1


def school_year_bounds(start_year: int) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    return (datetime.combine(date(start_year, 8, 1), time.min, tzinfo=zone),
            datetime.combine(date(start_year + 1, 8, 1), time.min, tzinfo=zone))


@dataclass
class Figures:
    start_year: int
    schools: list[str]
    total: int = 0
    destroyed: int = 0
    by_route: dict[str, int] = field(default_factory=dict)
    by_step: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    by_school: dict[str, int] = field(default_factory=dict)
    advice_requests: int = 0
    advice_cases: int = 0
    reports: int = 0
    report_cases: int = 0
    decision_days: list[int] = field(default_factory=list)
    open_hypotheses: int = 0
    overdue_tasks: int = 0
    late_tasks: int = 0
    help_cases: int = 0
    help_effective_cases: int = 0
    exemptions: dict[tuple[str, str], int] = field(default_factory=dict)
    includes_staff_route: bool = True

    @property
    def median_days_to_decision(self) -> float | None:
        return statistics.median(self.decision_days) if self.decision_days else None

    @property
    def label(self) -> str:
        return _("schooljaar %(a)s-%(b)s") % {"a": self.start_year, "b": self.start_year + 1}


def staff_route_visible(user, schools) -> bool:
    """Whether staff-perpetrator cases are counted for this viewer: by their role at these schools.

    Those cases are invisible to everyone but directie and bestuur (the same rule as cases.access); even
    a count would tell an intern begeleider or the privacy officer that one exists.

    At a board's level that role is needed at every school counted: directie at one school (or the privacy
    officer at another) may not learn that another school of the board has such a case.

    The case about the viewer is left out apart from this (`compute(hidden_subject=...)`): the staff member
    concerned may not learn it exists (cases.access), and a count of one staff case beside their own list
    of dossiers without it would tell them exactly that. Their home page counts the same way (cases.home).
    """
    if user is None:
        return False
    school_ids = {s.pk for s in schools}
    heading = set(user.memberships.filter(school_id__in=school_ids, role__in=(Role.DIRECTIE, Role.BESTUUR))
                  .values_list("school_id", flat=True))
    return bool(school_ids) and heading == school_ids


def compute(schools, start_year: int, *, today: date | None = None, include_staff_route: bool = True,
            hidden_subject=None) -> Figures:
    """The figures for the cases the given schools opened in the school year starting 1 August `start_year`.

    Views pass `include_staff_route=staff_route_visible(user, schools)` and `hidden_subject=user`: a staff case
    about the viewer is never counted for them.
    """
    today = today or timezone.localdate()
    schools = list(schools)
    begin, end = school_year_bounds(start_year)
    figures = Figures(start_year=start_year, schools=[s.name for s in schools])
    # Counting only, nothing changes: from the read replica when there is one (core/databases.py).
    db = databases.for_reports()
    school_ids = [s.pk for s in schools]
    cohort = Case.objects.using(db).filter(school__in=school_ids, opened_at__gte=begin, opened_at__lt=end)
    destroyed = DeletionRecord.objects.using(db).filter(school__in=school_ids, opened_at__gte=begin,
                                                        opened_at__lt=end)
    if not include_staff_route:
        cohort = cohort.exclude(route=Route.STAFF)
        destroyed = destroyed.exclude(route=Route.STAFF)
    elif hidden_subject is not None:
        cohort = cohort.exclude(route=Route.STAFF, subject_staff=hidden_subject)
    figures.includes_staff_route = include_staff_route
    saved = Q(entries__status=Entry.Status.SAVED)

    # One row per case with the kinds it has: route, outcome and furthest step in one grouped query.
    evidence = {step: Count("entries", filter=saved & Q(entries__kind__in=kinds)) for step, kinds in STEP_EVIDENCE}
    rows = cohort.values("pk", "route", "status", "closure_reason", "school__name").annotate(
        **{f"has_{step.replace('5', 'five')}": count for step, count in evidence.items()},
        first_signal=Min("entries__occurred_at", filter=saved & Q(entries__kind=EntryKind.SIGNAL)),
        decided=Min("entries__occurred_at", filter=saved & Q(entries__kind__in=DECISION_KINDS)),
    )
    for row in rows:
        figures.total += 1
        _add(figures.by_route, row["route"])
        _add(figures.by_school, row["school__name"])
        _add(figures.by_outcome, OPEN if row["status"] == Case.Status.OPEN else row["closure_reason"])
        reached = next((step for step, _kinds in STEP_EVIDENCE if row[f"has_{step.replace('5', 'five')}"]), "none")
        _add(figures.by_step, reached)
        if row["first_signal"] and row["decided"]:
            figures.decision_days.append(max(0, (row["decided"] - row["first_signal"]).days))
    for record in destroyed.values("route", "closure_reason", "last_step", "school__name").annotate(n=Count("pk")):
        figures.total += record["n"]
        figures.destroyed += record["n"]
        _add(figures.by_route, record["route"], record["n"])
        _add(figures.by_school, record["school__name"], record["n"])
        _add(figures.by_outcome, record["closure_reason"], record["n"])
        _add(figures.by_step, record["last_step"] if record["last_step"] in STEP_ORDER else "unknown", record["n"])

    # Entries that were later corrected count once, through their (saved) correction, as in the protocol engine.
    corrected = Entry.objects.using(db).filter(corrects__isnull=False, status=Entry.Status.SAVED).values("corrects_id")
    entries = Entry.objects.using(db).filter(case__in=cohort, status=Entry.Status.SAVED).exclude(pk__in=corrected)
    advice = Q(kind=EntryKind.CONSULTATION, facts__with="veilig_thuis")
    report = Q(kind=EntryKind.REPORT)
    totals = entries.aggregate(
        advice=Count("pk", filter=advice), advice_cases=Count("case", filter=advice, distinct=True),
        reports=Count("pk", filter=report), report_cases=Count("case", filter=report, distinct=True),
        help_cases=Count("case", filter=Q(kind=EntryKind.HELP), distinct=True),
        effective=Count("case", filter=_help_succeeded(entries), distinct=True),
    )
    figures.advice_requests, figures.advice_cases = totals["advice"], totals["advice_cases"]
    figures.reports, figures.report_cases = totals["reports"], totals["report_cases"]
    figures.help_cases, figures.help_effective_cases = totals["help_cases"], totals["effective"]
    resolved = Entry.objects.using(db).filter(kind=EntryKind.FOLLOWUP, status=Entry.Status.SAVED,
                                    facts__resolves_hypothesis=True, refers_to__isnull=False).values("refers_to_id")
    figures.open_hypotheses = (entries.filter(kind=EntryKind.SIGNAL, facts__is_hypothesis=True)
                               .exclude(pk__in=resolved).count())
    for row in (entries.filter(kind=EntryKind.EXEMPTION).values("facts__applies_to", "facts__ground")
                .annotate(n=Count("pk"))):
        figures.exemptions[(str(row["facts__applies_to"] or ""), str(row["facts__ground"] or ""))] = row["n"]
    tasks = Task.objects.using(db).filter(case__in=cohort).aggregate(
        overdue=Count("pk", filter=Q(done_at__isnull=True, due_on__lt=today, case__status=Case.Status.OPEN)),
        late=Count("pk", filter=Q(done_at__isnull=False, done_at__date__gt=F("due_on"))),
    )
    figures.overdue_tasks, figures.late_tasks = tasks["overdue"], tasks["late"]
    return figures


def _help_succeeded(entries) -> Q:
    """The case's latest help evaluation says the family reached the help and it worked.

    As the protocol engine decides (help_failed, the "help_completed" closure): only the latest evaluation
    counts, and only when both answers are yes; an earlier success followed by a failure is a failure.
    """
    latest = (entries.filter(case=OuterRef("case"), kind=EntryKind.HELP_EVALUATION)
              .order_by("-occurred_at", "-pk").values("pk")[:1])
    return Q(kind=EntryKind.HELP_EVALUATION, pk=Subquery(latest), facts__reached=True, facts__effective=True)


def _add(counter: dict, key, amount: int = 1):
    counter[key] = counter.get(key, 0) + amount


# --- presentation: rows for the table, the charts and the CSV --------------------------------------------------
#
# On board level no figure may let a reader identify a pupil. A count from 1 to 4 is shown as "< 5" (primary
# suppression). Because the breakdowns by route, step, outcome and school each add up to the number of cases
# shown at the top, one "< 5" could be worked out by subtraction; so more counts in that breakdown are hidden as
# "x" (secondary suppression) until no hidden count can be worked out exactly. The check models what a reader
# knows: a shown count exactly, "< 5" is 1 to 4, "x" is 0 or at least 5 (1 to 4 would read "< 5"), and every
# breakdown adds up to the total. If even hiding every count of a breakdown does not help (e.g. 6 cases of which
# 1 acute: "< 5" plus "x" can only be 1 plus 5), that breakdown is not shown at all. School level stays exact.

# A key figure that nearly always equals one row of the step breakdown is hidden together with that row:
# destroyed cases were closed (step "unknown"), and a case reaches step 5b exactly when it has a report.
LINKED_TO_STEP = {"unknown": "destroyed", "5b": "report_cases"}


def show(value, *, suppress: bool):
    """A count as shown: on board level 1 to 4 become "< 5" (0 identifies nobody and stays)."""
    if value is None:
        return "—"
    if suppress and 0 < value < SMALL_COUNT:
        return SUPPRESSED
    return value


@dataclass(eq=False)  # cells are told apart by identity, not by their label and number
class Cell:
    label: str
    value: int | None
    shown_as: str = ""  # what is shown instead of the exact value: "< 5", "x", or a formatted figure
    key: str = ""  # what the row counts (a route, a step, ...), to link figures that are the same number

    @property
    def shown(self):
        return self.shown_as or self.value

    @property
    def hidden(self) -> bool:
        return self.shown_as in (SUPPRESSED, HIDDEN)


@dataclass(eq=False)
class Table:
    key: str
    title: str
    cells: list[Cell]
    adds_up: bool = False  # the cells add up to the number of cases, so one hidden cell can be worked out
    chart: bool = True
    withheld: bool = False  # on board level: no split that hides every small count exists, so none is shown

    @property
    def rows(self) -> list[tuple[str, object]]:
        return [] if self.withheld else [(c.label, c.shown) for c in self.cells]

    @property
    def note(self) -> str:
        return _("Niet uitgesplitst: bij zo weinig dossiers zou een leerling herkenbaar worden.") \
            if self.withheld else ""


def tables(figures: Figures, *, suppress: bool) -> list[Table]:
    """The key figures and the breakdowns, as the page, the PDF, the charts and the CSV all show them."""
    total = Cell(str(_("Dossiers geopend in dit schooljaar")), figures.total, key="total")
    breakdowns = _breakdowns(figures)
    if suppress:
        for table in breakdowns:
            _suppress_small(table.cells)
        _suppress_small([total])
        protect(total, [t for t in breakdowns if t.adds_up])
    return [_key_figures(figures, total, breakdowns, suppress=suppress), *breakdowns]


def _breakdowns(figures: Figures) -> list[Table]:
    def table(key, title, items, *, adds_up=True):
        return Table(key, str(title), [Cell(str(label), n, key=k) for k, label, n in items], adds_up=adds_up)

    routes = [(r, Route(r).label, figures.by_route.get(r, 0)) for r in Route.values
              if r != Route.STAFF or figures.includes_staff_route]
    steps = [(s, STEP_LABELS[s], figures.by_step[s]) for s in (*STEP_ORDER, "none", "unknown")
             if s in figures.by_step]
    outcomes = [(o, OUTCOME_LABELS.get(o, o), n) for o, n in sorted(figures.by_outcome.items(),
                                                                     key=lambda item: (item[0] != OPEN, item[0]))]
    exemptions = [(f"{target}:{ground}",
                   f"{EXEMPTION_TARGET_LABELS.get(target, target)}: {GROUND_LABELS.get(ground, ground)}", n)
                  for (target, ground), n in sorted(figures.exemptions.items())]
    result = [table("route", _("Dossiers per route"), routes), table("step", _("Bereikte stap"), steps),
              table("outcome", _("Uitkomst"), outcomes),
              # Exemptions count entries, not cases, and add up to no figure that is shown.
              table("exemptions", _("Gebruik van afwijkingen (geen gesprek vooraf)"), exemptions, adds_up=False)]
    if len(figures.schools) > 1:
        result.append(table("school", _("Dossiers per school"),
                            [(name, name, n) for name, n in sorted(figures.by_school.items())]))
    return result


def _key_figures(figures: Figures, total: Cell, breakdowns: list[Table], *, suppress: bool) -> Table:
    def count(label, n, key=""):
        return Cell(str(label), n, SUPPRESSED if suppress and 0 < n < SMALL_COUNT else "", key)

    median = figures.median_days_to_decision
    if suppress and len(figures.decision_days) < SMALL_COUNT:
        # A median over a handful of cases is close to one pupil's own timeline.
        median_shown = SUPPRESSED if figures.decision_days else "—"
    else:
        median_shown = "—" if median is None else f"{median:g}"
    cells = [
        total,
        count(_("waarvan inhoud inmiddels vernietigd"), figures.destroyed, "destroyed"),
        count(_("Adviesvragen aan Veilig Thuis"), figures.advice_requests),
        count(_("Dossiers met een adviesvraag aan Veilig Thuis"), figures.advice_cases),
        count(_("Meldingen bij Veilig Thuis"), figures.reports),
        count(_("Dossiers met een melding"), figures.report_cases, "report_cases"),
        Cell(str(_("Mediaan dagen van eerste signaal tot besluit")), median, median_shown),
        count(_("Open hypothesen"), figures.open_hypotheses),
        count(_("Vervolgacties die nu te laat zijn"), figures.overdue_tasks),
        count(_("Vervolgacties die te laat zijn afgerond"), figures.late_tasks),
        count(_("Dossiers met hulp (5a)"), figures.help_cases),
        count(_("waarvan de hulp haar doel bereikte"), figures.help_effective_cases),
    ]
    if suppress:
        _hide_linked(cells, next(t for t in breakdowns if t.key == "step"))
    return Table("key", str(_("Kerncijfers")), cells, chart=False)


def _hide_linked(key_cells: list[Cell], steps: Table) -> None:
    """Hide a key figure whose step row is hidden: being (nearly) the same number, it would give that row away."""
    linked = {LINKED_TO_STEP[c.key] for c in steps.cells if c.hidden and c.key in LINKED_TO_STEP}
    for cell in key_cells:
        if cell.key in linked and not cell.hidden:
            cell.shown_as = HIDDEN


def _suppress_small(cells: list[Cell]) -> None:
    for cell in cells:
        if 0 < cell.value < SMALL_COUNT:
            cell.shown_as = SUPPRESSED


def protect(total: Cell, breakdowns: list[Table]) -> None:
    """Secondary suppression: hide more counts until no hidden count can be worked out from what is shown.

    Each round takes a breakdown that gives something away, on its own first (against the total) and only then
    together with the others (which matters when the total is hidden), and hides its smallest non-zero count
    still shown (a zero if there is none); a breakdown with nothing left to hide is withheld.
    """
    while True:
        shown = [t for t in breakdowns if not t.withheld]
        table = next((t for t in shown if exposed_cells(total, [t.cells])), None)
        if table is None:
            exposed = exposed_cells(total, [t.cells for t in shown])
            if not exposed:
                return
            # Where only the hidden total gives itself away, a breakdown with hidden counts pins it down.
            table = next((t for t in shown if any(c in exposed for c in t.cells)), None) or next(
                (t for t in shown if any(c.hidden for c in t.cells)), None)
            if table is None:
                return
        extra = _next_to_hide(table.cells)
        if extra is None:
            table.withheld = True
        else:
            extra.shown_as = HIDDEN


def _next_to_hide(cells: list[Cell]) -> Cell | None:
    """The smallest non-zero count still shown; failing that a shown zero (in the order of the rows)."""
    shown = [c for c in cells if not c.hidden]
    return min(shown, key=lambda c: (c.value == 0, c.value), default=None)


def exposed_cells(total: Cell, groups: list[list[Cell]]) -> list[Cell]:
    """The hidden counts (and the total, when hidden) that a reader can work out to one exact number.

    Sets of possible numbers are bit masks (bit n set: n is possible), so adding up sets is shifting.
    """
    # No count exceeds the total; a hidden total is below 5.
    limit = total.value if not total.hidden else SMALL_COUNT - 1
    totals = _possible(total, limit)
    for cells in groups:  # the totals every breakdown allows
        totals &= _sum_of_hidden(cells, limit) << _shown_sum(cells)
    exposed = [total] if total.hidden and _size(totals) < 2 else []
    for cells in groups:
        hidden = [c for c in cells if c.hidden]
        room = totals >> _shown_sum(cells)  # what the hidden counts of this breakdown can add up to
        for cell in hidden:
            others = _sum_of_hidden([c for c in hidden if c is not cell], limit)
            options = [n for n in _members(_possible(cell, limit)) if (others << n) & room]
            if len(options) < 2:
                exposed.append(cell)
    return exposed


def _possible(cell: Cell, limit: int) -> int:
    """The numbers a reader considers possible for a cell, as a bit mask."""
    if cell.shown_as == SUPPRESSED:
        return _range_mask(1, SMALL_COUNT - 1)
    if cell.shown_as == HIDDEN:
        return 1 | _range_mask(SMALL_COUNT, limit)
    return 1 << cell.value


def _sum_of_hidden(cells: list[Cell], limit: int) -> int:
    sums = 1  # only 0
    for cell in cells:
        if cell.hidden:
            sums = _plus(sums, _possible(cell, limit), limit)
    return sums


def _plus(a: int, b: int, limit: int) -> int:
    """Every x + y (up to limit) with x possible in a and y in b."""
    result = 0
    for n in _members(b):
        result |= a << n
    return result & _range_mask(0, limit)


def _shown_sum(cells: list[Cell]) -> int:
    return sum(c.value for c in cells if not c.hidden)


def _range_mask(low: int, high: int) -> int:
    return ((1 << (high + 1)) - 1) & ~((1 << low) - 1) if high >= low else 0


def _members(mask: int) -> list[int]:
    return [n for n in range(mask.bit_length()) if mask >> n & 1]


def _size(mask: int) -> int:
    return bin(mask).count("1")


def to_csv(figures: Figures, *, suppress: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("onderdeel"), _("omschrijving"), _("aantal")])
    writer.writerow([_("periode"), figures.label, ""])
    for table in tables(figures, suppress=suppress):
        if table.withheld:
            writer.writerow([table.title, table.note, ""])
        for label, value in table.rows:
            writer.writerow([table.title, label, value])
    return out.getvalue()


# --- the training register --------------------------------------------------------------------------------------

def refresher_years() -> int:
    return getattr(settings, "MELDCODE_TRAINING_REFRESH_YEARS", 2)


def due_for_refresher(school, *, today: date | None = None):
    """Staff whose last meldcode training is older than the refresher period (or who have none), in one query."""
    from accounts.models import User

    today = today or timezone.localdate()
    cutoff = _years_before(today, refresher_years())
    current = Q(trainings__school=school) & (
        Q(trainings__valid_until__gte=today) | Q(trainings__valid_until__isnull=True, trainings__date__gte=cutoff))
    return (User.objects.filter(memberships__school=school, memberships__role__in=TRAINED_ROLES, is_active=True)
            .annotate(current=Count("trainings", filter=current, distinct=True),
                      last_training=Max("trainings__date", filter=Q(trainings__school=school)))
            .filter(current=0).distinct().order_by("full_name"))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def refresher_due_count(schools, *, today: date | None = None) -> dict[str, int]:
    return {school.name: due_for_refresher(school, today=today).count() for school in schools}



# --- the page and the PDF ---------------------------------------------------------------------------------------

def page_context(schools, start_year: int, *, viewer, board=None, today: date | None = None) -> dict:
    """Everything the evaluation page and its PDF show. Board level hides small counts and names no staff."""
    from documents.charts import bar_chart

    schools = list(schools)
    figures = compute(schools, start_year, today=today,
                      include_staff_route=staff_route_visible(viewer, schools), hidden_subject=viewer)
    suppress = board is not None
    shown = tables(figures, suppress=suppress)
    charts = {t.key: bar_chart(t.title, t.rows, chart_id=f"chart-{t.key}") for t in shown if t.chart and t.rows}
    context = {
        "figures": figures, "tables": shown, "charts": charts, "suppress": suppress, "board": board,
        "school": None if board else schools[0], "start_year": start_year,
        "title": _("Jaarevaluatie meldcode, %(period)s") % {"period": figures.label},
        "scope": board.name if board else schools[0].name, "refresher_years": refresher_years(),
    }
    if board is None:
        context["refresher_due"] = list(due_for_refresher(schools[0], today=today))
    else:
        context["refresher_counts"] = [(name, show(n, suppress=True))
                                       for name, n in refresher_due_count(schools, today=today).items()]
    return context
