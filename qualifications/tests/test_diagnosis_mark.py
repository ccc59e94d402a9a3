"""Only a staff member trained for it records a diagnosis (the seeds' meldcodes: the orthopedagoog); the directie
sets that mark, never on themselves."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def url(school):
    return reverse("qualifications:diagnosis", args=[school.slug])


def test_the_directie_marks_a_colleague_qualified_and_it_is_audited(school, people, verified_client):
    ib = people[Role.IB]
    client = verified_client(people[Role.DIRECTIE])
    assert ib.full_name in client.get(url(school)).content.decode()
    assert client.post(url(school), {"user": ib.pk, "qualified": "1"}).status_code == 302
    ib.refresh_from_db()
    assert ib.qualified_for_diagnosis
    event = AuditEvent.objects.get(action="staff.qualification_changed")
    assert event.details == {"user": ib.pk, "qualified": True} and event.school_id == school.pk
    assert client.post(url(school), {"user": ib.pk, "qualified": "0"}).status_code == 302
    ib.refresh_from_db()
    assert not ib.qualified_for_diagnosis


def test_nobody_sets_their_own_mark(school, people, verified_client):
    directie = people[Role.DIRECTIE]
    response = verified_client(directie).post(url(school), {"user": directie.pk, "qualified": "1"})
    assert response.status_code == 403
    directie.refresh_from_db()
    assert not directie.qualified_for_diagnosis
    assert not AuditEvent.objects.filter(action="staff.qualification_changed").exists()


@pytest.mark.parametrize("role", [Role.LEERKRACHT, Role.IB, Role.BEHEER, Role.AANDACHTSFUNCTIONARIS,
                                  Role.VRIJWILLIGER])
def test_only_the_directie_reaches_the_page(role, school, people, verified_client):
    client = verified_client(people[role])
    assert client.get(url(school)).status_code == 404
    assert client.post(url(school), {"user": people[Role.LEERKRACHT].pk, "qualified": "1"}).status_code == 404
    people[Role.LEERKRACHT].refresh_from_db()
    assert not people[Role.LEERKRACHT].qualified_for_diagnosis


def test_someone_of_another_school_cannot_be_marked(school, other_school, people, make_user, verified_client):
    stranger = make_user(Role.LEERKRACHT, other_school)
    response = verified_client(people[Role.DIRECTIE]).post(url(school), {"user": stranger.pk, "qualified": "1"})
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert not stranger.qualified_for_diagnosis


def test_a_directie_of_another_school_gets_404(school, other_school, make_user, verified_client):
    assert verified_client(make_user(Role.DIRECTIE, other_school)).get(url(school)).status_code == 404
