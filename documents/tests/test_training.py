from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from core.testing import loaded_state
from documents.evaluation import due_for_refresher
from documents.models import TrainingRecord

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def train(user, school, day, valid_until=None):
    return TrainingRecord.objects.create(user=user, school=school, course="Meldcode basis", date=day,
                                         provider="Bureau Veilig", valid_until=valid_until)


def test_staff_without_recent_or_valid_training_are_due_for_a_refresher(school, people):
    teacher, ib, directie = people[Role.LEERKRACHT], people[Role.IB], people[Role.DIRECTIE]
    train(teacher, school, TODAY - timedelta(days=365))
    train(ib, school, TODAY - timedelta(days=3 * 365))
    train(directie, school, TODAY - timedelta(days=100), valid_until=TODAY - timedelta(days=1))
    due = {user.pk for user in due_for_refresher(school, today=TODAY)}
    assert due == {ib.pk, directie.pk}  # bestuur, privacy and beheer are not expected to train


def test_a_training_at_another_school_does_not_count_here(school, other_school, people):
    train(people[Role.LEERKRACHT], other_school, TODAY - timedelta(days=30))
    assert people[Role.LEERKRACHT] in due_for_refresher(school, today=TODAY)


def test_the_ib_records_a_training_and_it_is_audited(school, people, verified_client):
    client = verified_client(people[Role.IB])
    response = client.post(reverse("documents:training", args=[school.slug]), {
        "user": people[Role.LEERKRACHT].pk, "course": "Meldcode opfriscursus", "date": "2026-03-01",
        "provider": "Veilig Thuis Drenthe", "valid_until": ""})
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert (record.user, record.school, record.recorded_by) == (people[Role.LEERKRACHT], school, people[Role.IB])
    assert AuditEvent.objects.filter(action="training.create", school_id=school.pk).exists()
    page = client.get(reverse("documents:training", args=[school.slug]))
    assert "Meldcode opfriscursus" in page.content.decode()


def test_a_training_can_be_corrected_and_deleted(school, people, verified_client):
    record = train(people[Role.LEERKRACHT], school, date(2025, 1, 1))
    client = verified_client(people[Role.BEHEER])
    url = reverse("documents:training_edit", args=[school.slug, record.pk])
    client.post(url, {**loaded_state(client, url), "user": record.user_id, "course": "Meldcode basis (2 dagdelen)", "date": "2025-01-02",
                      "provider": "", "valid_until": ""})
    record.refresh_from_db()
    assert record.course == "Meldcode basis (2 dagdelen)"
    client.post(url, {"delete": "1"})
    assert not TrainingRecord.objects.exists()


@pytest.mark.parametrize("role", [Role.LEERKRACHT, Role.BESTUUR, Role.PRIVACY])
def test_others_cannot_edit_the_register(school, people, verified_client, role):
    client = verified_client(people[role])
    assert client.get(reverse("documents:training", args=[school.slug])).status_code == 404


def test_a_school_cannot_edit_another_schools_register(school, other_school, people, verified_client, make_user):
    record = train(people[Role.LEERKRACHT], school, date(2025, 1, 1))
    outsider = make_user(Role.IB, other_school)
    client = verified_client(outsider)
    assert client.get(reverse("documents:training_edit", args=[other_school.slug, record.pk])).status_code == 404
    assert client.get(reverse("documents:training", args=[school.slug])).status_code == 404
