"""A parent's request to inspect the dossier has a term: one month from receipt, at most two more with reasons
told within the first month (AVG art. 12(3), art. 15). The term is the coordinator's task until the inspection
copy answers it."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Task
from cases.notifications import send_due_reminders
from core.testing import with_key
from documents.models import AccessRequest, add_months

pytestmark = pytest.mark.django_db

RECEIVED = datetime.date(2026, 1, 31)


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    add_entry(case, people[Role.IB], content={"observation": "Sanne had een blauwe plek."})
    return case


def register(client, case, **data):
    return client.post(reverse("documents:access_request", args=[case.reference]),
                       with_key({"requester": "Marieke de Vries, moeder", "received_on": RECEIVED.isoformat(), **data}))


def extend(client, case, access_request, **data):
    return client.post(reverse("documents:access_request_extend", args=[case.reference, access_request.pk]), data)


def test_a_month_from_the_last_day_of_january_ends_on_the_last_day_of_february():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2028, 1, 31), 1) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2026, 11, 15), 3) == datetime.date(2027, 2, 15)


def test_a_registered_request_becomes_the_coordinators_task_due_one_month_after_receipt(case, people,
                                                                                      exporting_client):
    """AVG art. 12(3): the answer comes at the latest within one month of receipt of the request."""
    client = exporting_client(people[Role.IB])
    response = register(client, case)
    assert response.status_code == 302
    access_request = AccessRequest.objects.get(case=case)
    assert access_request.deadline == datetime.date(2026, 2, 28)
    task = Task.objects.get(case=case, kind=Task.Kind.ACCESS_REQUEST)
    assert (task.due_on, task.assignee) == (datetime.date(2026, 2, 28), case.coordinator)
    page = client.get(reverse("documents:inspection", args=[case.reference])).content.decode()
    assert "Marieke de Vries, moeder, ontvangen op 31 januari 2026: beantwoorden uiterlijk 28 februari 2026" in page
    assert "te laat" in page  # 2026-02-28 lies before today
    event = AuditEvent.objects.get(action="access_request.create")
    assert event.case_id == case.pk and event.details["deadline"] == "2026-02-28"
    assert "Marieke" not in str(event.details)  # the requester's name stays in the dossier, not the trail


def test_a_request_received_tomorrow_is_refused_in_dutch_and_nothing_is_stored(case, people, verified_client):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = register(verified_client(people[Role.IB]), case, received_on=tomorrow.isoformat())
    assert response.status_code == 400
    assert "Deze datum ligt in de toekomst." in response.content.decode()
    assert not AccessRequest.objects.exists() and not Task.objects.exists()


def test_sending_the_form_twice_registers_the_request_once(case, people, verified_client):
    client = verified_client(people[Role.IB])
    data = with_key({"requester": "Marieke de Vries, moeder", "received_on": RECEIVED.isoformat()})
    url = reverse("documents:access_request", args=[case.reference])
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert AccessRequest.objects.count() == 1 and Task.objects.count() == 1


@pytest.mark.parametrize("who", ["teacher_on_the_team", "ib_of_another_school", "privacy_officer"])
def test_only_who_may_prepare_the_inspection_copy_may_register_or_extend(who, case, people, verified_client,
                                                                          other_school, make_user):
    user = {"teacher_on_the_team": people[Role.LEERKRACHT], "privacy_officer": people[Role.PRIVACY],
            "ib_of_another_school": make_user(Role.IB, other_school)}[who]
    client = verified_client(user)
    assert register(client, case).status_code == 404
    access_request = AccessRequest.objects.create(case=case, requester="Marieke de Vries, moeder",
                                                  received_on=RECEIVED, recorded_by=people[Role.IB])
    assert extend(client, case, access_request, extended_until="2026-04-30", reason="Groot dossier.",
                  told_on="2026-02-20").status_code == 404
    assert client.get(reverse("documents:access_request", args=[case.reference])).status_code == 404
    access_request.refresh_from_db()
    assert access_request.extended_until is None and AccessRequest.objects.count() == 1


def test_an_extension_moves_the_task_and_is_reminded_again(case, people, verified_client):
    """AVG art. 12(3): extendable by two further months, the requester told within the first month, with reasons."""
    client = verified_client(people[Role.IB])
    register(client, case)
    access_request = AccessRequest.objects.get()
    Task.objects.filter(kind=Task.Kind.ACCESS_REQUEST).update(reminded_at=timezone.now())
    response = extend(client, case, access_request, extended_until="2026-04-30",
                      reason="Het dossier is omvangrijk.", told_on="2026-02-20")
    assert response.status_code == 302
    access_request.refresh_from_db()
    assert access_request.deadline == datetime.date(2026, 4, 30)
    assert access_request.extension_reason == "Het dossier is omvangrijk."
    task = Task.objects.get(kind=Task.Kind.ACCESS_REQUEST)
    assert task.due_on == datetime.date(2026, 4, 30) and task.reminded_at is None
    assert AuditEvent.objects.filter(action="access_request.extend").count() == 1


@pytest.mark.parametrize("data, message", [
    ({"extended_until": "2026-05-01", "told_on": "2026-02-20"},
     "De termijn kan met ten hoogste twee maanden worden verlengd: uiterlijk 30 april 2026."),
    ({"extended_until": "2026-04-30", "told_on": "2026-03-02"},
     "Een verlenging moet binnen een maand na ontvangst aan de verzoeker zijn gemeld (uiterlijk 28 februari 2026)."),
    ({"extended_until": "2026-02-27", "told_on": "2026-02-20"},
     "Kies een datum na de huidige termijn (28 februari 2026)."),
    ({"extended_until": "2026-04-30", "told_on": "2026-02-20", "reason": ""}, "Dit veld is verplicht."),
])
def test_an_extension_outside_the_law_is_refused_and_changes_nothing(data, message, case, people, verified_client):
    client = verified_client(people[Role.IB])
    register(client, case)
    access_request = AccessRequest.objects.get()
    response = extend(client, case, access_request, **{"reason": "Het dossier is omvangrijk.", **data})
    assert response.status_code == 400
    assert message in response.content.decode()
    access_request.refresh_from_db()
    assert access_request.extended_until is None and access_request.extension_reason == ""
    assert Task.objects.get(kind=Task.Kind.ACCESS_REQUEST).due_on == datetime.date(2026, 2, 28)


def test_the_inspection_copy_made_for_the_request_answers_it_and_ends_the_task(case, people, exporting_client):
    client = exporting_client(people[Role.IB])
    register(client, case)
    access_request = AccessRequest.objects.get()
    response = client.post(reverse("documents:inspection", args=[case.reference]),
                           {"for_whom": "Marieke de Vries, moeder", "answers": str(access_request.pk)})
    assert response.status_code == 302
    access_request.refresh_from_db()
    assert access_request.answered_on == timezone.localdate() and access_request.answer is not None
    assert Task.objects.get(kind=Task.Kind.ACCESS_REQUEST).done_at is not None
    assert send_due_reminders() == 0
    page = client.get(reverse("documents:inspection", args=[case.reference])).content.decode()
    assert "Er staat geen inzageverzoek open." in page
    event = AuditEvent.objects.get(action="export.inspection")
    assert event.details["access_request"] == access_request.pk


def test_an_unanswered_request_past_its_term_is_reminded_to_the_coordinator_without_content(
        case, people, verified_client, django_capture_on_commit_callbacks):
    register(verified_client(people[Role.IB]), case)
    assert send_due_reminders(today=datetime.date(2026, 3, 1)) == 1
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [people[Role.IB].email]
    assert "Marieke" not in mail.outbox[0].body


def test_the_request_is_destroyed_with_the_dossier(case, people, verified_client):
    from cases.retention import destroy

    register(verified_client(people[Role.IB]), case)
    destroy(case)
    assert not AccessRequest.objects.exists() and not Task.objects.exists()
