"""Recording a signal in at most three pages (issue 14): find the pupil by typing, write what was seen and heard,
save. The dossier is made behind the scenes or the signal joins the pupil's open dossier; never an empty or a
second open dossier (Landelijk model 2019, stap 1: signalen in kaart brengen en vastleggen)."""

import datetime

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Case, CaseMember, Entry, Route
from core.testing import with_key
from schools.models import Pupil


def signal(pupil, **extra):
    return with_key({"action": "save", "leerling": str(pupil.pk), "q": pupil.last_name,
                     "observation": "Een blauwe plek op de arm.", "is_hypothesis": "0",
                     "occurred_at": "2026-11-02T09:00", **extra})


@pytest.fixture
def teacher(people):
    return people[Role.LEERKRACHT]


@pytest.fixture
def url(school, adopted):
    return reverse("cases:signal", args=[school.slug])


def test_typing_a_name_lists_the_matching_pupils_by_post_never_in_the_url(url, teacher, verified_client, pupil,
                                                                       school):
    Pupil.objects.create(school=school, first_name="Bram", last_name="Jansen", date_of_birth=datetime.date(2016, 1, 1))
    client = verified_client(teacher)
    response = client.post(url, with_key({"action": "find", "q": "sann"}))
    assert response.status_code == 200
    assert [p.pk for p in response.context["pupils"]] == [pupil.pk]
    assert "Bram" not in response.content.decode()
    assert not Case.objects.exists()


def test_a_first_signal_makes_the_dossier_with_the_teacher_and_the_coordinator(url, teacher, verified_client,
                                                                             pupil, people):
    response = verified_client(teacher).post(url, signal(pupil))
    case = Case.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.reference])
    assert case.route == Route.REGULAR and case.opened_by == teacher and case.coordinator == people[Role.IB]
    assert set(case.members.values_list("user", flat=True)) == {teacher.pk, people[Role.IB].pk}
    entry = case.entries.get()
    assert entry.is_saved and entry.kind == "signal" and entry.content["observation"] == "Een blauwe plek op de arm."
    assert entry.facts == {"is_hypothesis": False, "has_source": False}
    assert "acute" not in entry.content
    assert AuditEvent.objects.filter(action="case.create").exists()


def test_an_abandoned_or_invalid_signal_leaves_no_dossier(url, teacher, verified_client, pupil):
    client = verified_client(teacher)
    assert client.get(url).status_code == 200
    response = client.post(url, signal(pupil, observation=""))
    assert response.status_code == 400
    assert "observation" in response.context["form"].errors
    response = client.post(url, with_key({"action": "save", "observation": "Iets.", "is_hypothesis": "0",
                                          "occurred_at": "2026-11-02T09:00"}))
    assert response.status_code == 400 and response.context["pick"].errors
    assert not Case.objects.exists() and not Entry.objects.exists()


def test_a_second_signal_joins_the_open_dossier_and_tells_the_teacher_nothing_more(
        url, make_case, pupil, people, verified_client, teacher, add_entry):
    case = make_case(pupil)
    add_entry(case, people[Role.IB], content={"observation": "Geheim-gesprek-met-moeder."})
    response = verified_client(teacher).post(url, signal(pupil), follow=True)
    assert Case.objects.filter(pupil=pupil).count() == 1
    assert case.entries.filter(author=teacher, kind="signal", status=Entry.Status.SAVED).count() == 1
    assert response.redirect_chain[-1][0] == reverse("core:home")
    html = response.content.decode()
    assert "al over deze leerling loopt" in html
    assert "Geheim-gesprek" not in html and case.reference not in html
    assert not CaseMember.objects.filter(case=case, user=teacher).exists()


def test_a_staff_perpetrator_dossier_is_never_joined(url, make_case, pupil, people, verified_client, teacher):
    make_case(pupil, route=Route.STAFF, subject_staff=people[Role.LEERKRACHT], coordinator=people[Role.DIRECTIE])
    verified_client(teacher).post(url, signal(pupil))
    assert Case.objects.filter(pupil=pupil, route=Route.REGULAR).count() == 1


def test_acute_danger_marks_the_route_and_shows_the_emergency_numbers_at_once(url, teacher, verified_client, pupil):
    response = verified_client(teacher).post(url, signal(pupil, acute="on"))
    case = Case.objects.get()
    assert case.route == Route.ACUTE
    assert response["Location"] == reverse("cases:acute", args=[case.reference])


def test_sent_twice_it_is_one_signal(url, teacher, verified_client, pupil):
    client = verified_client(teacher)
    data = signal(pupil)
    client.post(url, data)
    client.post(url, data)
    assert Case.objects.count() == 1 and Entry.objects.count() == 1


def test_a_pupil_of_another_school_cannot_be_chosen(url, teacher, verified_client, other_school):
    stranger = Pupil.objects.create(school=other_school, first_name="Kim", last_name="Elders",
                                    date_of_birth=datetime.date(2016, 1, 1))
    response = verified_client(teacher).post(url, signal(stranger))
    assert response.status_code == 400
    assert not Case.objects.exists()


@pytest.mark.parametrize("role", [Role.PRIVACY, Role.BEHEER])
def test_who_never_opens_a_dossier_gets_404(url, people, verified_client, role):
    assert verified_client(people[role]).get(url).status_code == 404
