import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.roles import Role
from schools.models import Guardian

pytestmark = pytest.mark.django_db


def every_schools_page(school, pupil, guardian, person, membership):
    slug = school.slug
    return [
        reverse("schools:pupils", args=[slug]),
        reverse("schools:pupil_add", args=[slug]),
        reverse("schools:pupil", args=[slug, pupil.pk]),
        reverse("schools:pupil_edit", args=[slug, pupil.pk]),
        reverse("schools:guardian_add", args=[slug, pupil.pk]),
        reverse("schools:guardian_edit", args=[slug, pupil.pk, guardian.pk]),
        reverse("schools:guardian_delete", args=[slug, pupil.pk, guardian.pk]),
        reverse("schools:import_pupils", args=[slug]),
        reverse("schools:import_staff", args=[slug]),
        reverse("schools:staff", args=[slug]),
        reverse("schools:staff_add_role", args=[slug, person.pk]),
        reverse("schools:staff_remove_role", args=[slug, membership.pk]),
        reverse("schools:staff_unlock", args=[slug, person.pk]),
        reverse("schools:staff_reset_2fa", args=[slug, person.pk]),
        reverse("schools:staff_password_link", args=[slug, person.pk]),
    ]


@pytest.fixture
def outsider(other_school, make_user):
    """Someone who holds every role, but at another school."""
    user = make_user("beheer", other_school)
    for role in Role:
        Membership.objects.get_or_create(user=user, school=other_school, role=role)
    return user


def test_a_staff_member_of_another_school_gets_404_on_every_schools_page(
        school, pupil, people, outsider, verified_client):
    guardian = Guardian.objects.create(pupil=pupil, name="Petra de Vries", relation="moeder")
    teacher = people[Role.LEERKRACHT]
    membership = teacher.memberships.get()
    client = verified_client(outsider)
    for url in every_schools_page(school, pupil, guardian, teacher, membership):
        assert client.get(url).status_code in (404, 405), url
        assert client.post(url, {"role": "beheer", "name": "X"}).status_code == 404, url
    assert Guardian.objects.current().filter(pk=guardian.pk).exists()
    assert teacher.roles_at(school) == {"leerkracht"}
    assert not outsider.memberships.filter(school=school).exists()


def test_a_beheerder_cannot_reach_a_pupil_or_person_of_another_school_through_their_own(
        school, other_school, people, make_user, verified_client):
    from schools.models import Pupil

    elsewhere = make_user("leerkracht", other_school)
    pupil_elsewhere = Pupil.objects.create(school=other_school, first_name="A", last_name="B",
                                           date_of_birth="2017-01-01")
    client = verified_client(people[Role.BEHEER])
    slug = school.slug
    assert client.get(reverse("schools:pupil", args=[slug, pupil_elsewhere.pk])).status_code == 404
    assert client.post(reverse("schools:staff_add_role", args=[slug, elsewhere.pk]),
                       {"role": "beheer"}).status_code == 404
    assert client.post(reverse("schools:staff_reset_2fa", args=[slug, elsewhere.pk])).status_code == 404
    assert client.post(reverse("schools:staff_remove_role", args=[slug, elsewhere.memberships.get().pk])).status_code == 404
    assert elsewhere.roles_at(school) == set()
    assert elsewhere.roles_at(other_school) == {"leerkracht"}


def test_someone_signed_in_without_a_second_factor_is_sent_to_verify(school, people, client):
    client.force_login(people[Role.BEHEER])
    response = client.get(reverse("schools:staff", args=[school.slug]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:verify"))


@pytest.mark.parametrize("role", ["leerkracht", "ib", "directie", "bestuur", "privacy"])
def test_only_the_functioneel_beheerder_manages_staff(role, school, people, verified_client):
    client = verified_client(people[role])
    assert client.get(reverse("schools:staff", args=[school.slug])).status_code == 404
    assert client.get(reverse("schools:import_staff", args=[school.slug])).status_code == 404


@pytest.mark.parametrize("role, status", [("ib", 200), ("beheer", 200), ("directie", 404), ("leerkracht", 404)])
def test_pupils_are_imported_by_the_intern_begeleider_or_beheerder(role, status, school, people, verified_client):
    assert verified_client(people[role]).get(reverse("schools:import_pupils", args=[school.slug])).status_code == status
