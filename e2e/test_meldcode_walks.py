"""Every meldcode in protocol/definitions (the shipped ones and the examples, found in the folder, so that a new file
is walked too) takes a case from the first signal to its closure in the browser (issue 13). The coordinator follows
the case page's next action each time: the signal, the consultations, the parent conversation, the afwegingskader
walked question by question, the report to Veilig Thuis with its feedback (5b) or the help with its monitoring and
evaluation (5a: the national model, and De Wilgenhoek with its handelingsplan as well), and the closure, each
decision through its check-your-answers page.

At every step the case page quotes that school's own guidance, role rules and checklist, the need being met quotes
the school's own rule, and the forms use the school's names (report point, care team, acute route). After each save
the need that was met is gone: the next action led on."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case, Entry
from e2e.journal import fill_fields, open_entry_form, save_entry
from protocol.definition import DEFINITIONS_DIR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHIPPED = sorted(DEFINITIONS_DIR.glob("*.yaml"))
EXAMPLES = sorted((DEFINITIONS_DIR / "examples").glob("*.yaml"))
DEFINITION_FILES = SHIPPED + EXAMPLES

# Sentences only that school's file has (quoted from the YAML), by step: the guidance must quote them there. A file
# not named here is still walked and checked against its own texts (assert_step_guidance).
OWN_SENTENCES = {
    "landelijk-2019": {"1": "Observeer de leerling en leg signalen direct vast: datum, plaats, situatie en wie er nog "
                            "bij waren."},
    "jso-2010": {"2": "Bespreek de signalen met de intern begeleider, de directie, de aandachtsfunctionaris, een "
                      "collega of de jeugdarts of jeugdverpleegkundige, en zo nodig in het zorgadviesteam of met het "
                      "Centrum voor Jeugd en Gezin.",
                 "4": "Het basisonderwijs gebruikt geen risicotaxatie-instrument."},
    "de-sprong": {"2": "Bespreek de signalen met de IB.",
                  "3": "Bespreek de signalen met de ouder en doe dit samen met de ib'er."},
}
# The national model takes the other decision of step 5: help (5a) with monitoring moments and an evaluation; De
# Wilgenhoek (format 2) walks both, its 5a with the conversation after the decision and a handelingsplan.
HELP_ROUTE = {"landelijk-2019"}
BOTH_ROUTES = {"de-wilgenhoek"}
WALKS = [(path, "help" if path.stem in HELP_ROUTE else "report") for path in DEFINITION_FILES] + [
    (path, "help") for path in DEFINITION_FILES if path.stem in BOTH_ROUTES]
MAX_ACTIONS = 25

TEXTS = {
    "place": "Gymzaal", "situation": "Bij het omkleden.", "observation": "Blauwe plekken op beide armen.",
    "question": "Wat zien jullie?", "advice": "Het gesprek met de ouder voorbereiden.",
    "participants": "Anna de Vries, moeder\nIB Test, intern begeleider", "purpose_explained": "Wij maken ons zorgen.",
    "facts_presented": "De blauwe plekken.", "reaction": "Moeder zegt dat Sanne viel.", "objections": "Geen.",
    "help_description": "Opvoedondersteuning thuis door het wijkteam.", "provider_other": "Wijkteam Noord",
    "case_manager": "Petra Jansen, wijkteam", "plan": "Wekelijks huisbezoek; de school volgt Sanne in de klas.",
    "evaluation": "Sanne is rustiger; moeder zegt dat de ondersteuning helpt.",
    "reported_by": "IB Test", "contact_person": "Mevrouw Bakker", "what_reported": "Blauwe plekken; Sanne is bang.",
    "school_role": "De school volgt Sanne en neemt na zes weken opnieuw contact op.",
    "from_whom": "Mevrouw Bakker", "feedback": "Er start een onderzoek.",
    "goals": "Sanne komt veilig en uitgerust op school.", "actions": "De leerkracht houdt een logboek bij.",
    "text": "Sanne is rustiger in de klas.", "consulted": "Directie",
    "explanation": "De zorg is overgedragen of afgerond.", "followup_waiver": "Het meldpunt heeft de regie.",
    "deviation_reason": "Niet van toepassing.",
}


def flat(text: str) -> str:
    return " ".join(text.split())


def version_for(path, school, people):
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions, store_version

    if path in SHIPPED:
        ensure_shipped_versions()
        version = MeldcodeVersion.objects.get(key=path.stem, owner_school__isnull=True, owner_board__isnull=True)
    else:
        version = store_version(path.read_text(encoding="utf-8"), filename=path.name, school=school,
                                uploaded_by=people[Role.DIRECTIE])
    if not version.legal_problems():
        adopt(school, version, people[Role.DIRECTIE])
    return version


def report_point(definition) -> str:
    """The school's report point as the app names it: bodies that no longer exist (AMK, Steunpunt Huiselijk Geweld)
    are shown as Veilig Thuis (issue 13)."""
    name = definition.names.report_point
    return name if "Veilig Thuis" in name else "Veilig Thuis"


def assert_step_guidance(page, case):
    """The case page shows the current step's own guidance, role rules and checklist, quoting the school's file."""
    case.refresh_from_db()
    step = case.definition().step(case.current_step)
    section = page.get_by_test_id("step-guidance")
    expect(section).to_have_attribute("data-step", step.id)
    text = flat(section.inner_text())
    key = case.definition().key
    assert flat(step.title) in text and flat(step.guidance) in text, (key, step.id)
    for line in (*step.role_rules, *step.actions):
        assert flat(line) in text, (key, step.id, line)
    own = OWN_SENTENCES.get(key, {}).get(step.id)
    if own:
        assert own in text, (key, step.id, own)
    return step.id


def requirement_of(definition, step_id, need_id):
    """The school's requirement behind a need: in the current step first, else in the step that asks it."""
    steps = sorted(definition.steps, key=lambda step: step.id != step_id)
    return next((r for step in steps for r in (*step.requires, *step.advice) if r.id == need_id), None)


def form_values(kind, requirement, definition) -> dict:
    """What the coordinator types for this kind of entry, with what the school's requirement asks for (with whom,
    which conversation, who is present, which party)."""
    values = {}
    if kind == "signal":
        values["is_hypothesis"] = "0"
    elif kind == "consultation":
        values.update({"with_": "colleague", "colleague_role": "leerkracht", "anonymous": "1"})
    elif kind == "conversation":
        values["purpose"] = "parent"
    elif kind == "help_evaluation":
        values.update({"reached": "1", "effective": "1"})
    elif kind == "report":
        values["channel"] = "phone"
    elif kind == "help":
        values["deadline"] = (timezone.localdate() + timedelta(days=42)).isoformat()
        soon = (timezone.localdate() + timedelta(days=14)).strftime("%d-%m-%Y")
        values["monitoring"] = f"{soon} gesprek met moeder en het wijkteam"
    elif kind == "plan":
        values["evaluation_1"] = (timezone.localdate() + timedelta(days=28)).isoformat()
    if requirement is not None:
        for key, allowed in requirement.where.items():
            value = allowed[0] if isinstance(allowed, (list, tuple)) else allowed
            name = {"with": "with_"}.get(key, key)
            values[name] = ("1" if value else "0") if isinstance(value, bool) else value
        if requirement.roles_present:
            values["roles_present"] = list(requirement.roles_present)
        if requirement.parties:
            values["party" if kind == "consultation" else "parties"] = (
                requirement.parties[0] if kind == "consultation" else list(requirement.parties))
    return values


class Clock:
    """The moments of the chronology: each entry a few minutes after the one before, all in the past hour and a
    half, so that "after the report" means after it, as in a real case."""

    def __init__(self):
        self.at = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=90)

    def next(self) -> str:
        self.at += timedelta(minutes=3)
        return self.at.strftime("%Y-%m-%dT%H:%M")


def fill_visible(page, values: dict, clock: Clock):
    """Fill the fields the form shows (some appear only after an earlier choice), then the texts it asks for."""
    moment = page.locator('main [name="occurred_at"]')
    if moment.count():
        moment.fill(clock.next())
    for name, value in values.items():
        field = page.locator(f'main [name="{name}"]')
        if field.count() and (field.first.is_visible() or name in ("roles_present", "parties")):
            fill_fields(page, {name: value})
    for name, text in TEXTS.items():
        field = page.locator(f'main [name="{name}"]')
        if name not in values and field.count() and field.first.is_visible() and not field.first.input_value():
            field.first.fill(text)
    approver = page.locator('main select[name="approved_by"]')
    if approver.count() and approver.is_visible():
        approver.select_option(label=approver.locator("option", has_text="Directie").first.inner_text())


def walk_afwegingskader(page, case, want: str, clock: Clock):
    """The guided walk: each question in the school's own words; the answer that leads to `want` (report or
    start_help); once the kader has its outcome, the rest is answered later. Then the decisions and the check."""
    definition = case.definition()
    while page.get_by_test_id("walk-progress").count():
        question = definition.question(page.locator('input[name="question"]').input_value())
        main = flat(page.locator("main").inner_text())
        assert flat(question.text) in main, (definition.key, question.id)
        if question.hint:
            assert flat(question.hint) in main, (definition.key, question.id)
        later = page.get_by_label("Nog niet: deze vraag beantwoord ik later")
        if later.count():
            later.check()
        else:
            yes, no = question.yes, question.no
            wanted = [answer for answer, branch in (("Ja", yes), ("Nee", no)) if branch.outcome == want]
            going_on = [answer for answer, branch in (("Ja", yes), ("Nee", no)) if branch.outcome == "continue"]
            page.get_by_label((wanted or going_on)[0], exact=True).check()
            page.get_by_label("Onderbouwing van uw antwoord").fill("Signalen, consultatie en het oudergesprek.")
        with page.expect_navigation():  # the next question (or the outcome) before it is read
            page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", want)
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", name="De twee besluiten van stap 5")).to_be_visible()
    fill_visible(page, {}, clock)
    page.get_by_role("button", name="Verder naar controleren").click()
    expect(page.get_by_role("heading", name="Wat er gebeurt")).to_be_visible()
    page.get_by_role("button", name="Bevestigen", exact=False).first.click()
    expect(page.get_by_text("Vastgelegd in het journaal.")).to_be_visible()


def save(page, where):
    """save_entry, saying which form and which errors when it was refused."""
    try:
        save_entry(page)
    except AssertionError:
        errors = page.locator(".error-summary, .utrecht-form-field-error-message, .errorlist").all_inner_texts()
        raise AssertionError((where, page.url, page.locator("h1").first.inner_text(), errors)) from None


def open_needs(page) -> list[str]:
    return page.locator("section.guidance ul.needs > li").evaluate_all("els => els.map(e => e.dataset.need)")


def close_case(page, case, help_route: bool, clock: Clock):
    """Closing is the coordinator's decision on its own confirmation page (issue 13)."""
    link = page.locator("section.guidance a.next-action", has_text="Dossier afsluiten")
    if link.count():
        with page.expect_navigation():
            link.click()
    else:
        open_entry_form(page, "Afsluiting")
    reason = "help_completed" if help_route else "handed_over"
    options = page.locator('main [name="reason"] option').evaluate_all("os => os.map(o => o.value)")
    assert reason in options, options
    fill_visible(page, {"reason": reason}, clock)
    save(page, (case.definition().key, "closure"))


@pytest.mark.parametrize(("path", "route"), WALKS, ids=[f"{p.stem}-{route}" for p, route in WALKS])
def test_a_case_walks_the_schools_own_meldcode_to_its_end_in_its_own_words(path, route, signed_in, people, school,
                                                                          pupil):
    version = version_for(path, school, people)
    definition = version.definition()
    ib = people[Role.IB]
    page = signed_in(ib)
    if version.legal_problems():
        # A meldcode short of the legal minimum cannot be adopted (issue 13); its cases still run as written.
        case = Case.objects.create(school=school, pupil=pupil, meldcode_version=version, opened_by=ib, coordinator=ib)
        case.members.create(user=ib)
    else:
        page.goto(f"/dossiers/{school.slug}/nieuw/")
        fill_fields(page, {"pupil": str(pupil.pk)})
        page.get_by_role("button", name="Dossier openen").click()
        expect(page.locator("h1")).to_have_text("Signaal of observatie")  # the new case opens on the signal form
        case = Case.objects.get(pupil=pupil)
        assert case.meldcode_version == version
    acute = definition.routes.acute
    # The acute page quotes the school's own acute route, with the national numbers beside it.
    page.goto(f"/dossiers/d/{case.reference}/acuut/")
    expect(page.locator("h1")).to_have_text(acute.title)
    assert flat(acute.guidance) in flat(page.get_by_test_id("school-acute-route").inner_text())
    expect(page.locator('main a[href="tel:112"]')).to_have_count(1)
    page.goto(f"/dossiers/d/{case.reference}/")
    expect(page.get_by_role("link", name=acute.title, exact=True)).to_be_visible()

    help_route = route == "help"
    want = "start_help" if help_route else "report"
    seen_steps, done, clock = [], [], Clock()
    for _ in range(MAX_ACTIONS):
        case.refresh_from_db()
        if case.status == Case.Status.CLOSED:
            break
        step = assert_step_guidance(page, case)
        if not seen_steps or seen_steps[-1] != step:
            seen_steps.append(step)
        # After a report, contacting the report point again waits for its period: that duty is waived with a reason
        # at the closure (the closure page lists it as still open).
        action = page.locator("section.guidance ul.needs > li:not([data-need=report_recontact])").filter(
            has=page.locator("a.next-action")).first
        if not action.count():
            close_case(page, case, help_route, clock)
            continue
        need, kind = action.get_attribute("data-need"), action.get_attribute("data-kind")
        requirement = requirement_of(definition, step, need)
        if requirement is not None and requirement.rule:  # the need quotes the school's own rule
            assert flat(f"Uw meldcode: “{requirement.rule}”") in flat(action.inner_text()), (path.stem, need)
        if kind == "closure":
            close_case(page, case, help_route, clock)
            continue
        with page.expect_navigation():  # the form, before its fields are read
            action.locator("a.next-action").click()
        if kind == "weighing":
            walk_afwegingskader(page, case, want, clock)
        else:
            if kind == "consultation":  # the school's care team and report point, by the school's names
                options = [flat(o) for o in page.locator('[name="with_"] option').all_inner_texts()]
                assert f"Het {definition.names.care_team}" in options, options
                assert report_point(definition) in options, options
            if kind in ("report", "feedback"):
                expect(page.locator("h1")).to_contain_text(report_point(definition))
            fill_visible(page, form_values(kind, requirement, definition), clock)
            save(page, (path.stem, step, need))
        done.append((step, need))
        assert need not in open_needs(page), (path.stem, step, need, open_needs(page))
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED, (path.stem, done, open_needs(page))

    # The route went through the weighing and the decision it led to; the journal holds every decision.
    decided = "5a" if help_route else "5b"
    assert seen_steps[0] == definition.steps[0].id and decided in seen_steps, (path.stem, seen_steps)
    kinds = set(case.entries.filter(status=Entry.Status.SAVED).values_list("kind", flat=True))
    assert {"signal", "consultation", "conversation", "weighing", "closure"} <= kinds, kinds
    if help_route:
        assert {"help", "help_evaluation"} <= kinds and "report" not in kinds, kinds
        assert case.tasks.filter(kind="monitor").exists()
        if definition.requires_plan:  # format 2: the handelingsplan the file asks for in 5a
            assert "plan" in kinds, kinds
    else:
        assert {"report", "feedback"} <= kinds, kinds
    expect(page.get_by_role("region", name="Dossier gesloten")).to_be_visible()
