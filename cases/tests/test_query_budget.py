"""The case page and the coordinator's overview cost at most ten SQL queries, and the same number whatever the
size of the journal or of the school: no query per entry or per case (docs/performance.md). Not a timing test.

Counted are the statements the request sends. In a test the request's transaction (ATOMIC_REQUESTS) shows as a
SAVEPOINT and its RELEASE inside the test's own transaction; in production it is BEGIN and COMMIT, which Django
does not log as queries. Those two markers are allowed on top of the budget and nothing else is."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from cases.models import Case, Entry, Signature, Task
from schools.models import Pupil

PAGE_BUDGET = 10
# Nine on the case page (with conversation reports, whose signatures are one of them): whether the case has
# siblings or information requests is asked in the case's own query, and each list costs one more query only when
# it has something to show (checked below).
CASE_PAGE_BUDGET = 9
OVERVIEW_BUDGET = 6  # the total of cases is a window count in the page query
TRANSACTION_MARKERS = 2  # SAVEPOINT / RELEASE SAVEPOINT: the request's BEGIN / COMMIT in production


@pytest.fixture(autouse=True)
def _as_deployed_for_scale(settings):
    # As deployed for scale (docs/scaling.md): events are chained by the `audit_sequence` worker, not in the
    # request, and sessions are read through the cache (Redis in production; here the process's memory).
    settings.AUDIT_CHAIN_MODE = "worker"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"


KINDS = ("signal", "note", "conversation")
TASK_KINDS = tuple(Task.Kind.values)
HOME_BUDGET = 12


def _entries(case, author, count):
    at = timezone.now() - datetime.timedelta(days=1)
    content = {"signal": {"observation": "Waarneming."}, "note": {"text": "Notitie."},
               "conversation": {"participants": "Moeder", "facts_presented": "Zorgen."}}
    facts = {"signal": {"is_hypothesis": False, "has_source": False}, "note": {},
             "conversation": {"purpose": "parent", "roles_present": ["ib"], "child_present": False, "signed": False}}
    entries = Entry.objects.bulk_create([
        Entry(case=case, kind=KINDS[i % 3], status=Entry.Status.SAVED, author=author,
              occurred_at=at + datetime.timedelta(minutes=i), saved_at=at + datetime.timedelta(minutes=i),
              content=content[KINDS[i % 3]], facts=facts[KINDS[i % 3]])
        for i in range(count)])
    Signature.objects.bulk_create([Signature(entry=e, participant="Moeder", signed_at=timezone.now(), recorded_by=author)
                                   for e in entries if e.kind == "conversation"])
    case.refresh_step()


def _cases(school, make_case, people, count):
    for i in range(count):
        pupil = Pupil.objects.create(school=school, first_name=f"Kind{i}", last_name="Bakker",
                                     date_of_birth=datetime.date(2016, 1, 1), group="4")
        # Both routes: the acute route's label is worded by the case's meldcode, which must not cost a query per row.
        case = make_case(pupil, team=[people[Role.LEERKRACHT]], route="acute" if i % 2 else "regular")
        # Every kind of task in turn: some labels use names the case's meldcode may word otherwise ("Veilig
        # Thuis"), which must not look up each task's case and meldcode one by one.
        Task.objects.create(case=case, kind=TASK_KINDS[i % len(TASK_KINDS)],
                            due_on=timezone.localdate() - datetime.timedelta(days=i % 3), assignee=people[Role.IB])
        case.last_activity_at = timezone.now() - datetime.timedelta(days=30 + i)
        case.save(update_fields=["last_activity_at"])


def _statements(client, path, assert_max, budget=PAGE_BUDGET):
    client.get(path)  # a process's first request loads the meldcode definition; the steady state is measured
    with assert_max(budget + TRANSACTION_MARKERS), CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= budget, "\n".join(statements)
    return statements


def test_the_case_page_costs_at_most_nine_queries_however_long_the_journal(
        pupil, make_case, people, verified_client, django_assert_max_num_queries):
    ib = people[Role.IB]
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    client = verified_client(ib)
    path = f"/dossiers/d/{case.reference}/"
    _entries(case, ib, 6)
    small = _statements(client, path, django_assert_max_num_queries, CASE_PAGE_BUDGET)
    _entries(case, ib, 150)  # more than a page (50): older entries are counted, not loaded
    large = _statements(client, path, django_assert_max_num_queries, CASE_PAGE_BUDGET)
    assert len(large) == len(small)
    assert b"Waarneming." in client.get(path).content


def test_the_overview_costs_at_most_six_queries_however_many_cases(
        school, make_case, people, verified_client, django_assert_max_num_queries):
    client = verified_client(people[Role.IB])
    path = f"/dossiers/{school.slug}/"
    _cases(school, make_case, people, 3)
    small = _statements(client, path, django_assert_max_num_queries, OVERVIEW_BUDGET)
    _cases(school, make_case, people, 60)  # more than a page (50)
    large = _statements(client, path, django_assert_max_num_queries, OVERVIEW_BUDGET)
    assert len(large) == len(small)
    assert Case.objects.filter(school=school).count() == 63
    assert "Pagina 1 van 2" in client.get(path).content.decode()
    second = client.get(path + "?pagina=2").content.decode()
    assert "Pagina 2 van 2" in second and second.count('<a href="/dossiers/d/') >= 13
    assert "Pagina 2 van 2" in client.get(path + "?pagina=9").content.decode()  # past the end: the last page


def test_the_home_page_costs_the_same_however_many_tasks_and_whatever_their_kind(
        school, make_case, people, verified_client, django_assert_max_num_queries):
    client = verified_client(people[Role.IB])
    path = reverse("core:home")
    _cases(school, make_case, people, 2)
    small = _statements(client, path, django_assert_max_num_queries, HOME_BUDGET)
    _cases(school, make_case, people, 30)
    large = _statements(client, path, django_assert_max_num_queries, HOME_BUDGET)
    assert len(large) == len(small)
    assert "Opnieuw contact met Veilig Thuis" in client.get(path).content.decode()


def test_a_teacher_sees_only_their_team_cases_on_the_overview_with_the_same_budget(
        school, make_case, people, verified_client, django_assert_max_num_queries):
    teacher = people[Role.LEERKRACHT]
    _cases(school, make_case, people, 5)  # the teacher is on each of these teams
    other = make_case(Pupil.objects.create(school=school, first_name="Niet", last_name="Zichtbaar",
                                           date_of_birth=datetime.date(2016, 1, 1), group="4"))
    client = verified_client(teacher)
    _statements(client, f"/dossiers/{school.slug}/", django_assert_max_num_queries, OVERVIEW_BUDGET)
    page = client.get(f"/dossiers/{school.slug}/").content.decode()
    assert "Kind0" in page and other.reference not in page and "Zichtbaar" not in page


def test_siblings_and_information_requests_cost_a_query_each_only_when_the_case_has_them(
        pupil, make_case, people, verified_client, school, django_assert_max_num_queries):
    from cases.models import CaseSibling
    from inquiries.models import InformationRequest, LegalBasis, ParentsTold, Requester

    ib = people[Role.IB]
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    _entries(case, ib, 6)
    client = verified_client(ib)
    path = f"/dossiers/d/{case.reference}/"
    without = _statements(client, path, django_assert_max_num_queries, CASE_PAGE_BUDGET)
    brother = Pupil.objects.create(school=school, first_name="Broer", last_name="Bakker",
                                   date_of_birth=datetime.date(2014, 1, 1), group="6")
    CaseSibling.objects.create(case=case, pupil=brother, role="broer")
    request = InformationRequest.objects.create(
        case=case, requester_kind=Requester.values[0], requester="Jeugdarts", legal_basis=LegalBasis.values[0],
        asked="Verslag", received_on=timezone.localdate(), parents_told=ParentsTold.BEFORE, recorded_by=ib)
    with_both = _statements(client, path, django_assert_max_num_queries, CASE_PAGE_BUDGET + 2)
    assert len(with_both) == len(without) + 2
    page = client.get(path).content.decode()
    assert "Broer Bakker" in page and reverse("inquiries:detail", args=[case.reference, request.pk]) in page


def test_a_hypothesis_saved_after_a_visit_shows_at_once_although_the_engine_facts_are_cached(
        pupil, make_case, people, verified_client, add_entry):
    ib = people[Role.IB]
    case = make_case(pupil)
    add_entry(case, ib)
    client = verified_client(ib)
    path = f"/dossiers/d/{case.reference}/"
    assert "Regel #" not in client.get(path).content.decode()  # no open hypothesis yet; the facts are now cached
    hypothesis = add_entry(case, ib, facts={"is_hypothesis": True, "has_source": False})  # record_entry moves the case
    page = client.get(path).content.decode()
    assert f"#entry-{hypothesis.pk}" in page and "Regel #" in page


def test_a_case_loaded_before_a_break_glass_is_judged_afresh_once_the_grants_are_forgotten(
        pupil, make_case, people, school):
    from cases import access
    from cases.models import BreakGlass

    school.ib_sees_all_cases = False
    school.save()
    other_ib = people[Role.IB]
    case = make_case(pupil, coordinator=people[Role.DIRECTIE])
    loaded, rights = access.case_or_404(other_ib, case.reference, access.BREAK_GLASS, allow_break_glass=True)
    assert access.READ not in rights
    BreakGlass.objects.create(case=case, user=other_ib, reason="Acute zorg",
                              until=timezone.now() + BreakGlass.DURATION)
    access.forget_grants(other_ib)
    assert access.READ in access.permissions(other_ib, loaded)


def test_a_case_is_listed_once_however_many_ways_its_reader_may_see_it(
        pupil, make_case, people, school):
    from cases import access
    from cases.models import BreakGlass

    ib = people[Role.IB]
    case = make_case(pupil, team=[ib])  # on the team, IB of the school (sees all) and with a break-glass as well
    BreakGlass.objects.create(case=case, user=ib, reason="Acute zorg", until=timezone.now() + BreakGlass.DURATION)
    listed = list(access.visible(ib, access.READ).filter(school=school))
    assert listed == [case]
    assert access.visible(ib, access.META).filter(school=school).count() == 1


def test_an_absurd_page_number_shows_the_last_page_rather_than_an_error(school, people, verified_client):
    client = verified_client(people[Role.IB])
    for number in ("9" * 30, "-5", "drie"):
        response = client.get(reverse("cases:overview", args=[school.slug]), {"pagina": number})
        assert response.status_code == 200, number
