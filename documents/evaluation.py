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
from django.db.models import Count, F, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from cases.models import Case, ClosureReason, DeletionRecord, Entry, EntryKind, Route, Task

SMALL_COUNT = 5  # board figures below this are shown as "< 5"
SUPPRESSED = "< 5"
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
    """Whether staff-perpetrator cases may be counted for this viewer.

    Those cases are invisible to everyone but directie and bestuur (the same rule as cases.access); even
    a count would tell an intern begeleider or the privacy officer that one exists, and it must never
    reach the staff member concerned, whatever their role.
    """
    if user is None:
        return False
    school_ids = [s.pk for s in schools]
    allowed = user.memberships.filter(school_id__in=school_ids, role__in=(Role.DIRECTIE, Role.BESTUUR)).exists()
    concerned = Case.objects.filter(school_id__in=school_ids, route=Route.STAFF, subject_staff=user).exists()
    return allowed and not concerned


def compute(schools, start_year: int, *, today: date | None = None, include_staff_route: bool = True) -> Figures:
    """The figures for the cases the given schools opened in the school year starting 1 August `start_year`.

    Views pass `include_staff_route=staff_route_visible(user, schools)`.
    """
    today = today or timezone.localdate()
    schools = list(schools)
    begin, end = school_year_bounds(start_year)
    figures = Figures(start_year=start_year, schools=[s.name for s in schools])
    cohort = Case.objects.filter(school__in=schools, opened_at__gte=begin, opened_at__lt=end)
    destroyed = DeletionRecord.objects.filter(school__in=schools, opened_at__gte=begin, opened_at__lt=end)
    if not include_staff_route:
        cohort = cohort.exclude(route=Route.STAFF)
        destroyed = destroyed.exclude(route=Route.STAFF)
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

    # Entries that were later corrected count once, through their correction.
    entries = (Entry.objects.filter(case__in=cohort, status=Entry.Status.SAVED)
               .exclude(pk__in=Entry.objects.filter(corrects__isnull=False).values("corrects_id")))
    advice = Q(kind=EntryKind.CONSULTATION, facts__with="veilig_thuis")
    report = Q(kind=EntryKind.REPORT)
    totals = entries.aggregate(
        advice=Count("pk", filter=advice), advice_cases=Count("case", filter=advice, distinct=True),
        reports=Count("pk", filter=report), report_cases=Count("case", filter=report, distinct=True),
        help_cases=Count("case", filter=Q(kind=EntryKind.HELP), distinct=True),
        effective=Count("case", filter=Q(kind=EntryKind.HELP_EVALUATION, facts__effective=True), distinct=True),
    )
    figures.advice_requests, figures.advice_cases = totals["advice"], totals["advice_cases"]
    figures.reports, figures.report_cases = totals["reports"], totals["report_cases"]
    figures.help_cases, figures.help_effective_cases = totals["help_cases"], totals["effective"]
    resolved = Entry.objects.filter(kind=EntryKind.FOLLOWUP, status=Entry.Status.SAVED,
                                    facts__resolves_hypothesis=True, refers_to__isnull=False).values("refers_to_id")
    figures.open_hypotheses = (entries.filter(kind=EntryKind.SIGNAL, facts__is_hypothesis=True)
                               .exclude(pk__in=resolved).count())
    for row in (entries.filter(kind=EntryKind.EXEMPTION).values("facts__applies_to", "facts__ground")
                .annotate(n=Count("pk"))):
        figures.exemptions[(str(row["facts__applies_to"] or ""), str(row["facts__ground"] or ""))] = row["n"]
    tasks = Task.objects.filter(case__in=cohort).aggregate(
        overdue=Count("pk", filter=Q(done_at__isnull=True, due_on__lt=today, case__status=Case.Status.OPEN)),
        late=Count("pk", filter=Q(done_at__isnull=False, done_at__date__gt=F("due_on"))),
    )
    figures.overdue_tasks, figures.late_tasks = tasks["overdue"], tasks["late"]
    return figures


def _add(counter: dict, key, amount: int = 1):
    counter[key] = counter.get(key, 0) + amount


# --- presentation: rows for the table, the charts and the CSV --------------------------------------------------

def show(value, *, suppress: bool):
    """A count as shown: on board level 1 to 4 become "< 5" (0 identifies nobody and stays)."""
    if value is None:
        return "—"
    if suppress and 0 < value < SMALL_COUNT:
        return SUPPRESSED
    return value


@dataclass
class Table:
    key: str
    title: str
    rows: list[tuple[str, object]]  # (label, value as shown)
    raw: list[tuple[str, int]]  # (label, count) for the chart; suppressed counts are None


def tables(figures: Figures, *, suppress: bool) -> list[Table]:
    def table(key, title, items):
        items = list(items)
        return Table(key, str(title), [(str(label), show(n, suppress=suppress)) for label, n in items],
                     [(str(label), None if suppress and 0 < n < SMALL_COUNT else n) for label, n in items])

    routes = [(Route(r).label, figures.by_route.get(r, 0)) for r in Route.values
              if r != Route.STAFF or figures.includes_staff_route]
    steps = [(STEP_LABELS[s], figures.by_step[s]) for s in (*STEP_ORDER, "none", "unknown") if s in figures.by_step]
    outcomes = [(OUTCOME_LABELS.get(o, o), n) for o, n in sorted(figures.by_outcome.items(),
                                                                  key=lambda item: (item[0] != OPEN, item[0]))]
    exemptions = [(f"{EXEMPTION_TARGET_LABELS.get(target, target)}: {GROUND_LABELS.get(ground, ground)}", n)
                  for (target, ground), n in sorted(figures.exemptions.items())]
    median = figures.median_days_to_decision
    if suppress and len(figures.decision_days) < SMALL_COUNT:
        median_shown = SUPPRESSED if figures.decision_days else "—"
    else:
        median_shown = "—" if median is None else f"{median:g}"
    key_figures = Table("key", str(_("Kerncijfers")), [
        (_("Dossiers geopend in dit schooljaar"), show(figures.total, suppress=suppress)),
        (_("waarvan inhoud inmiddels vernietigd"), show(figures.destroyed, suppress=suppress)),
        (_("Adviesvragen aan Veilig Thuis"), show(figures.advice_requests, suppress=suppress)),
        (_("Dossiers met een adviesvraag aan Veilig Thuis"), show(figures.advice_cases, suppress=suppress)),
        (_("Meldingen bij Veilig Thuis"), show(figures.reports, suppress=suppress)),
        (_("Dossiers met een melding"), show(figures.report_cases, suppress=suppress)),
        (_("Mediaan dagen van eerste signaal tot besluit"), median_shown),
        (_("Open hypothesen"), show(figures.open_hypotheses, suppress=suppress)),
        (_("Vervolgacties die nu te laat zijn"), show(figures.overdue_tasks, suppress=suppress)),
        (_("Vervolgacties die te laat zijn afgerond"), show(figures.late_tasks, suppress=suppress)),
        (_("Dossiers met hulp (5a)"), show(figures.help_cases, suppress=suppress)),
        (_("waarvan de hulp haar doel bereikte"), show(figures.help_effective_cases, suppress=suppress)),
    ], [])
    result = [key_figures, table("route", _("Dossiers per route"), routes),
              table("step", _("Bereikte stap"), steps), table("outcome", _("Uitkomst"), outcomes),
              table("exemptions", _("Gebruik van afwijkingen (geen gesprek vooraf)"), exemptions)]
    if len(figures.schools) > 1:
        result.append(table("school", _("Dossiers per school"), sorted(figures.by_school.items())))
    return result


def to_csv(figures: Figures, *, suppress: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([_("onderdeel"), _("omschrijving"), _("aantal")])
    writer.writerow([_("periode"), figures.label, ""])
    for table in tables(figures, suppress=suppress):
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
                      include_staff_route=staff_route_visible(viewer, schools))
    suppress = board is not None
    shown = tables(figures, suppress=suppress)
    charts = {t.key: bar_chart(t.title, t.raw, chart_id=f"chart-{t.key}") for t in shown if t.raw}
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
