"""Complaints about the handling of a case and the parent's or pupil's own statement (zienswijze)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Entry
from core.testing import with_key

pytestmark = pytest.mark.django_db


def complaint_post(**changes):
    today = timezone.localdate()
    return with_key({
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "follows": "",
        "complainant": "Marieke de Vries, moeder", "channel": "lkc", "received_on": today.isoformat(),
        "subject": "De school meldde zonder eerst met ons te praten.", "handled_on": "", "handling": "",
        "outcome": "pending", "decided_on": "", "decision": "", "action": "save", **changes})


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    add_entry(case, people[Role.LEERKRACHT], content={"observation": "Een blauwe plek op de arm."})
    return case


@pytest.mark.parametrize("role", [Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE])
def test_a_coordinator_or_the_directie_records_a_complaint_with_channel_dates_and_outcome(
        case, people, make_user, school, verified_client, role):
    user = people[role]
    client = verified_client(user)
    response = client.post(reverse("cases:new_entry", args=[case.reference, "complaint"]), complaint_post())
    assert response.status_code == 302
    complaint = Entry.objects.get(case=case, kind="complaint")
    assert complaint.is_saved and complaint.author == user
    assert complaint.facts["channel"] == "lkc" and complaint.facts["outcome"] == "pending"
    assert complaint.facts["received_on"] == timezone.localdate().isoformat()
    assert complaint.content["subject"].startswith("De school meldde")
    assert AuditEvent.objects.filter(action="entry.create", case_id=case.pk,
                                     object_repr__endswith=f"#{complaint.pk}").exists()
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "Bij de Landelijke Klachtencommissie (LKC)" in page
    assert "Steunen medewerkers die door ouders worden aangesproken" in page


def test_the_decision_on_a_complaint_follows_it_with_its_date(case, people, verified_client):
    client = verified_client(people[Role.IB])
    client.post(reverse("cases:new_entry", args=[case.reference, "complaint"]), complaint_post())
    first = Entry.objects.get(case=case, kind="complaint")
    today = timezone.localdate().isoformat()
    response = client.post(reverse("cases:new_entry", args=[case.reference, "complaint"]), complaint_post(
        follows=str(first.pk), handled_on=today, outcome="unfounded", decided_on=today,
        decision="De LKC acht de klacht ongegrond."))
    assert response.status_code == 302
    decision = Entry.objects.filter(case=case, kind="complaint").latest("pk")
    assert decision.facts["follows"] == first.pk and decision.facts["outcome"] == "unfounded"
    assert decision.facts["decided_on"] == today


@pytest.mark.parametrize("kind", ["complaint", "statement", "handover"])
def test_a_teacher_on_the_team_gets_404_on_the_complaint_statement_and_handover_forms(
        case, people, verified_client, kind):
    client = verified_client(people[Role.LEERKRACHT])
    url = reverse("cases:new_entry", args=[case.reference, kind])
    assert client.get(url).status_code == 404
    assert client.post(url, complaint_post()).status_code == 404
    assert not Entry.objects.filter(case=case, kind=kind).exists()
    menu = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert url not in menu


def test_a_complaint_received_in_the_future_or_without_subject_is_refused_in_dutch_and_nothing_is_stored(
        case, people, verified_client):
    client = verified_client(people[Role.IB])
    tomorrow = (timezone.localdate() + timezone.timedelta(days=1)).isoformat()
    response = client.post(reverse("cases:new_entry", args=[case.reference, "complaint"]),
                           complaint_post(received_on=tomorrow, subject=""))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Er is een probleem" in body
    assert "Deze datum ligt in de toekomst." in body and "Dit veld is verplicht." in body
    assert not Entry.objects.filter(case=case, kind="complaint").exists()


def test_a_decided_complaint_needs_its_decision_date(case, people, verified_client):
    client = verified_client(people[Role.IB])
    response = client.post(reverse("cases:new_entry", args=[case.reference, "complaint"]),
                           complaint_post(outcome="founded"))
    assert response.status_code == 400
    assert "Vul de datum van de uitspraak of het besluit in." in response.content.decode()
    assert not Entry.objects.filter(case=case, kind="complaint").exists()


def test_a_parents_statement_refers_to_the_entries_it_concerns_and_cannot_be_changed(
        case, people, verified_client):
    from cases.models import ImmutableEntryError

    signal = Entry.objects.get(case=case, kind="signal")
    client = verified_client(people[Role.IB])
    response = client.post(reverse("cases:new_entry", args=[case.reference, "statement"]), with_key({
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "by_whom": "parent",
        "name": "Marieke de Vries, moeder", "received_on": timezone.localdate().isoformat(),
        "concerns": [str(signal.pk)], "text": "Sanne viel van haar fiets; dat hebben wij de juf verteld.",
        "action": "save"}))
    assert response.status_code == 302
    statement = Entry.objects.get(case=case, kind="statement")
    assert statement.facts["concerns"] == [signal.pk] and statement.facts["by_whom"] == "parent"
    assert statement.content["concerns_list"].startswith(f"{signal.seq}. ")
    statement.content = {"text": "Iets anders."}
    with pytest.raises(ImmutableEntryError):
        statement.save()


def test_a_statement_without_concerned_entries_is_refused_and_nothing_is_stored(case, people, verified_client):
    client = verified_client(people[Role.DIRECTIE])
    response = client.post(reverse("cases:new_entry", args=[case.reference, "statement"]), with_key({
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "by_whom": "parent",
        "name": "Marieke de Vries", "received_on": timezone.localdate().isoformat(), "text": "",
        "action": "save"}))
    assert response.status_code == 400
    assert "Er is een probleem" in response.content.decode()
    assert not Entry.objects.filter(case=case, kind="statement").exists()


def test_without_a_promise_in_the_meldcode_staff_are_pointed_to_the_directie_and_the_vertrouwenspersoon():
    from cases.journal import staff_support

    class Bare:
        responsibilities = ()

    lines = staff_support(Bare())
    assert len(lines) == 1 and "directie" in lines[0] and "vertrouwenspersoon" in lines[0]


def test_a_teacher_gets_404_on_correcting_a_statement_and_a_coordinator_corrects_it_with_a_reason(
        case, people, verified_client, add_entry):
    signal = Entry.objects.get(case=case, kind="signal")
    statement = add_entry(case, people[Role.IB], kind="statement",
                          content={"name": "Marieke de Vries", "text": "Het klopt niet."},
                          facts={"concerns": [signal.pk], "by_whom": "parent"})
    url = reverse("cases:correct", args=[case.reference, statement.pk])
    assert verified_client(people[Role.LEERKRACHT]).get(url).status_code == 404
    response = verified_client(people[Role.IB]).post(url, with_key({
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "by_whom": "parent",
        "name": "Marieke de Vries, moeder", "received_on": timezone.localdate().isoformat(),
        "concerns": [str(signal.pk)], "text": "Het klopt niet: zij viel van de fiets.",
        "reason": "De zienswijze was onvolledig overgenomen."}))
    assert response.status_code == 302
    correction = Entry.objects.get(case=case, kind="statement", corrects=statement)
    assert correction.content["text"].endswith("van de fiets.")
    assert Entry.objects.get(pk=statement.pk).content["text"] == "Het klopt niet."


def test_a_teacher_on_the_team_sees_the_support_the_meldcode_promises_once_a_parent_complains(
        case, people, verified_client, add_entry):
    client = verified_client(people[Role.LEERKRACHT])
    support = "Steunen medewerkers die door ouders worden aangesproken op het toepassen van de meldcode."
    assert support not in client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    add_entry(case, people[Role.IB], kind="complaint", content={"subject": "De melding."},
              facts={"channel": "school", "outcome": "pending"})
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert support in page and "vertrouwenspersoon" in page
