import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.log import record
from audit.models import AuditEvent


@pytest.fixture
def privacy(people):
    return people[Role.PRIVACY]


def search(client, school, **params):
    return client.get(reverse("audit:search", args=[school.slug]), params)


@pytest.mark.django_db
def test_the_privacy_officer_searches_the_trail_of_the_school(school, privacy, people, verified_client):
    ib = people[Role.IB]
    record("case.view", actor=ib, school=school, case=31, object_repr="Dossier 31")
    record("case.view", actor=ib, school=school.pk + 1000, case=32)  # another school
    response = search(verified_client(privacy), school)
    assert response.status_code == 200
    assert b"Dossier 31" in response.content
    assert "Dossier bekeken" in response.content.decode()
    shown = [event.case_id for event in response.context["page"].object_list]
    assert 31 in shown and 32 not in shown


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.LEERKRACHT, Role.IB, Role.DIRECTIE, Role.BESTUUR, Role.BEHEER])
def test_other_roles_cannot_see_the_trail(school, people, verified_client, role):
    client = verified_client(people[role])
    assert search(client, school).status_code == 404
    assert client.get(reverse("audit:verify", args=[school.slug])).status_code == 404


@pytest.mark.django_db
def test_a_privacy_officer_of_another_school_cannot_see_this_trail(school, other_school, make_user, verified_client):
    outsider = make_user(Role.PRIVACY, other_school)
    assert search(verified_client(outsider), school).status_code == 404


@pytest.mark.django_db
def test_it_filters_by_action_dossier_person_and_date(school, privacy, people, verified_client, pupil):
    from cases.models import Case
    from protocol.models import MeldcodeVersion, ensure_shipped_versions

    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    first, second = (Case.objects.create(school=school, pupil=pupil, meldcode_version=version,
                                         opened_by=people[Role.IB]) for _ in range(2))
    ib, teacher = people[Role.IB], people[Role.LEERKRACHT]
    record("case.view", actor=ib, school=school, case=first)
    record("entry.create", actor=teacher, school=school, case=first)
    record("case.view", actor=teacher, school=school, case=second)
    record("auth.login", actor=teacher)  # no school, but by someone who works here
    client = verified_client(privacy)

    def found(**params):
        response = search(client, school, **params)
        return sorted((event.action, event.case_id) for event in response.context["page"].object_list)

    assert found(action="case.view") == sorted([("case.view", first.pk), ("case.view", second.pk)])
    assert found(case=first.reference.lower()) == [("case.view", first.pk), ("entry.create", first.pk)]
    assert found(case="ZZZZ-ZZZZ") == []
    assert found(actor=teacher.full_name, action="auth") == [("auth.login", None)]
    assert found(date_from="2000-01-01", date_to="2000-12-31") == []


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_number_of_events(
        school, privacy, verified_client):
    client = verified_client(privacy)
    search(client, school)  # warm up the session and permissions

    def queries_for_page():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert search(client, school).status_code == 200
        return len(captured)

    record("case.view", actor=privacy, school=school, case=1)
    few = queries_for_page()
    for n in range(80):
        record("case.view", actor=privacy, school=school, case=n)
    assert queries_for_page() == few


@pytest.mark.django_db
def test_searching_is_itself_recorded(school, privacy, verified_client):
    search(verified_client(privacy), school, case="abcd-efgh", actor="Jansen")
    event = AuditEvent.objects.get(action="audit.search")
    assert (event.actor_id, event.school_id) == (privacy.pk, school.pk)
    assert event.details == {"actor": "Jansen", "case": "ABCD-EFGH", "case_id": "-1"}


@pytest.mark.django_db
def test_the_verify_page_reports_an_intact_and_a_broken_trail(school, privacy, verified_client, tamper):
    client = verified_client(privacy)
    record("case.view", school=school, case=1)
    response = client.get(reverse("audit:verify", args=[school.slug]))
    assert response.context["result"].ok
    assert "In orde" in response.content.decode()

    tamper("UPDATE audit_auditevent SET case_id = 2 WHERE seq = 1")
    response = client.get(reverse("audit:verify", args=[school.slug]))
    assert not response.context["result"].ok
    assert "niet in orde vanaf gebeurtenis 1" in response.content.decode()


def test_the_trail_hides_a_staff_case_from_the_privacy_officer_it_is_about(school, people, verified_client, pupil):
    from django.urls import reverse

    from accounts.roles import Role
    from audit.log import record
    from cases.models import Case, Route
    from protocol.models import MeldcodeVersion, ensure_shipped_versions

    ensure_shipped_versions()
    concerned = people[Role.PRIVACY]
    case = Case.objects.create(school=school, pupil=pupil, route=Route.STAFF, subject_staff=concerned,
                               opened_by=people[Role.DIRECTIE],
                               meldcode_version=MeldcodeVersion.objects.get(key="landelijk-2019"))
    record("case.create", actor=people[Role.DIRECTIE], school=school, case=case, object_repr=case.reference)
    page = verified_client(concerned).get(reverse("audit:search", args=[school.slug])).content.decode()
    assert case.reference not in page


@pytest.mark.django_db
def test_a_refused_filter_shows_no_events_instead_of_all(school, privacy, people, verified_client):
    record("case.view", actor=people[Role.IB], school=school, case=1)
    response = search(verified_client(privacy), school, date_from="2026-02-01", date_to="2026-01-01")
    assert "De begindatum ligt na de einddatum." in response.content.decode()
    assert list(response.context["page"].object_list) == []


def test_the_trail_is_the_same_for_the_privacy_officer_a_staff_case_is_about_and_a_colleague(
        school, people, verified_client, pupil, make_user):
    """Issue 12: nothing may depend on whether the viewer is the subject (WPO art. 4a: the staff route is
    the bevoegd gezag's, and the accused must not learn of it from the trail)."""
    from django.urls import reverse

    from accounts.roles import Role
    from audit.log import record
    from cases.models import Case, Route
    from protocol.models import MeldcodeVersion, ensure_shipped_versions

    ensure_shipped_versions()
    concerned = people[Role.PRIVACY]
    colleague = make_user(Role.PRIVACY, school)
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    staff_case = Case.objects.create(school=school, pupil=pupil, route=Route.STAFF, subject_staff=concerned,
                                     opened_by=people[Role.DIRECTIE], meldcode_version=version)
    regular = Case.objects.create(school=school, pupil=pupil, opened_by=people[Role.IB], meldcode_version=version)
    record("case.create", actor=people[Role.DIRECTIE], school=school, case=staff_case, object_repr=staff_case.reference)
    record("case.create", actor=people[Role.IB], school=school, case=regular, object_repr=regular.reference)

    def seen(user):
        page = verified_client(user).get(reverse("audit:search", args=[school.slug]))
        return [(event.action, event.case_id) for event in page.context["page"].object_list if event.case_id]

    by_the_concerned, by_a_colleague = seen(concerned), seen(colleague)
    assert by_the_concerned == by_a_colleague == [("case.create", regular.pk)]
