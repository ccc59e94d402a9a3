"""Board-level evaluation: no hidden count can be worked out from the other figures, on screen, in the CSV,
in the PDF and in the charts; and help counts as successful only as the protocol engine sees it."""

import csv
import io
import random
import re
from collections import defaultdict
from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Membership
from accounts.roles import Role
from cases.models import Case, Entry
from documents import evaluation
from documents.charts import bar_chart
from documents.models import ExportJob
from documents.tests.conftest import flat, pdf_pages
from schools.models import Pupil, School

YEAR = 2024
TODAY = date(2025, 8, 15)
SMALL, HIDDEN = "< 5", "x"
ADDING_UP = ("route", "step", "outcome", "school")  # breakdowns that add up to the number of cases


def at(day, hour=10):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


# --- an independent check: what can a reader work out? -------------------------------------------------------

def possible(shown, bound):
    """What a reader knows of one cell: a number exactly; "< 5" is 1 to 4; "x" is 0 or at least 5."""
    if shown == SMALL:
        return range(1, 5)
    if shown == HIDDEN:
        return [0, *range(5, bound + 1)]
    return [int(shown)]


def solutions(cells, target, bound):
    """Every way the hidden cells of a breakdown can be filled in so that the breakdown adds up to target."""
    hidden = [i for i, shown in enumerate(cells) if shown in (SMALL, HIDDEN)]
    rest = target - sum(int(shown) for shown in cells if shown not in (SMALL, HIDDEN))

    def fill(index, left):
        if index == len(hidden):
            if left == 0:
                yield {}
            return
        for n in possible(cells[hidden[index]], bound):
            if n <= left:
                for more in fill(index + 1, left - n):
                    yield {hidden[index]: n, **more}

    return list(fill(0, rest)) if rest >= 0 else []


def what_a_reader_can_know(total, breakdowns):
    """Brute force over every total and every filling-in consistent with all that is shown: per breakdown and
    hidden cell, the set of numbers it could be; and the set of numbers the total could be."""
    totals = [int(total)] if total != SMALL else range(1, 5)
    bound = max(totals)
    cells, possible_totals = defaultdict(set), set()
    for t in totals:
        found = {key: solutions(shown, t, bound) for key, shown in breakdowns.items()}
        if all(found.values()):
            possible_totals.add(t)
            for key, ways in found.items():
                for way in ways:
                    for index, n in way.items():
                        cells[(key, index)].add(n)
    return cells, possible_totals


def assert_nothing_can_be_worked_out(total, breakdowns):
    """breakdowns: {name: [shown value per row]} for the breakdowns that add up to `total` (withheld ones left out)."""
    if total != SMALL:
        for key, shown in breakdowns.items():
            # A lone hidden cell is the total minus the shown cells.
            assert sum(s in (SMALL, HIDDEN) for s in shown) != 1, f"{key}: one hidden cell next to a shown total"
    cells, totals = what_a_reader_can_know(total, breakdowns)
    for (key, index), numbers in cells.items():
        assert len(numbers) > 1, f"{key} row {index} can be worked out: {numbers} (shown: {breakdowns[key]})"
    if total == SMALL:
        assert len(totals) > 1, f"the total can be worked out: {totals}"


def test_the_checker_catches_the_reported_leak():
    # Before the fix: total 8, "Stappenplan 7", "Acute < 5", "Medewerker 0" gave away acute = 1.
    with pytest.raises(AssertionError):
        assert_nothing_can_be_worked_out(8, {"route": [7, SMALL, 0]})
    # Two "< 5" that must add up to 2 are both 1.
    with pytest.raises(AssertionError):
        assert_nothing_can_be_worked_out(8, {"route": [6, SMALL, SMALL]})
    # "x" cannot be 1 to 4, so 6 = "x" + "< 5" can only be 5 + 1.
    with pytest.raises(AssertionError):
        assert_nothing_can_be_worked_out(6, {"route": [HIDDEN, SMALL, HIDDEN]})
    assert_nothing_can_be_worked_out(8, {"route": [HIDDEN, SMALL, 0], "school": [HIDDEN, SMALL]})


# --- generated boards --------------------------------------------------------------------------------------------

STEPS = ("1", "2", "3", "4", "5a", "5b", "none", "unknown")
OUTCOMES = ("open", "handed_over", "help_completed", "unfounded", "pupil_left", "")


def random_board(rng: random.Random) -> tuple[evaluation.Figures, list[dict]]:
    """Figures of a board with 2 to 4 schools and mostly small numbers of cases, and the cases themselves."""
    schools = [f"School {chr(65 + i)}" for i in range(rng.randint(2, 4))]
    staff_visible = rng.random() < 0.7
    routes = ("regular", "acute", "staff") if staff_visible else ("regular", "acute")
    cases = []
    for name in schools:
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 6, 7, 9, 14))):
            step = rng.choices(STEPS, weights=(6, 3, 2, 3, 2, 2, 1, 1))[0]
            cases.append({"school": name, "route": rng.choices(routes, weights=(12, 3, 1)[:len(routes)])[0],
                          "step": step, "outcome": rng.choices(OUTCOMES, weights=(8, 2, 2, 2, 1, 1))[0]})
    figures = evaluation.Figures(start_year=YEAR, schools=schools, includes_staff_route=staff_visible)
    for case in cases:
        figures.total += 1
        for counter, key in ((figures.by_route, "route"), (figures.by_step, "step"),
                             (figures.by_outcome, "outcome"), (figures.by_school, "school")):
            counter[case[key]] = counter.get(case[key], 0) + 1
    figures.destroyed = figures.by_step.get("unknown", 0)
    figures.report_cases = figures.by_step.get("5b", 0)
    figures.reports = figures.report_cases + rng.randint(0, 2)
    figures.decision_days = [rng.randint(0, 60) for _ in range(rng.randint(0, 8))]
    figures.exemptions = {("parent_conversation", "safety"): rng.randint(0, 6)}
    return figures, cases


def shown_breakdowns(result):
    total = dict(next(t for t in result if t.key == "key").rows)["Dossiers geopend in dit schooljaar"]
    breakdowns = {t.key: [value for _label, value in t.rows] for t in result
                  if t.key in ADDING_UP and not t.withheld}
    return total, breakdowns


@pytest.mark.parametrize("seed", range(8))
def test_no_hidden_count_on_board_level_can_be_worked_out(seed):
    rng = random.Random(seed)
    with translation.override("nl"):
        for _ in range(60):
            figures, _cases = random_board(rng)
            result = evaluation.tables(figures, suppress=True)
            total, breakdowns = shown_breakdowns(result)
            assert_nothing_can_be_worked_out(total, breakdowns)
            assert_the_figures_are_honest(figures, result)
            assert_the_csv_shows_the_same(figures, result)
            assert_the_charts_show_the_same(result)


def assert_the_figures_are_honest(figures, result):
    """Every shown number is exact, every "< 5" is 1 to 4, every "x" is 0 or at least 5; figures that are the
    same number as a hidden step row are hidden with it."""
    true = {"route": figures.by_route, "step": figures.by_step, "outcome": figures.by_outcome,
            "school": figures.by_school}
    for table in result:
        if table.withheld:
            assert table.rows == [] and table.note
        for cell in table.cells if table.key in true else []:
            if cell.shown == SMALL:
                assert 0 < cell.value < 5
            elif cell.shown == HIDDEN:
                assert cell.value == 0 or cell.value >= 5
            else:
                assert cell.shown == cell.value
        for label, value in table.rows:
            assert not (isinstance(value, int) and 0 < value < 5), f"{table.key}: {label} = {value}"
    key = {c.key: c for c in result[0].cells if c.key}
    step = {c.key: c for c in next(t for t in result if t.key == "step").cells}
    for row, figure in (("unknown", "destroyed"), ("5b", "report_cases")):
        if row in step and step[row].hidden:
            assert key[figure].hidden
    if len(figures.decision_days) < 5:
        assert dict(result[0].rows)["Mediaan dagen van eerste signaal tot besluit"] in (SMALL, "—")


def assert_the_csv_shows_the_same(figures, result):
    rows = list(csv.reader(io.StringIO(evaluation.to_csv(figures, suppress=True)), delimiter=";"))
    in_csv = defaultdict(list)
    for section, label, value in rows[2:]:
        in_csv[section].append((label, value))
    for table in result:
        expected = [(label, str(value)) for label, value in table.rows] or (
            [(table.note, "")] if table.withheld else [])
        assert in_csv[table.title] == expected


def assert_the_charts_show_the_same(result):
    for table in result:
        if not (table.chart and table.rows):
            continue
        svg = str(bar_chart(table.title, table.rows, chart_id="c"))
        values = re.findall(r'class="chart-value"[^>]*>([^<]*)<', svg)
        assert values == [str(v).replace("<", "&lt;") for _label, v in table.rows]
        bars = len(re.findall(r"<rect ", svg))
        assert bars == sum(1 for _label, v in table.rows if isinstance(v, int) and v > 0)


def test_school_level_stays_exact():
    rng = random.Random(99)
    with translation.override("nl"):
        for _ in range(30):
            figures, _cases = random_board(rng)
            for table in evaluation.tables(figures, suppress=False):
                assert not table.withheld
                assert all(v not in (SMALL, HIDDEN) for label, v in table.rows
                           if label != "Mediaan dagen van eerste signaal tot besluit")


def test_a_breakdown_that_cannot_be_protected_is_withheld_not_leaked():
    # 6 cases, 1 acute: "< 5" and "x" adding up to 6 can only be 1 and 5.
    figures = evaluation.Figures(start_year=YEAR, schools=["A", "B"], total=6, by_route={"regular": 5, "acute": 1},
                                 by_step={"1": 6}, by_outcome={"open": 6}, by_school={"A": 3, "B": 3})
    with translation.override("nl"):
        result = {t.key: t for t in evaluation.tables(figures, suppress=True)}
        text = evaluation.to_csv(figures, suppress=True)
    assert result["route"].withheld and result["route"].rows == []
    assert "Dossiers per route;Niet uitgesplitst" in text and "Acute onveiligheid" not in text
    assert result["school"].rows == [("A", SMALL), ("B", SMALL)]


# --- the reported leak, end to end ----------------------------------------------------------------------------

@pytest.fixture
def leaky_board(db, board, school, make_case, people, add_entry):
    """6 cases at De Sprong, 2 at De Wereldster (same board), one of those acute with a report."""
    second = School.objects.create(board=board, name="De Wereldster", slug="de-wereldster", brin="99ZZ")
    # The bestuur is board-wide: one person with the role at each school (the staff route counts only so).
    Membership.objects.create(user=people[Role.BESTUUR], school=second, role=Role.BESTUUR)
    ib = people[Role.IB]

    def case(at_school, route="regular"):
        pupil = Pupil.objects.create(school=at_school, first_name="Kind", last_name="Test",
                                     date_of_birth=date(2016, 1, 1))
        made = make_case(pupil, route=route, opened_at=at(date(2024, 10, 1)))
        add_entry(made, ib, when=at(date(2024, 10, 1)))
        return made

    for _ in range(6):
        case(school)
    case(second)
    acute = case(second, route="acute")
    add_entry(acute, ib, kind="report", facts={}, when=at(date(2024, 10, 2)))
    return second


def html_tables(html):
    """{section title: [(label, value)]} from the evaluation page."""
    found = {}
    for title, body in re.findall(r"<h2>([^<]+)</h2>(.*?)</section>", html, flags=re.S):
        found[title] = re.findall(r"<td>([^<]+)</td><td class=\"num\">([^<]+)</td>", body)
    return found


def as_breakdowns(sections, titles):
    return {key: [value.replace("&lt;", "<") for _label, value in sections[title]]
            for key, title in titles.items() if sections.get(title)}


TITLES = {"route": "Dossiers per route", "step": "Bereikte stap", "outcome": "Uitkomst",
          "school": "Dossiers per school"}


@pytest.mark.django_db
def test_the_reported_leak_is_closed_on_screen(board, leaky_board, people, exporting_client):
    client = exporting_client(people[Role.BESTUUR])
    html = client.get(reverse("documents:evaluation", args=["bestuur", board.slug]) + f"?jaar={YEAR}").content.decode()
    sections = html_tables(html)
    assert dict(sections["Kerncijfers"])["Dossiers geopend in dit schooljaar"] == "8"
    assert sections["Dossiers per route"] == [("Stappenplan", "x"), ("Acute onveiligheid", "&lt; 5"),
                                              ("Medewerker als vermoedelijke pleger", "0")]
    assert sections["Dossiers per school"] == [("De Sprong", "x"), ("De Wereldster", "&lt; 5")]
    assert dict(sections["Bereikte stap"]) == {"Stap 1: signalen in kaart": "x", "Stap 5b: melding": "&lt; 5"}
    assert dict(sections["Kerncijfers"])["Meldingen bij Veilig Thuis"] == "&lt; 5"
    assert_nothing_can_be_worked_out(8, as_breakdowns(sections, TITLES))
    # The charts show what the tables show: no bar and no number for a hidden count.
    route_chart = re.search(r'<svg[^>]*aria-labelledby="chart-route-title".*?</svg>', html, flags=re.S)[0]
    assert re.findall(r'class="chart-value"[^>]*>([^<]*)<', route_chart) == ["x", "&lt; 5", "0"]
    assert "<rect" not in route_chart
    assert ">7<" not in html and ">6<" not in html and ">2<" not in html
    assert "Een ‘x’ is een aantal dat ook verborgen is" in html


@pytest.mark.django_db
def test_the_reported_leak_is_closed_in_the_csv(board, leaky_board, people, exporting_client):
    client = exporting_client(people[Role.BESTUUR])
    text = client.post(reverse("documents:evaluation_csv", args=["bestuur", board.slug]),
                       {"jaar": YEAR}).content.decode("utf-8-sig")
    sections = defaultdict(list)
    for section, label, value in list(csv.reader(io.StringIO(text), delimiter=";"))[2:]:
        sections[section].append((label, value))
    assert sections["Dossiers per route"] == [("Stappenplan", "x"), ("Acute onveiligheid", "< 5"),
                                              ("Medewerker als vermoedelijke pleger", "0")]
    assert sections["Dossiers per school"] == [("De Sprong", "x"), ("De Wereldster", "< 5")]
    assert "Dossiers geopend in dit schooljaar;8" in text
    assert_nothing_can_be_worked_out(8, as_breakdowns(sections, TITLES))


@pytest.mark.django_db
def test_the_reported_leak_is_closed_in_the_pdf(board, leaky_board, people, exporting_client):
    client = exporting_client(people[Role.BESTUUR])
    response = client.post(reverse("documents:evaluation_pdf", args=["bestuur", board.slug]), {"jaar": YEAR})
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    assert job.status == ExportJob.Status.DONE
    text = flat("\n".join(pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)))
    for hidden in ("Stappenplan x", "Acute onveiligheid < 5", "De Sprong x", "De Wereldster < 5",
                   "Stap 1: signalen in kaart x", "Stap 5b: melding < 5"):
        assert hidden in text
    for leak in ("Stappenplan 7", "De Sprong 6", "De Wereldster 2", "signalen in kaart 7"):
        assert leak not in text


@pytest.mark.django_db
def test_the_school_itself_still_sees_exact_counts(school, leaky_board, people):
    figures = evaluation.compute([leaky_board], YEAR, today=TODAY)
    with translation.override("nl"):
        rows = {t.key: t.rows for t in evaluation.tables(figures, suppress=False)}
    assert rows["route"] == [("Stappenplan", 1), ("Acute onveiligheid", 1), ("Medewerker als vermoedelijke pleger", 0)]


# --- help that reached its goal -------------------------------------------------------------------------------

@pytest.mark.django_db
def test_help_counts_as_successful_only_by_its_latest_evaluation(school, make_case, people, add_entry):
    ib = people[Role.IB]

    def helped(*evaluations):
        pupil = Pupil.objects.create(school=school, first_name="Kind", last_name="Test",
                                     date_of_birth=date(2016, 1, 1))
        case = make_case(pupil, opened_at=at(date(2024, 10, 1)))
        add_entry(case, ib, when=at(date(2024, 10, 1)))
        add_entry(case, ib, kind="help", facts={"deadline": "2025-01-01"}, when=at(date(2024, 10, 10)))
        made = [add_entry(case, ib, kind="help_evaluation", facts={"reached": reached, "effective": effective},
                          when=at(date(2024, 11, 1 + i))) for i, (reached, effective) in enumerate(evaluations)]
        return case, made

    helped((True, True), (True, False))  # success, then failure: not counted
    helped((False, True))  # not reached, yet "effective": not counted
    helped((True, True))  # counted
    corrected, (wrong,) = helped((False, False))  # a failure corrected into a success: counted
    add_entry(corrected, ib, kind="help_evaluation", facts={"reached": True, "effective": True},
              when=wrong.occurred_at, corrects=wrong)
    draft, (kept,) = helped((True, True))  # a success with a draft correction not yet saved: still counted
    add_entry(draft, ib, kind="help_evaluation", facts={"reached": False, "effective": False},
              when=kept.occurred_at, corrects=kept, saved=False)

    figures = evaluation.compute([school], YEAR, today=TODAY)
    assert (figures.help_cases, figures.help_effective_cases) == (5, 3)
    # The same verdict as the protocol engine's: it offers "help completed" as the closure for exactly these.
    engine_says = sum("help_completed" in case.guidance().closure_reasons for case in Case.objects.all())
    assert engine_says == figures.help_effective_cases


@pytest.mark.django_db
def test_help_evaluations_on_the_same_moment_follow_the_engine(school, make_case, people, add_entry):
    # Same occurred_at: the later recorded (higher pk) is the latest, as in the engine's ordering.
    ib = people[Role.IB]
    pupil = Pupil.objects.create(school=school, first_name="Kind", last_name="Test", date_of_birth=date(2016, 1, 1))
    case = make_case(pupil, opened_at=at(date(2024, 10, 1)))
    add_entry(case, ib, kind="help", facts={"deadline": "2025-01-01"}, when=at(date(2024, 10, 10)))
    moment = at(date(2024, 11, 1))
    add_entry(case, ib, kind="help_evaluation", facts={"reached": True, "effective": True}, when=moment)
    add_entry(case, ib, kind="help_evaluation", facts={"reached": True, "effective": False}, when=moment)
    assert evaluation.compute([school], YEAR, today=TODAY).help_effective_cases == 0
    assert case.guidance().closure_reasons.count("help_completed") == 0
    assert Entry.objects.filter(case=case, kind="help_evaluation").count() == 2
