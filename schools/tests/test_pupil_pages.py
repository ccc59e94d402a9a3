import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from core.testing import loaded_state
from schools.models import Guardian, Pupil

pytestmark = pytest.mark.django_db


def add_pupils(school, count, group="5"):
    Pupil.objects.bulk_create([
        Pupil(school=school, student_number=str(5000 + n), first_name=f"Kind{n}", last_name=f"Achternaam{n:03d}",
              date_of_birth=datetime.date(2017, 1, 1), group=group)
        for n in range(count)
    ])


def queries_for(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["leerkracht", "ib", "directie", "bestuur", "beheer"])
def test_every_role_but_the_privacy_officer_sees_the_pupil_list(role, school, pupil, make_user, verified_client):
    client = verified_client(make_user(role, school))
    response = client.get(reverse("schools:pupils", args=[school.slug]))
    assert response.status_code == 200
    assert "de Vries, Sanne" in response.text


def test_the_privacy_officer_does_not_see_the_pupil_list_or_a_pupil(school, pupil, make_user, verified_client):
    client = verified_client(make_user("privacy", school))
    assert client.get(reverse("schools:pupils", args=[school.slug])).status_code == 404
    assert client.get(reverse("schools:pupil", args=[school.slug, pupil.pk])).status_code == 404


def test_the_pupil_list_shows_fifty_pupils_per_page(school, make_user, verified_client):
    add_pupils(school, 60)
    client = verified_client(make_user("leerkracht", school))
    first = client.get(reverse("schools:pupils", args=[school.slug]))
    second = client.get(reverse("schools:pupils", args=[school.slug]), {"page": 2})
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10
    assert "Achternaam059" in second.text


def test_the_number_of_queries_does_not_grow_with_the_number_of_pupils(school, other_school, make_user,
                                                                        verified_client):
    add_pupils(school, 5)
    add_pupils(other_school, 60)
    few = verified_client(make_user("ib", school))
    many = verified_client(make_user("ib", other_school))
    assert queries_for(few, reverse("schools:pupils", args=[school.slug])) == \
        queries_for(many, reverse("schools:pupils", args=[other_school.slug]))


def test_searching_finds_pupils_by_name_or_group(school, pupil, make_user, verified_client):
    Pupil.objects.create(school=school, first_name="Daan", last_name="Jansen", date_of_birth=datetime.date(2016, 1, 1),
                         group="7")
    client = verified_client(make_user("leerkracht", school))
    url = reverse("schools:pupils", args=[school.slug])
    by_name = client.post(url, {"q": "de vries"}).context["page"].object_list
    by_group = client.post(url, {"q": "groep 7"}).context["page"].object_list
    assert [p.first_name for p in by_name] == ["Sanne"]
    assert [p.first_name for p in by_group] == ["Daan"]


def test_pupils_who_left_are_only_listed_when_asked_for(school, pupil, make_user, verified_client):
    Pupil.objects.create(school=school, first_name="Vera", last_name="Oud", date_of_birth=datetime.date(2012, 1, 1),
                         status=Pupil.Status.LEFT, left_on=datetime.date(2024, 7, 1))
    client = verified_client(make_user("ib", school))
    url = reverse("schools:pupils", args=[school.slug])
    assert [p.first_name for p in client.get(url).context["page"].object_list] == ["Sanne"]
    assert [p.first_name for p in client.get(url, {"status": "left"}).context["page"].object_list] == ["Vera"]


def test_the_pupil_page_shows_guardians_and_who_holds_parental_authority(school, pupil, make_user, verified_client):
    Guardian.objects.create(pupil=pupil, name="Petra de Vries", relation="moeder", has_authority=True)
    Guardian.objects.create(pupil=pupil, name="Stiefvader Bos", relation="stiefvader", has_authority=False)
    response = verified_client(make_user("leerkracht", school)).get(reverse("schools:pupil", args=[school.slug, pupil.pk]))
    assert "Petra de Vries" in response.text
    assert "heeft gezag" in response.text and "geen gezag" in response.text
    assert "Gegevens wijzigen" not in response.text


def test_a_guardian_without_gezag_comes_with_the_right_to_information(school, pupil, make_user, verified_client):
    """BW 1:377c: a parent without gezag is informed on request about important matters concerning the child,
    unless that is not in the child's interest; BW 1:245: consent is for who holds gezag."""
    url = reverse("schools:pupil", args=[school.slug, pupil.pk])
    client = verified_client(make_user("leerkracht", school))
    Guardian.objects.create(pupil=pupil, name="Petra de Vries", relation="moeder", has_authority=True)
    assert "1:377c" not in client.get(url).text
    Guardian.objects.create(pupil=pupil, name="Stiefvader Bos", relation="stiefvader", has_authority=False)
    assert "recht op informatie" in client.get(url).text and "art. 1:377c BW" in client.get(url).text


def test_the_pupil_page_shows_a_beheerder_nothing_about_dossiers(school, pupil, make_user, verified_client):
    response = verified_client(make_user("beheer", school)).get(reverse("schools:pupil", args=[school.slug, pupil.pk]))
    assert response.status_code == 200
    assert "/dossiers/" not in response.text
    assert "Gegevens wijzigen" in response.text


def test_a_teacher_cannot_edit_a_pupil(school, pupil, make_user, verified_client):
    client = verified_client(make_user("leerkracht", school))
    response = client.post(reverse("schools:pupil_edit", args=[school.slug, pupil.pk]), {"first_name": "X"})
    assert response.status_code == 404
    pupil.refresh_from_db()
    assert pupil.first_name == "Sanne"


def test_a_functioneel_beheerder_adds_and_edits_a_pupil_and_a_guardian(school, make_user, verified_client):
    client = verified_client(make_user("beheer", school))
    response = client.post(reverse("schools:pupil_add", args=[school.slug]), {
        "student_number": "2001", "first_name": "Ravi", "last_name": "Sharma", "date_of_birth": "2018-09-30",
        "group": "3", "status": "active"})
    ravi = Pupil.objects.get(school=school, student_number="2001")
    assert response.url == reverse("schools:pupil", args=[school.slug, ravi.pk])

    edit_url = reverse("schools:pupil_edit", args=[school.slug, ravi.pk])
    client.post(edit_url, {
        **loaded_state(client, edit_url), "student_number": "2001", "first_name": "Ravi", "last_name": "Sharma", "date_of_birth": "2018-09-30",
        "group": "4", "status": "active"})
    client.post(reverse("schools:guardian_add", args=[school.slug, ravi.pk]), {
        "name": "Anita Sharma", "relation": "moeder", "has_authority": "on", "email": "anita@example.org"})
    ravi.refresh_from_db()
    assert ravi.group == "4"
    assert [(g.name, g.has_authority) for g in ravi.guardians.all()] == [("Anita Sharma", True)]


def test_two_pupils_of_one_school_cannot_share_a_student_number(school, pupil, make_user, verified_client):
    pupil.student_number = "1001"
    pupil.save()
    client = verified_client(make_user("ib", school))
    response = client.post(reverse("schools:pupil_add", args=[school.slug]), {
        "student_number": "1001", "first_name": "Tim", "last_name": "Visser", "date_of_birth": "2017-01-01",
        "status": "active"})
    assert response.status_code == 400
    assert "Er is al een leerling met dit leerlingnummer op deze school." in response.text


def test_a_pupil_marked_as_left_needs_a_leaving_date(school, pupil, make_user, verified_client):
    client = verified_client(make_user("directie", school))
    edit_url = reverse("schools:pupil_edit", args=[school.slug, pupil.pk])
    response = client.post(edit_url, {
        **loaded_state(client, edit_url), "first_name": "Sanne", "last_name": "de Vries", "date_of_birth": "2017-03-14", "status": "left"})
    assert response.status_code == 400
    assert "Vul in wanneer de leerling de school verliet." in response.text


def test_a_guardian_can_be_removed_by_the_intern_begeleider(school, pupil, make_user, verified_client):
    guardian = Guardian.objects.create(pupil=pupil, name="Oud Adres", relation="vader")
    client = verified_client(make_user(Role.IB, school))
    client.post(reverse("schools:guardian_delete", args=[school.slug, pupil.pk, guardian.pk]))
    assert not pupil.guardians.current().filter(pk=guardian.pk).exists()


def test_a_guardian_of_another_pupil_cannot_be_reached_through_this_pupil(school, pupil, make_user, verified_client):
    other = Pupil.objects.create(school=school, first_name="Daan", last_name="Jansen",
                                 date_of_birth=datetime.date(2016, 1, 1))
    guardian = Guardian.objects.create(pupil=other, name="Kees Jansen", relation="vader")
    client = verified_client(make_user(Role.IB, school))
    url = reverse("schools:guardian_delete", args=[school.slug, pupil.pk, guardian.pk])
    assert client.post(url).status_code == 404
    assert Guardian.objects.current().filter(pk=guardian.pk).exists()


@pytest.mark.parametrize("birth_date", ["9999-01-01", "2999-05-05", "1890-02-02"])
def test_a_birth_date_in_the_future_or_absurdly_long_ago_is_refused_in_dutch(school, make_user, verified_client,
                                                                            birth_date):
    client = verified_client(make_user("beheer", school))
    response = client.post(reverse("schools:pupil_add", args=[school.slug]), {
        "student_number": "2002", "first_name": "Ravi", "last_name": "Sharma", "date_of_birth": birth_date,
        "group": "3", "status": "active"})
    assert response.status_code == 400
    assert "De geboortedatum ligt" in response.text or "Vul een datum in tussen 1900 en 2100." in response.text
    assert not Pupil.objects.filter(student_number="2002").exists()


def test_a_name_searched_for_never_appears_in_an_address(school, pupil, make_user, verified_client):
    client = verified_client(make_user("leerkracht", school))
    url = reverse("schools:pupils", args=[school.slug])
    page = client.get(url)
    assert 'method="post" role="search"' in page.text and "hx-push-url" not in page.text
    # A name in the address is not used as a search: nobody is encouraged to put it there.
    Pupil.objects.create(school=school, first_name="Daan", last_name="Jansen", date_of_birth=pupil.date_of_birth)
    assert len(client.get(url, {"q": "Sanne"}).context["page"].object_list) == 2
    found = client.post(url, {"q": "Sanne"})
    assert [p.first_name for p in found.context["page"].object_list] == ["Sanne"]
    assert "Sanne" not in found.context["querystring"]


def test_the_pages_of_a_search_are_turned_without_the_name_in_the_address(school, make_user, verified_client):
    for n in range(55):
        Pupil.objects.create(school=school, first_name=f"Kind{n}", last_name="Bakker",
                             date_of_birth=datetime.date(2016, 1, 1))
    client = verified_client(make_user("leerkracht", school))
    url = reverse("schools:pupils", args=[school.slug])
    first = client.post(url, {"q": "bakker"})
    assert 'name="page" value="2"' in first.text and "q=bakker" not in first.text
    second = client.post(url, {"q": "bakker", "page": "2"})
    assert len(second.context["page"].object_list) == 5
