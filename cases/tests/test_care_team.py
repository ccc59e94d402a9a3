"""A meeting of the zorgteam (ZAT, ondersteuningsteam) on the case: who attended, on what basis the pupil was
discussed by name, and the agreed actions as tasks with owners (issue 16).

The basis matters: discussing a pupil by name outside the school needs the consent of the parents with gezag, or
a reason why asking would endanger the child (AVG art. 6 lid 1; Landelijk model meldcode 2019, stap 2: a
consultation can always be anonymous)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Entry, EntryKind, Task
from core.testing import with_key


@pytest.fixture
def case(make_case, pupil, people):
    return make_case(pupil, team=[people[Role.LEERKRACHT]])


def meeting(case, people, **changes):
    today = timezone.localdate()
    data = {
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "meeting": "ZAT",
        "attendees": "IB, jeugdarts GGD, schoolmaatschappelijk werk", "basis": "anonymous", "basis_reason": "",
        "discussed": "Zorgen over verzuim en vermoeidheid besproken.",
        "action_1": "Gesprek met moeder plannen", "owner_1": str(people[Role.IB].pk),
        "due_1": (today + timedelta(days=7)).isoformat(),
        "action_2": "Observeren in de klas", "owner_2": str(people[Role.LEERKRACHT].pk),
        "due_2": (today + timedelta(days=14)).isoformat(),
        "action_3": "", "owner_3": "", "due_3": "", "external_agreements": "De jeugdarts nodigt het kind uit.",
        "action": "save",
    }
    data.update(changes)
    return with_key(data)


def post(client, case, data):
    return client.post(reverse("cases:new_entry", args=[case.reference, EntryKind.CARE_TEAM]), data)


def test_a_coordinator_records_a_care_team_meeting_and_each_agreed_action_becomes_a_task_for_its_owner(
        case, people, verified_client):
    client = verified_client(people[Role.IB])
    response = post(client, case, meeting(case, people))
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = Entry.objects.get(case=case, kind=EntryKind.CARE_TEAM)
    assert entry.is_saved and entry.facts["basis"] == "anonymous"
    assert entry.content["owner_2"] == people[Role.LEERKRACHT].full_name
    tasks = {task.assignee_id: task for task in Task.objects.filter(case=case, kind=Task.Kind.CARE_TEAM)}
    assert set(tasks) == {people[Role.IB].pk, people[Role.LEERKRACHT].pk}
    assert tasks[people[Role.LEERKRACHT].pk].due_on == timezone.localdate() + timedelta(days=14)
    assert any(event.details.get("kind") == "care_team"
               for event in AuditEvent.objects.filter(action="entry.create", case_id=case.pk))
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "jeugdarts GGD" in page and "Observeren in de klas" in page
    # Each agreed action with its label, never a field's code name.
    assert "Wie doet actie 2" in page and "owner_2" not in page and "external_agreements" not in page


def test_discussing_by_name_with_consent_needs_a_consent_that_stands(case, people, verified_client, add_entry):
    client = verified_client(people[Role.IB])
    response = post(client, case, meeting(case, people, basis="consent"))
    assert response.status_code == 400
    assert "geen geldende toestemming" in response.content.decode()
    add_entry(case, people[Role.IB], kind=EntryKind.CONSENT, content={"given_by": "Moeder"},
              facts={"status": "given"})
    add_entry(case, people[Role.IB], kind=EntryKind.CONSENT, content={"given_by": "Moeder"},
              facts={"status": "withdrawn"}, when=timezone.now() + timedelta(seconds=1))
    response = post(client, case, meeting(case, people, basis="consent"))
    assert response.status_code == 400, "a withdrawn consent no longer counts"
    assert not Entry.objects.filter(case=case, kind=EntryKind.CARE_TEAM).exists()


def test_discussing_by_name_without_consent_needs_the_reason(case, people, verified_client):
    client = verified_client(people[Role.IB])
    response = post(client, case, meeting(case, people, basis="no_consent"))
    assert response.status_code == 400
    assert "zonder toestemming met naam is besproken" in response.content.decode()
    response = post(client, case, meeting(case, people, basis="no_consent",
                                          basis_reason="Vader is de vermoedelijke pleger; vragen brengt het kind in gevaar."))
    assert response.status_code == 302


def test_an_action_needs_its_owner_and_date_and_nothing_is_stored_without_them(case, people, verified_client):
    client = verified_client(people[Role.IB])
    response = post(client, case, meeting(case, people, owner_1="", due_2=""))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Kies wie deze actie doet." in body and "Kies wanneer deze actie klaar moet zijn." in body
    assert not Entry.objects.filter(case=case).exists() and not Task.objects.filter(case=case).exists()


def test_an_owner_must_be_someone_who_can_open_the_dossier(case, people, verified_client, other_school, make_user):
    outsider = make_user(Role.IB, other_school)
    colleague_outside_team = make_user(Role.LEERKRACHT, case.school)
    client = verified_client(people[Role.IB])
    for person in (outsider, colleague_outside_team):
        response = post(client, case, meeting(case, people, owner_1=str(person.pk)))
        assert response.status_code == 400
    assert not Task.objects.filter(case=case).exists()


def test_a_teacher_on_the_team_cannot_record_a_care_team_meeting_and_gets_not_found(case, people, verified_client):
    """The coordinator organises the zorgteam and its consent basis (Landelijk model 2019, stap 2: the
    aandachtsfunctionaris consults); a leerkracht gets the same 404 as for a page that does not exist."""
    client = verified_client(people[Role.LEERKRACHT])
    url = reverse("cases:new_entry", args=[case.reference, EntryKind.CARE_TEAM])
    assert client.get(url).status_code == 404
    assert post(client, case, meeting(case, people)).status_code == 404
    assert "care_team" not in client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert not Entry.objects.filter(case=case).exists() and not Task.objects.filter(case=case).exists()


def test_a_teacher_outside_the_team_gets_not_found(case, people, verified_client, make_user):
    stranger = make_user(Role.LEERKRACHT, case.school)
    response = post(verified_client(stranger), case, meeting(case, people))
    assert response.status_code == 404
    assert not Entry.objects.filter(case=case).exists()


def test_consent_from_a_parent_without_gezag_is_no_basis_for_discussing_by_name(case, people, verified_client,
                                                                                   add_entry):
    """BW 1:245 and 1:251: consent comes from a parent with gezag (see cases/tests/test_gezag.py)."""
    add_entry(case, people[Role.IB], kind=EntryKind.CONSENT, content={"guardians": "Stiefvader"},
              facts={"status": "given", "guardians": [1], "guardians_with_authority": []})
    response = post(verified_client(people[Role.IB]), case, meeting(case, people, basis="consent"))
    assert response.status_code == 400
    assert not Entry.objects.filter(case=case, kind=EntryKind.CARE_TEAM).exists()
