"""Two people editing the same record: the second save is refused with 409, and nothing is overwritten."""

import datetime

import pytest
from django.urls import reverse

from accounts.roles import Role
from core.concurrency import FIELD
from core.testing import loaded_state
from documents.models import TrainingRecord
from schools.models import Guardian
from socialmap.models import Organisation, PhoneNumber

pytestmark = pytest.mark.django_db

CONFLICT_TEXT = "Iemand anders heeft deze gegevens gewijzigd"


def pupil_form(pupil, **changes):
    return {"student_number": "", "first_name": pupil.first_name, "last_name": pupil.last_name,
            "date_of_birth": pupil.date_of_birth.isoformat(), "group": pupil.group, "status": "active",
            "left_on": "", **changes}


def test_it_refuses_the_second_of_two_overlapping_pupil_edits(school, pupil, make_user, verified_client):
    url = reverse("schools:pupil_edit", args=[school.slug, pupil.pk])
    ib, directie = verified_client(make_user(Role.IB, school)), verified_client(make_user(Role.DIRECTIE, school))
    ib_loaded, directie_loaded = loaded_state(ib, url), loaded_state(directie, url)

    assert ib.post(url, {**ib_loaded, **pupil_form(pupil, group="6")}).status_code == 302
    response = directie.post(url, {**directie_loaded, **pupil_form(pupil, last_name="Jansen")})

    assert response.status_code == 409
    assert CONFLICT_TEXT in response.content.decode()
    assert 'value="Jansen"' in response.content.decode()  # the refused input is still in the form
    pupil.refresh_from_db()
    assert (pupil.group, pupil.last_name) == ("6", "de Vries")


def test_it_saves_again_after_reloading_the_form(school, pupil, make_user, verified_client):
    url = reverse("schools:pupil_edit", args=[school.slug, pupil.pk])
    ib = verified_client(make_user(Role.IB, school))
    stale = loaded_state(ib, url)
    assert ib.post(url, {**stale, **pupil_form(pupil, group="6")}).status_code == 302
    assert ib.post(url, {**stale, **pupil_form(pupil, group="7")}).status_code == 409
    assert ib.post(url, {**loaded_state(ib, url), **pupil_form(pupil, group="7")}).status_code == 302
    pupil.refresh_from_db()
    assert pupil.group == "7"


def test_it_refuses_an_edit_that_carries_no_fingerprint(school, pupil, make_user, verified_client):
    url = reverse("schools:pupil_edit", args=[school.slug, pupil.pk])
    response = verified_client(make_user(Role.IB, school)).post(url, pupil_form(pupil, group="8"))
    assert response.status_code == 409
    pupil.refresh_from_db()
    assert pupil.group == "5"


def test_a_new_record_needs_no_fingerprint(school, make_user, verified_client):
    response = verified_client(make_user(Role.IB, school)).post(reverse("schools:pupil_add", args=[school.slug]), {
        "first_name": "Ravi", "last_name": "Sharma", "date_of_birth": "2018-09-30", "group": "3", "status": "active"})
    assert response.status_code == 302


def test_the_fingerprint_reveals_nothing_of_the_record(school, pupil, make_user, verified_client):
    url = reverse("schools:pupil_edit", args=[school.slug, pupil.pk])
    value = loaded_state(verified_client(make_user(Role.IB, school)), url)[FIELD]
    assert len(value) == 64 and "Sanne" not in value


def test_it_refuses_overlapping_guardian_edits(school, pupil, make_user, verified_client):
    guardian = Guardian.objects.create(pupil=pupil, name="Anita de Vries", relation="moeder", has_authority=True)
    url = reverse("schools:guardian_edit", args=[school.slug, pupil.pk, guardian.pk])
    first, second = verified_client(make_user(Role.IB, school)), verified_client(make_user(Role.DIRECTIE, school))
    first_loaded, second_loaded = loaded_state(first, url), loaded_state(second, url)
    form = {"name": "Anita de Vries", "relation": "moeder", "has_authority": "on", "phone": "", "email": "",
            "address": ""}
    assert first.post(url, {**first_loaded, **form, "phone": "0612345678"}).status_code == 302
    assert second.post(url, {**second_loaded, **form, "email": "anita@example.org"}).status_code == 409
    guardian.refresh_from_db()
    assert (guardian.phone, guardian.email) == ("0612345678", "")


def test_it_refuses_overlapping_training_edits(school, people, verified_client):
    record = TrainingRecord.objects.create(user=people[Role.LEERKRACHT], school=school, course="Meldcode basis",
                                           date=datetime.date(2025, 1, 1))
    url = reverse("documents:training_edit", args=[school.slug, record.pk])
    first, second = verified_client(people[Role.IB]), verified_client(people[Role.BEHEER])
    first_loaded, second_loaded = loaded_state(first, url), loaded_state(second, url)
    form = {"user": record.user_id, "date": "2025-01-01", "provider": "", "valid_until": ""}
    assert first.post(url, {**first_loaded, **form, "course": "Meldcode verdieping"}).status_code == 302
    assert second.post(url, {**second_loaded, **form, "course": "Meldcode basis (herhaling)"}).status_code == 409
    record.refresh_from_db()
    assert record.course == "Meldcode verdieping"


def test_a_changed_phone_number_counts_as_a_change_of_the_organisation(school, make_user, verified_client):
    organisation = Organisation.objects.create(school=school, name="Veilig Thuis Drenthe", kind="veilig_thuis")
    phone = PhoneNumber.objects.create(organisation=organisation, number="0800-2000")
    url = reverse("socialmap:edit", args=[school.slug, organisation.pk])
    client = verified_client(make_user(Role.IB, school))
    loaded = loaded_state(client, url)
    phone.note = "24/7"
    phone.save()
    response = client.post(url, {
        **loaded, "name": "Veilig Thuis Drenthe", "kind": "veilig_thuis", "phones-TOTAL_FORMS": "1",
        "phones-INITIAL_FORMS": "1", "phones-0-id": str(phone.pk), "phones-0-number": "0800-2000",
        "phones-0-note": "werkdagen"})
    assert response.status_code == 409
    phone.refresh_from_db()
    assert phone.note == "24/7"
