"""The yearly evaluation: figures checked against a hand count, small numbers hidden at board level."""

import re
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Case, DeletionRecord, Task
from documents import evaluation
from documents.models import ExportJob
from documents.tests.conftest import flat, pdf_pages
from schools.models import Pupil

pytestmark = pytest.mark.django_db
YEAR = 2024  # school year 1 August 2024 - 31 July 2025
TODAY = date(2025, 8, 15)


def at(day, hour=10):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def cohort(school, other_school, make_case, people, add_entry):
    """Five cases in the year, one destroyed, one opened before and one at another school."""
    ib, teacher = people[Role.IB], people[Role.LEERKRACHT]
    pupils = [Pupil.objects.create(school=school, first_name=f"Kind{i}", last_name="Test",
                                   date_of_birth=date(2016, 1, 1)) for i in range(6)]

    def case(pupil, opened, route="regular", **extra):
        return make_case(pupil, route=route, opened_at=at(opened), **extra)

    vt = {"with": "veilig_thuis", "anonymous": True}
    # A: open, reached step 4 after 10 days; an open hypothesis; a corrected advice request; an overdue task.
    a = case(pupils[0], date(2024, 10, 1))
    add_entry(a, teacher, when=at(date(2024, 10, 1)), facts={"is_hypothesis": True, "has_source": False})
    first_advice = add_entry(a, ib, kind="consultation", facts=vt, when=at(date(2024, 10, 3)))
    add_entry(a, ib, kind="consultation", facts=vt, when=at(date(2024, 10, 3)), corrects=first_advice)
    add_entry(a, ib, kind="weighing", facts={"answers": {"vermoeden": True}}, when=at(date(2024, 10, 11)))
    Task.objects.create(case=a, kind="monitor", due_on=date(2024, 11, 1))
    # B: closed (handed over) after a report 4 days after the signal; two advice requests; a task done late.
    b = case(pupils[1], date(2024, 11, 1))
    add_entry(b, teacher, when=at(date(2024, 11, 1)))
    add_entry(b, ib, kind="consultation", facts=vt, when=at(date(2024, 11, 2)))
    add_entry(b, ib, kind="consultation", facts=vt, when=at(date(2024, 11, 3)))
    add_entry(b, ib, kind="report", facts={}, when=at(date(2024, 11, 5)))
    Task.objects.create(case=b, kind="recontact_vt", due_on=date(2024, 11, 10), done_at=at(date(2024, 11, 20)))
    Case.objects.filter(pk=b.pk).update(status="closed", closure_reason="handed_over")
    # C: acute, reported at once without a signal entry, using an exemption.
    c = case(pupils[2], date(2025, 1, 10), route="acute")
    add_entry(c, ib, kind="emergency_contact", facts={}, when=at(date(2025, 1, 10)))
    add_entry(c, ib, kind="exemption", facts={"applies_to": "pre_report_conversation", "ground": "safety"},
              when=at(date(2025, 1, 10), 11))
    add_entry(c, ib, kind="report", facts={}, when=at(date(2025, 1, 10), 12))
    # D: help that reached its goal, 20 days after the signal; its hypothesis was resolved.
    d = case(pupils[3], date(2025, 3, 1))
    hypothesis = add_entry(d, teacher, when=at(date(2025, 3, 1)), facts={"is_hypothesis": True, "has_source": False})
    followup = add_entry(d, ib, kind="followup", facts={"resolves_hypothesis": True}, when=at(date(2025, 3, 8)),
                         saved=False)
    followup.refers_to = hypothesis
    followup.save()
    from cases.models import record_entry

    record_entry(followup)
    add_entry(d, ib, kind="help", facts={"deadline": "2025-05-01"}, when=at(date(2025, 3, 21)))
    add_entry(d, ib, kind="help_evaluation", facts={"reached": True, "effective": True}, when=at(date(2025, 5, 1)))
    Case.objects.filter(pk=d.pk).update(status="closed", closure_reason="help_completed")
    # E: staff route, nothing recorded yet.
    case(pupils[4], date(2025, 5, 1), route="staff", subject_staff=teacher)
    # Outside the cohort: opened before the school year, and a case at another school.
    before = case(pupils[5], date(2024, 7, 15))
    add_entry(before, ib, kind="report", facts={}, when=at(date(2024, 7, 16)))
    elsewhere = Pupil.objects.create(school=other_school, first_name="Ander", last_name="Kind",
                                     date_of_birth=date(2016, 1, 1))
    add_entry(case(elsewhere, date(2024, 10, 1)), ib, kind="report", facts={}, when=at(date(2024, 10, 2)))
    # A destroyed case: only its metadata remains.
    DeletionRecord.objects.create(case_reference="AAAA-BBBB", school=school, opened_at=at(date(2024, 9, 1)),
                                  closed_at=at(date(2024, 9, 20)), closure_reason="unfounded", route="regular",
                                  last_step="closed", entry_count=4)


def test_the_figures_match_a_hand_count(school, cohort):
    figures = evaluation.compute([school], YEAR, today=TODAY)
    assert figures.total == 6 and figures.destroyed == 1
    assert figures.by_route == {"regular": 4, "acute": 1, "staff": 1}
    assert figures.by_step == {"4": 1, "5b": 2, "5a": 1, "none": 1, "unknown": 1}
    assert figures.by_outcome == {"open": 3, "handed_over": 1, "help_completed": 1, "unfounded": 1}
    assert (figures.advice_requests, figures.advice_cases) == (3, 2)
    assert (figures.reports, figures.report_cases) == (2, 2)
    assert sorted(figures.decision_days) == [4, 10, 20] and figures.median_days_to_decision == 10
    assert figures.open_hypotheses == 1
    assert (figures.overdue_tasks, figures.late_tasks) == (1, 1)
    assert (figures.help_cases, figures.help_effective_cases) == (1, 1)
    assert figures.exemptions == {("pre_report_conversation", "safety"): 1}


def test_the_number_of_queries_does_not_grow_with_the_cases(school, cohort, make_case, people, add_entry):
    with CaptureQueriesContext(connection) as before:
        evaluation.compute([school], YEAR, today=TODAY)
    for i in range(5):
        pupil = Pupil.objects.create(school=school, first_name=f"Extra{i}", last_name="Test",
                                     date_of_birth=date(2016, 1, 1))
        add_entry(make_case(pupil, opened_at=at(date(2024, 12, 1))), people[Role.IB], when=at(date(2024, 12, 1)))
    with CaptureQueriesContext(connection) as after:
        figures = evaluation.compute([school], YEAR, today=TODAY)
    assert figures.total == 11
    assert len(after) == len(before)


def test_board_figures_show_small_counts_as_less_than_five_on_screen_and_in_csv(
        school, board, cohort, people, exporting_client):
    client = exporting_client(people[Role.BESTUUR])
    page = client.get(reverse("documents:evaluation", args=["bestuur", board.slug]) + f"?jaar={YEAR}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "&lt; 5" in html and "<svg" in html and "style=" not in html
    rows = dict(re.findall(r"<td>([^<]+)</td><td class=\"num\">([^<]+)</td>", html))
    assert rows["Dossiers geopend in dit schooljaar"] == "6"
    assert rows["Acute onveiligheid"] == "&lt; 5"
    assert rows["Mediaan dagen van eerste signaal tot besluit"] == "&lt; 5"
    csv = client.post(reverse("documents:evaluation_csv", args=["bestuur", board.slug]), {"jaar": YEAR})
    text = csv.content.decode("utf-8-sig")
    assert "Dossiers per route;Acute onveiligheid;< 5" in text
    assert "Dossiers geopend in dit schooljaar;6" in text
    assert AuditEvent.objects.filter(action="export.evaluation_csv").exists()


def test_school_figures_show_the_exact_counts(school, cohort, people, exporting_client):
    client = exporting_client(people[Role.IB])
    csv = client.post(reverse("documents:evaluation_csv", args=["school", school.slug]), {"jaar": YEAR})
    text = csv.content.decode("utf-8-sig")
    assert "Dossiers per route;Acute onveiligheid;1" in text and "< 5" not in text
    assert "Mediaan dagen van eerste signaal tot besluit;10" in text


def test_the_board_evaluation_pdf_hides_small_counts_too(school, board, cohort, people, exporting_client):
    client = exporting_client(people[Role.BESTUUR])
    response = client.post(reverse("documents:evaluation_pdf", args=["bestuur", board.slug]), {"jaar": YEAR})
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    assert job.status == ExportJob.Status.DONE
    pages = pdf_pages(client.post(reverse("documents:download", args=[job.pk])).content)
    text = flat("\n".join(pages))
    assert "Jaarevaluatie meldcode, schooljaar 2024-2025" in text
    assert "Acute onveiligheid < 5" in text
    for page in pages:
        assert f"Geëxporteerd door {people[Role.BESTUUR].full_name}" in flat(page)
    assert AuditEvent.objects.filter(action="export.evaluation_pdf").exists()


@pytest.mark.parametrize(("role", "school_page", "board_page"), [
    (Role.IB, 200, 404), (Role.DIRECTIE, 200, 404), (Role.PRIVACY, 200, 200), (Role.BESTUUR, 404, 200),
    (Role.LEERKRACHT, 404, 404), (Role.BEHEER, 404, 404)])
def test_who_may_see_the_evaluation(school, board, people, verified_client, role, school_page, board_page):
    client = verified_client(people[role])
    assert client.get(reverse("documents:evaluation", args=["school", school.slug])).status_code == school_page
    assert client.get(reverse("documents:evaluation", args=["bestuur", board.slug])).status_code == board_page


def test_another_board_sees_nothing_of_this_board(board, other_school, make_user, verified_client):
    outsider = make_user(Role.BESTUUR, other_school)
    assert verified_client(outsider).get(
        reverse("documents:evaluation", args=["bestuur", board.slug])).status_code == 404


def test_staff_route_cases_count_only_for_directie_and_bestuur_by_role_alone(school, cohort, people):
    from documents.evaluation import compute, staff_route_visible

    assert staff_route_visible(people[Role.DIRECTIE], [school])
    assert staff_route_visible(people[Role.BESTUUR], [school])
    assert not staff_route_visible(people[Role.IB], [school])
    assert not staff_route_visible(people[Role.PRIVACY], [school])
    # The staff case in the cohort concerns the teacher; were they also in the directie, they would count it like
    # any directie member: a figure that changed for them alone would tell them the case exists.
    from accounts.models import Membership

    Membership.objects.create(user=people[Role.LEERKRACHT], school=school, role=Role.DIRECTIE)
    assert staff_route_visible(people[Role.LEERKRACHT], [school])
    figures = compute([school], YEAR, today=TODAY, include_staff_route=False)
    assert figures.total == 5 and "staff" not in figures.by_route


def test_the_ib_page_does_not_mention_the_staff_route(school, cohort, people, verified_client):
    html = verified_client(people[Role.IB]).get(
        reverse("documents:evaluation", args=["school", school.slug]) + f"?jaar={YEAR}").content.decode()
    assert "Medewerker als vermoedelijke pleger" not in html
    assert "tellen hier niet mee" in html


def test_the_csv_export_cannot_be_fetched_by_a_plain_link(school, people, verified_client):
    client = verified_client(people[Role.IB])
    response = client.get(reverse("documents:evaluation_csv", args=["school", school.slug]))
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="export.evaluation_csv").exists()
