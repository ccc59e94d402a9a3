"""Removing a parent or carer hides her everywhere the school works with guardians, but keeps the row:
anonymised documents must still recognise her name (see documents/tests/test_anonymised_removed_people.py)."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.roles import Role
from audit.models import AuditEvent
from schools.models import Guardian

pytestmark = pytest.mark.django_db


@pytest.fixture
def petra(pupil):
    return Guardian.objects.create(pupil=pupil, name="Petra de Vries", relation="moeder", address="Dorpsstraat 1",
                                   phone="06-12345678", email="petra@example.org")


@pytest.fixture
def adopted_meldcode(school, people):
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions

    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    adopt(school, version, people[Role.DIRECTIE])
    return version


def delete_url(school, pupil, guardian):
    return reverse("schools:guardian_delete", args=[school.slug, pupil.pk, guardian.pk])


def test_a_removed_guardian_no_longer_shows_on_the_pupil_page(school, pupil, petra, people, verified_client):
    Guardian.objects.create(pupil=pupil, name="Kees de Vries", relation="vader")
    client = verified_client(people[Role.BEHEER])
    response = client.post(delete_url(school, pupil, petra), follow=True)
    assert "Ouder/verzorger Petra de Vries is verwijderd." in response.text

    page = client.get(reverse("schools:pupil", args=[school.slug, pupil.pk]))
    assert [g.name for g in page.context["guardians"]] == ["Kees de Vries"]
    assert "Petra de Vries" not in page.text and "Dorpsstraat 1" not in page.text


def test_removing_a_guardian_keeps_her_row_with_the_moment_of_removal_and_is_audited(
        school, pupil, petra, people, verified_client):
    verified_client(people[Role.IB]).post(delete_url(school, pupil, petra))
    petra.refresh_from_db()
    assert petra.is_removed and petra.name == "Petra de Vries"
    assert (petra.phone, petra.email) == ("", "")  # not needed any more; name and address stay for the anonymiser
    assert list(pupil.guardians.current()) == [] and list(Guardian.objects.removed()) == [petra]
    event = AuditEvent.objects.get(action="guardian.deleted")
    assert event.details == {"pupil": pupil.pk, "guardian": petra.pk}
    assert event.actor_id == people[Role.IB].pk


def test_a_removed_guardian_cannot_be_edited_or_removed_again(school, pupil, petra, people, verified_client):
    client = verified_client(people[Role.IB])
    client.post(delete_url(school, pupil, petra))
    edit_url = reverse("schools:guardian_edit", args=[school.slug, pupil.pk, petra.pk])
    assert client.get(edit_url).status_code == 404
    assert client.post(edit_url, {"name": "Petra Bakker", "relation": "moeder"}).status_code == 404
    assert client.post(delete_url(school, pupil, petra)).status_code == 404
    assert AuditEvent.objects.filter(action="guardian.deleted").count() == 1
    petra.refresh_from_db()
    assert petra.name == "Petra de Vries"


def test_the_guardian_delete_view_gives_404_to_outsiders_and_removes_nothing(
        school, other_school, pupil, petra, people, make_user, verified_client):
    outsider = make_user(Role.BEHEER, other_school)
    for role in (Role.IB, Role.DIRECTIE):
        Membership.objects.create(user=outsider, school=other_school, role=role)
    assert verified_client(outsider).post(delete_url(school, pupil, petra)).status_code == 404
    assert verified_client(people[Role.LEERKRACHT]).post(delete_url(school, pupil, petra)).status_code == 404
    assert Guardian.objects.current().filter(pk=petra.pk).exists()
    assert not AuditEvent.objects.filter(action="guardian.deleted").exists()


def test_a_beheerder_sees_the_same_answer_whether_or_not_the_pupil_has_a_dossier(
        school, pupil, people, verified_client, adopted_meldcode):
    from cases.models import Case
    from schools.models import Pupil

    client = verified_client(people[Role.BEHEER])
    with_case = Case.objects.create(school=school, pupil=pupil, meldcode_version=adopted_meldcode,
                                    opened_by=people[Role.IB])
    without_case = Pupil.objects.create(school=school, first_name="Daan", last_name="Jansen",
                                        date_of_birth=pupil.date_of_birth)
    answers = []
    for child in (with_case.pupil, without_case):
        guardian = Guardian.objects.create(pupil=child, name="Anna Smit", relation="moeder")
        response = client.post(delete_url(school, child, guardian), follow=True)
        answers.append((response.status_code, [str(m) for m in response.context["messages"]]))
        assert not child.guardians.current().exists()
    assert answers[0] == answers[1] == (200, ["Ouder/verzorger Anna Smit is verwijderd."])
