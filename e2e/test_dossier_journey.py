"""The whole regular route of a case in the browser, with the guidance checked after every step.

A teacher records two signals (one a hypothesis); the IB consults Veilig Thuis anonymously and a colleague,
records the parent's refusal of consent, holds and signs the parent conversation, confirms the hypothesis,
weighs with the afwegingskader, discusses the report with the parent, reports, records the feedback and
follows up until the case is closed.
"""

import re

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case, Entry
from e2e.journal import (
    current_step,
    fill_fields,
    needs,
    notices,
    open_entry_form,
    outcome,
    route_states,
    save_entry,
    tasks,
)
from schools.models import Guardian

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = ("1", "2", "3", "4", "5a", "5b")


def route(**states) -> dict[str, str]:
    """Expected route diagram; unnamed steps are still open. route(s1="done", s2="current")."""
    return {step: states.get(f"s{step}", "open") for step in STEPS}


def has_need(page, text) -> bool:
    return any(text in line for line in needs(page))


def has_notice(page, text) -> bool:
    return any(text in line for line in notices(page))


def test_a_case_goes_from_first_signal_to_closure_with_the_guidance_following_every_step(
        signed_in, people, school, pupil, adopted):
    teacher, ib = people[Role.LEERKRACHT], people[Role.IB]

    # Step 1: the teacher opens the dossier and records a fact and a hypothesis.
    tp = signed_in(teacher)
    tp.goto(f"/dossiers/{school.slug}/nieuw/")
    fill_fields(tp, {"pupil": str(pupil.pk)})
    tp.get_by_role("button", name="Dossier openen").click()
    expect(tp.locator("h1")).to_have_text("Signaal of observatie")
    fill_fields(tp, {"place": "Gymzaal", "situation": "Bij het omkleden voor de gymles.",
                     "observation": "Blauwe plekken op beide bovenarmen.", "is_hypothesis": "0"})
    save_entry(tp)
    assert route_states(tp) == route(s1="done", s2="current")
    assert has_need(tp, "Stap 2: Bespreek de signalen met een deskundige collega")
    assert has_need(tp, "Vraag bij twijfel advies aan Veilig Thuis")
    assert not has_notice(tp, "hypothese")

    open_entry_form(tp, "Signaal of observatie")
    fill_fields(tp, {"place": "Schoolplein", "situation": "Bij het ophalen na schooltijd.",
                     "observation": "Sanne schrok toen haar vader riep; misschien is ze bang voor hem.",
                     "is_hypothesis": "1"})
    save_entry(tp)
    assert has_notice(tp, "Er staat 1 hypothese open")
    assert any(t.startswith("Open hypothese bevestigen of ontkrachten") for t in tasks(tp))
    expect(tp.locator('article[data-kind="signal"] .badge', has_text="hypothese")).to_have_count(1)

    case = Case.objects.get(pupil=pupil)
    assert case.current_step == "2"
    assert case.entries.filter(status=Entry.Status.SAVED).count() == 2

    # Step 2: the IB asks Veilig Thuis for advice, anonymously: the advice is followed, the duty still open.
    ip = signed_in(ib)
    ip.goto(f"/dossiers/d/{case.reference}/")
    assert current_step(ip) == "2"
    open_entry_form(ip, "Consultatie")
    fill_fields(ip, {"with_": "veilig_thuis", "anonymous": "1", "question": "Blauwe plekken en schrikreactie.",
                     "advice": "Voer het gesprek met de ouders en bel daarna opnieuw."})
    save_entry(ip)
    assert current_step(ip) == "2"
    assert not has_need(ip, "Vraag bij twijfel advies aan Veilig Thuis")
    assert has_need(ip, "Stap 2: Bespreek de signalen met een deskundige collega")
    consulted = case.entries.get(kind="consultation")
    assert consulted.facts == {"with": "veilig_thuis", "anonymous": True}

    open_entry_form(ip, "Consultatie")
    fill_fields(ip, {"with_": "colleague", "colleague_role": "leerkracht", "anonymous": "0",
                     "question": "Wat ziet de leerkracht in de klas?", "advice": "Samen het oudergesprek voorbereiden."})
    save_entry(ip)
    assert route_states(ip) == route(s1="done", s2="done", s3="current")
    assert has_need(ip, "Stap 3: Voer het gesprek met de ouder")

    # The parent refuses consent to discuss Sanne by name: a warning and a task, the step does not change.
    anna = Guardian.objects.create(pupil=pupil, name="Anna de Vries", relation="moeder", has_authority=True)
    open_entry_form(ip, "Toestemming ouder")
    fill_fields(ip, {"status": "refused", "guardians": [str(anna.pk)],
                     "notes": "Moeder wil niet dat Sanne met naam wordt besproken."})
    save_entry(ip)
    assert current_step(ip) == "3"
    assert has_notice(ip, "De ouder gaf geen toestemming")
    assert any(t.startswith("Toestemming van de ouder ontbreekt") for t in tasks(ip))

    # Step 3: the parent conversation, then its sign-off.
    open_entry_form(ip, "Gespreksverslag")
    fill_fields(ip, {"purpose": "parent", "participants": "Anna de Vries, moeder\nIB Test, intern begeleider",
                     "roles_present": ["ib", "leerkracht"], "purpose_explained": "Wij maken ons zorgen om Sanne.",
                     "facts_presented": "De blauwe plekken en de schrikreactie.",
                     "reaction": "Moeder zegt dat Sanne veel valt bij het buitenspelen."})
    save_entry(ip)
    assert route_states(ip) == route(s1="done", s2="done", s3="done", s4="current")
    # An open hypothesis is advice at the weighing, never a requirement that blocks it (national model 2019).
    assert has_need(ip, "Stap 4: Doorloop het afwegingskader")
    conversation = ip.locator('article[data-kind="conversation"]')
    expect(conversation.get_by_text("Nog door niemand ondertekend.")).to_be_visible()

    conversation.get_by_role("link", name="Ondertekening vastleggen").click()
    fill_fields(ip, {"participant": "Anna de Vries", "signed": "1"})
    ip.locator("main form").get_by_role("button").click()
    # Signing is final: a check-your-answers page comes first.
    ip.get_by_role("button", name=re.compile("^Bevestigen")).click()
    expect(ip.get_by_text("De ondertekening is vastgelegd.")).to_be_visible()
    expect(ip.locator('article[data-kind="conversation"]')).to_contain_text("Anna de Vries: getekend op")

    # Step 4: the hypothesis is confirmed, then the afwegingskader says: report.
    open_entry_form(ip, "Vervolgaantekening")
    hypothesis = ip.locator('[name="hypothesis"] option').nth(1).get_attribute("value")
    fill_fields(ip, {"hypothesis": hypothesis, "outcome": "confirmed",
                     "text": "Sanne vertelde zelf dat zij bang is als vader boos wordt."})
    save_entry(ip)
    assert current_step(ip) == "4"
    assert not has_need(ip, "Stap 4: Leg bij elke hypothese vast")
    assert not has_notice(ip, "hypothese open") and not has_notice(ip, "hypothesen open")
    assert not any(t.startswith("Open hypothese") for t in tasks(ip))
    assert outcome(ip) is None

    open_entry_form(ip, "Weging met het afwegingskader")
    fill_fields(ip, {"q_vermoeden": "yes", "r_vermoeden": "Signalen, bevestigde hypothese, oudergesprek.",
                     "q_onveiligheid": "yes", "r_onveiligheid": "Structureel; bij twijfel antwoorden wij ja.",
                     "consulted": "Directie"})
    save_entry(ip)
    assert outcome(ip) == "report"
    # Step 5 is two decisions (national model 2019): reporting does not make help "skipped".
    assert route_states(ip) == route(s1="done", s2="done", s3="done", s4="done", s5a="open", s5b="current")
    assert has_notice(ip, "Meld bij Veilig Thuis.")
    for need in ("Bespreek de voorgenomen melding vooraf met de ouder", "Doe de melding bij Veilig Thuis",
                 "Leg de terugkoppeling van Veilig Thuis vast"):
        assert has_need(ip, f"Stap 5b: {need}")

    # Step 5b: the conversation about the report, the report, the feedback.
    open_entry_form(ip, "Gespreksverslag")
    fill_fields(ip, {"purpose": "pre_report", "participants": "Anna de Vries, moeder\nIB Test, intern begeleider",
                     "purpose_explained": "Wij vertellen dat wij gaan melden en waarom.",
                     "facts_presented": "Wat wij zagen en wat Sanne vertelde.", "reaction": "Moeder is boos.",
                     "objections": "Moeder is bang voor de gevolgen; uitgelegd wat Veilig Thuis doet."})
    save_entry(ip)
    assert current_step(ip) == "5b"
    assert not has_need(ip, "Bespreek de voorgenomen melding")
    assert has_need(ip, "Stap 5b: Doe de melding bij Veilig Thuis")

    open_entry_form(ip, "Besluit 5b: melding bij Veilig Thuis")
    fill_fields(ip, {"reported_by": "IB Test", "channel": "phone", "contact_person": "Mevrouw Bakker",
                     "what_reported": "Blauwe plekken; Sanne is bang voor vader.",
                     "school_role": "School volgt Sanne en belt na zes weken."})
    save_entry(ip)
    assert not has_need(ip, "Doe de melding")
    assert not has_notice(ip, "Meld bij Veilig Thuis.")
    assert has_need(ip, "Stap 5b: Leg de terugkoppeling van Veilig Thuis vast")
    assert any(t.startswith("Opnieuw contact met Veilig Thuis") for t in tasks(ip))

    open_entry_form(ip, "Terugkoppeling van Veilig Thuis")
    fill_fields(ip, {"from_whom": "Mevrouw Bakker", "feedback": "Veilig Thuis start een onderzoek."})
    save_entry(ip)
    assert current_step(ip) == "5b"
    assert has_need(ip, "Blijf de leerling volgen. Sluit het dossier af als Veilig Thuis het heeft overgenomen.")

    # Following up, then closing: the route is complete and nothing can be added any more.
    open_entry_form(ip, "Vervolgaantekening")
    fill_fields(ip, {"outcome": "none", "text": "Sanne is rustiger in de klas."})
    save_entry(ip)
    assert has_need(ip, "Blijf de leerling volgen")

    open_entry_form(ip, "Afsluiting")
    # Closing is the coordinator's decision, approved by final responsibility (the directie in the national
    # model); the follow-up after the report ends only with a reason.
    fill_fields(ip, {"reason": "handed_over", "explanation": "Veilig Thuis heeft de zorg overgenomen.",
                     "followup_waiver": "Veilig Thuis heeft de regie; de school signaleert verder.",
                     "approved_by": str(people[Role.DIRECTIE].pk)})
    save_entry(ip)
    assert current_step(ip) is None
    assert route_states(ip) == route(s1="done", s2="done", s3="done", s4="done", s5a="skipped", s5b="done")
    # A closed dossier gives no more instructions: it says when and why it was closed and until when it is kept.
    expect(ip.locator("section.guidance")).to_have_count(0)
    expect(ip.get_by_role("region", name="Dossier gesloten")).to_contain_text("Reden: Overgedragen.")
    expect(ip.get_by_role("region", name="Dossier gesloten")).to_contain_text("bewaard tot")
    assert tasks(ip) == ["Geen open acties."]
    expect(ip.locator(".entry-menu")).to_have_count(0)
    expect(ip.get_by_role("link", name="Acuut gevaar", exact=True)).to_have_count(0)

    case.refresh_from_db()
    assert (case.status, case.current_step, case.closure_reason) == (Case.Status.CLOSED, "closed", "handed_over")
    assert case.entries.filter(status=Entry.Status.SAVED).count() == 13

    # The teacher who started it sees the same closed case.
    tp.goto(f"/dossiers/d/{case.reference}/")
    expect(tp.locator(".case-head")).to_contain_text("Gesloten")
