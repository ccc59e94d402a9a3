"""The role journeys of issue 14, on a phone (390 x 844) and a laptop (1366 x 768), with axe-core on every page.

1. A teacher records a worry about a pupil in at most three page loads after signing in: home, the quick signal
   form (the pupil found by typing, without a page load), and the page after saving.
2. The coordinator (IB) goes from that first signal to the report to Veilig Thuis (5b) by clicking, each time, the
   primary next action the case page offers under "Wat is er nog nodig?", never the menu of other entry kinds.
3. A teacher sees no close, weigh or decide action on the case page, and every URL of those (the decision pages
   and the old generic entry route for a decision kind, GET and POST) answers 404, never 403.

The whole route with the guidance checked per step is e2e/test_dossier_journey.py; the quick-signal rules are
cases/tests/test_quick_signal.py; this file is about what each role does and sees, at both sizes.
"""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case, CaseMember, Entry, Route
from e2e.conftest import SIZES, axe_violations, screenshot, sign_in
from e2e.journal import fill_fields

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECISION_KINDS = ("weighing", "help", "report", "exemption", "closure")


@pytest.fixture
def case(adopted, pupil, people):
    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=adopted, route=Route.REGULAR,
                               opened_by=people[Role.IB], coordinator=people[Role.IB])
    CaseMember.objects.create(case=case, user=people[Role.LEERKRACHT])
    case.refresh_step()
    return case


@pytest.fixture(params=list(SIZES))
def size(request):
    return request.param


@pytest.fixture
def axe_page(new_page, size):
    # axe-core is injected as a script, which the strict CSP forbids: these pages bypass CSP (as in
    # e2e/test_accessibility.py); htmx and the forms work the same.
    return lambda: new_page(bypass_csp=True, viewport=SIZES[size])


def assert_accessible(page, name, size, shot=True):
    problems = axe_violations(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        problems.append(f"scrolls sideways: {width} px wide in a {page.viewport_size['width']} px window")
    if shot:
        screenshot(page, f"{name} {size}")
    assert not problems, f"{name} ({size}):\n  " + "\n  ".join(problems)


def record_signal(page, pupil, size) -> int:
    """From home, the teacher's three page loads; returns how many main-frame loads it took after sign-in."""
    loads = []
    page.on("framenavigated", lambda frame: loads.append(frame.url) if frame == page.main_frame else None)
    assert_accessible(page, "teacher home", size)
    page.get_by_role("link", name="Zorg over een leerling vastleggen").first.click()
    expect(page.locator("h1")).to_have_text("Zorg over een leerling vastleggen")
    assert_accessible(page, "teacher quick signal", size)
    page.get_by_label("Welke leerling? Typ (een deel van) de naam").press_sequentially(pupil.last_name, delay=30)
    choice = page.get_by_label(pupil.full_name, exact=False)
    expect(choice).to_be_visible()
    choice.check()
    assert_accessible(page, "teacher quick signal pupil found", size)
    fill_fields(page, {"observation": "Sanne kwam met een blauwe plek op haar wang binnen en wilde niet zeggen "
                                      "hoe dat kwam.", "is_hypothesis": "0"})
    page.get_by_role("button", name="Vastleggen").click()
    expect(page.get_by_text("Uw signaal is vastgelegd.")).to_be_visible()
    assert_accessible(page, "teacher after the signal", size)
    return 1 + len(loads)  # home itself, shown by the sign-in, is the first


def test_a_teacher_records_a_signal_in_at_most_three_page_loads(axe_page, people, pupil, adopted, size):
    page = axe_page()
    sign_in(page, people[Role.LEERKRACHT])
    loads = record_signal(page, pupil, size)
    assert loads <= 3, f"{loads} page loads from home to a saved signal"
    entry = Entry.objects.get(case__pupil=pupil, kind="signal")
    assert entry.is_saved and entry.facts["is_hypothesis"] is False
    assert entry.author == people[Role.LEERKRACHT]


# What a coordinator writes in each form the guidance opens; only the fields a form has and that the guidance
# link did not choose already are filled.
ANSWERS = {
    "with_": "colleague", "colleague_role": "leerkracht", "anonymous": "0",
    "question": "Wat ziet de leerkracht in de klas?", "advice": "Het gesprek met de ouder voeren.",
    "participants": "Anna de Vries, moeder\nIB Test, intern begeleider", "roles_present": ["ib"],
    "purpose_explained": "Wij maken ons zorgen om Sanne.", "facts_presented": "De blauwe plek op haar wang.",
    "reaction": "Moeder zegt dat Sanne gevallen is.", "objections": "Moeder is bang; uitgelegd wat Veilig Thuis doet.",
    "participant": "Anna de Vries", "signed": "1",
    "q_vermoeden": "yes", "r_vermoeden": "De signalen en het oudergesprek.",
    "q_onveiligheid": "yes", "r_onveiligheid": "Structureel onveilig; bij twijfel ja.", "consulted": "Directie",
    "reported_by": "IB Test", "channel": "phone", "contact_person": "Mevrouw Bakker",
    "what_reported": "Blauwe plek; Sanne zwijgt erover.", "school_role": "School volgt Sanne en belt na zes weken.",
}


def fill_what_is_open(page, answers):
    """Fill the form's empty fields from `answers`; a choice the guidance link made already stays."""
    for name, value in answers.items():
        field = page.locator(f'main form [name="{name}"]')
        if not field.count() or not field.first.is_visible() and field.first.get_attribute("type") != "radio":
            continue
        kind = field.first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if kind.endswith(":radio") or kind.endswith(":checkbox"):
            if page.locator(f'main form [name="{name}"]:checked').count():
                continue
        elif field.first.input_value():
            continue
        fill_fields(page, {name: value})


def walk_the_kader_towards_a_report(page, case, answers, size, step):
    """The guided afwegingskader (one question per page): the answer that leads to a report, "later" once the kader
    has its outcome; axe-core on every page. Ends on the check-your-answers page."""
    definition = case.definition()
    n = 0
    while page.get_by_test_id("walk-progress").count():
        assert_accessible(page, f"ib step {step} kader question {n}", size, shot=n == 0)
        later = page.get_by_label("Nog niet: deze vraag beantwoord ik later")
        if later.count():
            later.check()
        else:
            question = definition.question(page.locator('input[name="question"]').input_value())
            wanted = [label for label, branch in (("Ja", question.yes), ("Nee", question.no))
                      if branch.outcome in ("report", "continue")]
            page.get_by_label(wanted[0], exact=True).check()
            page.get_by_label("Onderbouwing van uw antwoord").fill("De signalen, de consultatie en het oudergesprek.")
        with page.expect_navigation():
            page.get_by_role("button", name="Volgende").click()
        n += 1
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "report")
    assert_accessible(page, f"ib step {step} kader outcome", size)
    page.get_by_role("button", name="Volgende").click()
    expect(page.get_by_role("heading", name="De twee besluiten van stap 5")).to_be_visible()
    assert_accessible(page, f"ib step {step} kader decisions", size)
    fill_what_is_open(page, answers)
    page.get_by_role("button", name="Verder naar controleren").click()


def test_the_coordinator_follows_the_guidance_from_the_first_signal_to_the_report(
        axe_page, people, pupil, adopted, size):
    teacher_page = axe_page()
    sign_in(teacher_page, people[Role.LEERKRACHT])
    record_signal(teacher_page, pupil, size)
    case = Case.objects.get(pupil=pupil)

    page = axe_page()
    sign_in(page, people[Role.IB])
    page.goto(f"/dossiers/d/{case.reference}/")
    answers = {**ANSWERS, "approved_by": str(people[Role.DIRECTIE].pk)}
    followed = []
    for _ in range(12):
        if case.entries.filter(kind="report", status=Entry.Status.SAVED).exists():
            break
        expect(page.get_by_role("heading", name="Wat is er nog nodig?")).to_be_visible()
        assert_accessible(page, f"ib case page {len(followed)}", size, shot=not followed)
        # The secondary menu of other entry kinds stays closed all the way.
        menu = page.locator("details.more-actions")
        assert not menu.count() or not menu.evaluate("el => el.open")
        action = page.locator("section.guidance a.next-action").first
        expect(action).to_be_visible()
        followed.append(action.inner_text().strip())
        action.click()
        expect(page.locator("main form")).to_be_visible()
        if page.get_by_test_id("walk-progress").count():
            walk_the_kader_towards_a_report(page, case, answers, size, len(followed))
        else:
            assert_accessible(page, f"ib step {len(followed)} form", size)
            fill_what_is_open(page, answers)
            check = page.get_by_role("button", name="Verder naar controleren")
            if check.count():
                check.click()
            else:
                page.locator("main form").get_by_role("button").first.click()
        confirm = page.get_by_role("button", name="Bevestigen", exact=False)
        if confirm.count():
            expect(page.get_by_role("heading", name="Wat er gebeurt")).to_be_visible()
            assert_accessible(page, f"ib step {len(followed)} confirmation", size)
            confirm.first.click()
        expect(page.locator(".case-head")).to_be_visible()
    else:
        pytest.fail(f"no report after following {followed}")
    screenshot(page, f"ib case page after the report {size}")
    assert_accessible(page, "ib case page after the report", size, shot=False)
    print("followed:", followed)
    assert any("Veilig Thuis" in label for label in followed), followed
    report = case.entries.get(kind="report", status=Entry.Status.SAVED)
    assert report.author == people[Role.IB]


def test_a_teacher_sees_no_decision_and_gets_404_on_every_decision_url(axe_page, people, case, size):
    page = axe_page()
    sign_in(page, people[Role.LEERKRACHT])
    page.goto(f"/dossiers/d/{case.reference}/")
    assert_accessible(page, "teacher case page", size)
    base = f"/dossiers/d/{case.reference}"
    for href in page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert "/afsluiten/" not in (href or "") and "/afwegen/" not in (href or "")
        assert "/besluit/" not in (href or "")
        assert not any((href or "").endswith(f"/nieuw/{kind}/") for kind in DECISION_KINDS), href
    for name in ("Afsluiten", "Dossier afsluiten", "Afwegen", "Weging met het afwegingskader"):
        expect(page.get_by_role("link", name=name, exact=True)).to_have_count(0)
        expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)

    token = page.locator('input[name="csrfmiddlewaretoken"]').first.get_attribute("value")
    urls = [f"{base}/afsluiten/", f"{base}/afwegen/", f"{base}/afwegen/stap-voor-stap/",
            *[f"{base}/besluit/{kind}/" for kind in DECISION_KINDS],
            *[f"{base}/nieuw/{kind}/" for kind in DECISION_KINDS]]
    for url in urls:
        assert page.request.get(url).status == 404, url
        for action in ("check", "save"):
            response = page.request.post(url, form={
                "csrfmiddlewaretoken": token, "action": action, "confirmed": "1", "occurred_at": "2026-11-02T09:00",
                "reason": "pupil_left", "explanation": "Weg.", "q_vermoeden": "no", "r_vermoeden": "Niets."},
                headers={"X-CSRFToken": token, "Referer": page.url})
            assert response.status == 404, f"POST {action} {url}: {response.status}"
    # The 404 a teacher sees in the browser is the ordinary one, accessible too.
    assert page.goto(f"{base}/afsluiten/").status == 404
    assert_accessible(page, "teacher decision url 404", size)
    assert case.entries.count() == 0 and Case.objects.get(pk=case.pk).is_open
