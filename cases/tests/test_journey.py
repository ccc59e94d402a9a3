"""The whole dossier journey through the real views, with the guidance checked at every step.

(The same journey runs in a real browser in e2e/; this one pins the rules down fast.)
"""

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.roles import Role
from cases.models import Case, Entry
from core.testing import confirmed, with_key
from schools.models import Guardian

NOW = "2026-11-02T09:00"


def step_of(page):
    match = re.search(r'class="route-step state-current"[^>]*>\s*<span class="route-id">([^<]+)</span>', page)
    return match.group(1) if match else None


@pytest.fixture
def team(people, make_user, school):
    return {"teacher": people[Role.LEERKRACHT], "ib": people[Role.IB], "directie": people[Role.DIRECTIE]}


def post_entry(client, case, kind, data, expect=302):
    # A decision goes through its confirmation page, as in the browser.
    response = confirmed(client, reverse("cases:new_entry", args=[case.reference, kind]),
                         with_key({"occurred_at": NOW, "action": "save", **data}))
    assert response.status_code == expect, response.content.decode()[:3000]
    return response


def page_of(client, case):
    response = client.get(reverse("cases:detail", args=[case.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_case_follows_the_national_meldcode_from_signal_to_closure(adopted, team, pupil, verified_client, school):
    teacher, ib = verified_client(team["teacher"]), verified_client(team["ib"])

    # The teacher opens the case; the IB becomes coordinator.
    response = teacher.post(reverse("cases:open", args=[school.slug]),
                            with_key({"pupil": pupil.pk, "route": "regular"}))
    case = Case.objects.get(pupil=pupil)
    assert response["Location"] == reverse("cases:new_entry", args=[case.reference, "signal"])
    assert case.coordinator == team["ib"]
    assert step_of(page_of(teacher, case)) == "1"

    # Step 1: two signals, one of them a hypothesis.
    post_entry(teacher, case, "signal", {
        "place": "Klas", "situation": "Binnenkomst", "observation": "Blauwe plek op de bovenarm.", "is_hypothesis": "0",
        "direction": "unclear", "categories": ["lichamelijk_letsel"]})
    post_entry(teacher, case, "signal", {
        "place": "Plein", "situation": "Pauze", "observation": "Ik vermoed dat de plek niet van een val komt.",
        "is_hypothesis": "1", "direction": "confirms"})
    page = page_of(ib, case)
    assert step_of(page) == "2"
    assert "hypothese" in page

    # Step 2: the teacher consults the IB; the IB asks Veilig Thuis for anonymous advice; the parent refuses consent to discuss the child by name.
    post_entry(teacher, case, "consultation", {"with_": "colleague", "colleague_role": "ib", "anonymous": "0",
                                               "question": "Herken jij dit?", "advice": "Goed vastleggen."})
    post_entry(ib, case, "consultation", {"with_": "veilig_thuis", "anonymous": "1",
                                          "question": "Zorgen over een blauwe plek.", "advice": "Gesprek met ouders."})
    mother = Guardian.objects.create(pupil=pupil, name="Petra de Vries", relation="moeder", has_authority=True)
    post_entry(ib, case, "consent", {"status": "refused", "guardians": [mother.pk], "scope": "Bespreken in zorgteam"})
    # Without consent the care team may only hear about the child anonymously.
    refused = post_entry(ib, case, "consultation", {"with_": "care_team", "anonymous": "0", "question": "Casus",
                                                    "advice": "-"}, expect=400)
    assert "alleen anoniem" in refused.content.decode()
    # The refusal is itself a point to weigh in step 4: the guidance says so.
    assert "consent_refused" in Case.objects.get(pk=case.pk).guidance().warning_codes()
    assert "De ouder gaf geen toestemming" in page_of(ib, case)

    # Step 3: the parent conversation, held with the IB present, and signed.
    post_entry(ib, case, "conversation", {
        "purpose": "parent", "participants": "Moeder\nLeerkracht\nIB", "roles_present": ["ib", "leerkracht"],
        "purpose_explained": "Zorg delen.", "facts_presented": "De blauwe plek.", "reaction": "Moeder schrok.",
        "interpretation": "", "agreements": "Nieuw gesprek over twee weken."})
    conversation = case.entries.get(kind="conversation")
    for name in ("Moeder", "Leerkracht", "IB"):
        response = ib.post(reverse("cases:sign", args=[case.reference, conversation.pk]),
                           with_key({"participant": name, "signed": "1"}))
        assert response.status_code == 302
    hypothesis = case.entries.get(kind="signal", facts__is_hypothesis=True)
    post_entry(teacher, case, "followup", {"hypothesis": str(hypothesis.pk), "outcome": "confirmed",
                                           "text": "Sanne vertelde dat ze geslagen werd."})
    assert step_of(page_of(ib, case)) in ("4", "5")

    # Steps 4 and 5: the afwegingskader says: report. The IB weighs; the directie (final responsibility in the
    # national model) approves, and the IB records who did.
    assert teacher.get(reverse("cases:new_entry", args=[case.reference, "weighing"])).status_code == 404
    post_entry(ib, case, "weighing", {
        "q_vermoeden": "yes", "r_vermoeden": "Signalen en verhaal van Sanne.",
        "q_onveiligheid": "yes", "r_onveiligheid": "Herhaald geweld, structureel onveilig.", "consulted": "Directie",
        "approved_by": str(team["directie"].pk)})
    guidance = Case.objects.get(pk=case.pk).guidance()
    assert guidance.outcome.kind == "report"
    assert guidance.approvals == ()
    weighing = case.entries.get(kind="weighing")
    assert weighing.facts["decided_by_roles"] == ["ib"] and weighing.facts["approved_by_role"] == "directie"
    assert weighing.content["approved_by"] == team["directie"].full_name
    post_entry(ib, case, "conversation", {
        "purpose": "pre_report", "participants": "Moeder\nIB", "roles_present": ["ib"], "purpose_explained": "Melding",
        "facts_presented": "Wat Sanne vertelde.", "reaction": "Moeder is boos.",
        "objections": "Moeder vreest uithuisplaatsing; gewogen tegen de veiligheid van Sanne."})
    post_entry(ib, case, "report", {
        "reported_by": "IB", "channel": "phone", "contact_person": "Consulent", "vt_reference": "VT-123",
        "what_reported": "Blauwe plek, verhaal van Sanne.", "school_role": "School blijft Sanne volgen.",
        "approved_by": str(team["directie"].pk)})
    post_entry(ib, case, "feedback", {"from_whom": "Consulent", "feedback": "Veilig Thuis doet onderzoek."})
    case.refresh_from_db()
    assert case.tasks.filter(kind="recontact_vt", done_at__isnull=True).exists()

    # Closure, with the reason and a retention date: a coordinator's decision, approved by the directie; the
    # follow-up after the report (contact Veilig Thuis again if nothing improves) is still open, so it needs a reason.
    assert teacher.get(reverse("cases:new_entry", args=[case.reference, "closure"])).status_code == 404
    refused = post_entry(ib, case, "closure", {"reason": "handed_over", "explanation": "Overgenomen."}, expect=400)
    assert "Goedgekeurd door" in refused.content.decode() and "opvolging" in refused.content.decode()
    post_entry(ib, case, "closure", {"reason": "handed_over", "explanation": "Veilig Thuis heeft het overgenomen.",
                                     "followup_waiver": "Veilig Thuis heeft de regie; school signaleert verder.",
                                     "approved_by": str(team["directie"].pk)})
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.retain_until is not None
    assert not case.tasks.filter(done_at__isnull=True).exists()
    assert Entry.objects.filter(case=case, status=Entry.Status.SAVED).count() == 12
    assert mail.outbox == []  # nothing in this journey needed a notification


def test_a_report_is_never_blocked_and_the_skipped_steps_are_listed(adopted, team, pupil, verified_client, make_case):
    case = make_case(pupil)
    ib = verified_client(team["ib"])
    post_entry(ib, case, "report", {
        "reported_by": "IB", "channel": "phone", "contact_person": "Consulent", "what_reported": "Acute zorg.",
        "school_role": "Volgen."})
    guidance = Case.objects.get(pk=case.pk).guidance()
    assert guidance.skipped
    assert any(not s.covered for s in guidance.skipped)
    post_entry(ib, case, "exemption", {"applies_to": "parent_conversation", "ground": "safety",
                                       "explanation": "Vader dreigde met geweld als school iets zou zeggen."})
    guidance = Case.objects.get(pk=case.pk).guidance()
    parent_conversation = [s for s in guidance.skipped if "parent_conversation" in s.id or "gesprek" in s.message.lower()]
    assert parent_conversation and all(s.covered for s in parent_conversation)


def test_an_exemption_needs_a_ground_the_meldcode_allows(adopted, team, pupil, verified_client, make_case):
    case = make_case(pupil)
    response = post_entry(verified_client(team["ib"]), case, "exemption", {
        "applies_to": "parent_conversation", "ground": "too_busy", "explanation": "Geen tijd"}, expect=400)
    assert "Selecteer een geldige keuze" in response.content.decode()
    assert not case.entries.exists()


def test_acute_danger_shows_the_emergency_numbers_and_records_the_contact(adopted, team, pupil, verified_client,
                                                                          make_case):
    from socialmap.models import Organisation, PhoneNumber

    organisation = Organisation.objects.create(school=pupil.school, name="Veilig Thuis Drenthe", kind="veilig_thuis",
                                               on_emergency_sheet=True)
    PhoneNumber.objects.create(organisation=organisation, number="088-2460244", position=0)
    case = make_case(pupil, team=[team["teacher"]])
    client = verified_client(team["teacher"])
    page = client.get(reverse("cases:acute", args=[case.reference])).content.decode()
    assert "112" in page and "088-2460244" in page
    response = client.post(reverse("cases:acute", args=[case.reference]),
                           with_key({"occurred_at": NOW, "contacted": "Veilig Thuis", "summary": "Melding gedaan."}))
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.route == "acute"
    assert case.entries.filter(kind="emergency_contact", status="saved").exists()


def test_the_verwijsindex_is_suggested_only_to_schools_connected_to_it(adopted, team, pupil, make_case, add_entry):
    case = make_case(pupil)
    add_entry(case, team["teacher"])
    add_entry(case, team["ib"], kind="consultation", facts={"with": "colleague", "anonymous": False})
    case = type(case).objects.get(pk=case.pk)
    assert "verwijsindex" not in case.guidance().allowed_actions
    case.school.verwijsindex_connected = True
    case.school.save()
    case = type(case).objects.get(pk=case.pk)
    guidance = case.guidance()
    assert "verwijsindex" in guidance.allowed_actions
    assert any(a.id == "verwijsindex" for a in guidance.advice)


def test_the_weighing_refuses_answers_off_the_frameworks_path(adopted, team, pupil, verified_client, make_case):
    case = make_case(pupil)
    response = post_entry(verified_client(team["ib"]), case, "weighing", {
        "q_vermoeden": "no", "r_vermoeden": "Geen vermoeden meer.",
        "q_onveiligheid": "yes", "r_onveiligheid": "Toch onveilig?"}, expect=400)
    assert "komt na uw eerdere antwoorden niet meer aan de orde" in response.content.decode()
    assert not case.entries.exists()
