"""The afwegingskader as a guided walk, on a phone (390 x 844): from the case page's next action, one question per
page with the school's explanation, the outcome and the two decisions of step 5 before anything is recorded, the
check-your-answers page, the save. axe-core finds nothing on any page, an error summary included.

The questions are those of the afwegingskader for education (2019) in the national model meldcode."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case, CaseMember, Entry, record_entry
from e2e.conftest import SIZES, sign_in
from e2e.test_accessibility import assert_clean, check_page_as_it_is

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(adopted, pupil, people):
    """A case at step 4: the signal, the collegial consultation and the parent conversation are recorded."""
    ib = people[Role.IB]
    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=adopted, route="regular",
                               opened_by=ib, coordinator=ib)
    CaseMember.objects.create(case=case, user=ib)
    for kind, facts in (("signal", {"is_hypothesis": False, "has_source": False}),
                        ("consultation", {"with": "colleague", "anonymous": True}),
                        ("conversation", {"purpose": "parent", "roles_present": ["ib"]})):
        entry = Entry.objects.create(case=case, kind=kind, author=ib, occurred_at=timezone.now(), facts=facts,
                                     content={"observation": "Een blauwe plek op de arm."})
        record_entry(entry)
    case.refresh_step()
    return case


def test_the_coordinator_walks_the_kader_on_a_phone(new_page, people, case):
    page = new_page(bypass_csp=True)  # axe-core is injected as a script (see e2e.test_accessibility)
    page.set_viewport_size(SIZES["phone"])
    sign_in(page, people[Role.IB], f"/dossiers/d/{case.reference}/")
    found = {}
    page.locator("a.next-action", has_text="Het afwegingskader doorlopen").click()

    # Question 1, and its error summary when nothing is chosen.
    expect(page.get_by_test_id("walk-progress")).to_have_text("Afwegingskader, vraag 1 van 5")
    check_page_as_it_is(page, found, "guided weighing question 1 phone")
    page.get_by_role("button", name="Volgende").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Kies een antwoord op deze vraag.")
    check_page_as_it_is(page, found, "guided weighing question 1 with errors phone")
    page.get_by_label("Ja", exact=True).check()
    page.get_by_label("Onderbouwing van uw antwoord").fill("Signalen, collegiale consultatie en het oudergesprek.")
    page.get_by_role("button", name="Volgende").click()

    # Question 2 with the school's explanation; yes: report.
    expect(page.get_by_test_id("walk-progress")).to_have_text("Afwegingskader, vraag 2 van 5")
    expect(page.get_by_text("Basisonderwijs - ook bij twijfel antwoordt u ja.")).to_be_visible()
    check_page_as_it_is(page, found, "guided weighing question 2 phone")
    page.get_by_label("Ja", exact=True).check()
    page.get_by_label("Onderbouwing van uw antwoord").fill("Structurele onveiligheid; bij twijfel ja.")
    page.get_by_role("button", name="Volgende").click()

    # Question 3 is answered with Veilig Thuis, later.
    expect(page.get_by_test_id("walk-progress")).to_have_text("Afwegingskader, vraag 3 van 5")
    check_page_as_it_is(page, found, "guided weighing question 3 phone")
    page.get_by_label("Nog niet: deze vraag beantwoord ik later").check()
    page.get_by_role("button", name="Volgende").click()

    # The outcome before anything is recorded.
    expect(page.get_by_role("heading", name="Uitkomst van het afwegingskader")).to_be_visible()
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "report")
    expect(page.get_by_test_id("decisions")).to_contain_text("Ja: melden bij Veilig Thuis is nodig.")
    check_page_as_it_is(page, found, "guided weighing outcome phone")
    # Nothing is in the journal yet: the answers so far are only the coordinator's own draft.
    assert not Entry.objects.filter(case=case, kind="weighing", status="saved").exists()
    page.get_by_role("button", name="Volgende").click()

    # The rest of the weighing with the two decisions, then check and confirm.
    expect(page.get_by_role("heading", name="De twee besluiten van stap 5")).to_be_visible()
    check_page_as_it_is(page, found, "guided weighing final phone")
    page.get_by_label("Met wie is de weging besproken?").fill("Directie")
    page.get_by_role("button", name="Verder naar controleren").click()
    expect(page.get_by_role("heading", name="Wat er gebeurt")).to_be_visible()
    expect(page.get_by_test_id("outcome")).to_have_attribute("data-outcome", "report")
    check_page_as_it_is(page, found, "guided weighing check phone")
    page.get_by_role("button", name="Bevestigen", exact=False).first.click()
    expect(page.get_by_text("Vastgelegd in het journaal.")).to_be_visible()
    entry = Entry.objects.get(case=case, kind="weighing")
    assert entry.facts["answers"] == {"vermoeden": True, "onveiligheid": True}
    assert_clean(found)
