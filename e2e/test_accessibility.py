"""Accessibility: zero axe-core violations of any impact on the main pages of every role, on a phone (390 x 844)
and a laptop (1366 x 768), no sideways scrolling on the phone, and the forms work by keyboard.

Each page checked is also written as a screenshot at both sizes (see e2e.conftest.screenshot; `make e2e`
prints the folder), so a reviewer can look at what a teacher, IB, directie and privacy officer see."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case, CaseMember, EntryKind, Route
from e2e.conftest import PASSWORD, SIZES, axe_violations, screenshot, sign_in
from socialmap.models import Organisation, PhoneNumber

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Entry kinds with a form on a regular case; the board's duties only exist on the staff route.
REGULAR_ENTRY_KINDS = [kind for kind in EntryKind.values if kind != EntryKind.DUTY]


@pytest.fixture
def case(adopted, pupil, people):
    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=adopted, route=Route.REGULAR,
                               opened_by=people[Role.IB], coordinator=people[Role.IB])
    CaseMember.objects.create(case=case, user=people[Role.LEERKRACHT])
    case.refresh_step()
    return case


@pytest.fixture
def sociale_kaart(school):
    organisation = Organisation.objects.create(school=school, name="Veilig Thuis Utrecht", kind="other",
                                               on_emergency_sheet=True)
    PhoneNumber.objects.create(organisation=organisation, number="0800-2000", note="dag en nacht")


@pytest.fixture
def axe_page(new_page):
    # axe-core is injected as a script; our strict CSP (rightly) forbids that, so only the accessibility
    # check runs in a context that bypasses CSP. The journeys run with CSP enforced.
    return lambda: new_page(bypass_csp=True)


def check_pages(page, paths, who="page") -> dict[str, list[str]]:
    """Each path at both sizes: axe-core finds nothing, the phone needs no sideways scrolling; a screenshot each."""
    found = {}
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        for path in paths:
            response = page.goto(path)
            assert response.status == 200, f"{path} answered {response.status}"
            check_page_as_it_is(page, found, f"{who} {path} {size}")
    return found


def assert_clean(found):
    if found:
        pytest.fail("\n".join(f"{name}:\n  " + "\n  ".join(problems) for name, problems in found.items()),
                    pytrace=False)


def check_page_as_it_is(page, found, name):
    problems = axe_violations(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        problems.append(f"scrolls sideways: {width} px wide in a {page.viewport_size['width']} px window")
    if problems:
        found[name] = problems
    screenshot(page, name)


def test_the_sign_in_pages_have_no_accessibility_violations(axe_page, make_user, school):
    user = make_user(Role.LEERKRACHT, school)
    page = axe_page()
    found = check_pages(page, ["/account/inloggen/"], "anonymous")
    page.set_viewport_size(SIZES["phone"])
    page.goto("/account/inloggen/")
    page.get_by_role("button", name="Inloggen").click()
    check_page_as_it_is(page, found, "anonymous sign-in with errors phone")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Tweestapsverificatie")).to_be_visible()
    check_page_as_it_is(page, found, "anonymous 2FA phone")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Controleren").click()
    expect(page.get_by_text("Deze code klopt niet").first).to_be_visible()
    check_page_as_it_is(page, found, "anonymous 2FA with an error phone")
    assert_clean(found)


def test_the_coordinators_pages_have_no_accessibility_violations(
        axe_page, people, school, pupil, case, sociale_kaart):
    page = axe_page()
    sign_in(page, people[Role.IB])
    paths = [
        "/", f"/dossiers/{school.slug}/", f"/dossiers/{school.slug}/zoeken/",
        f"/dossiers/{school.slug}/nieuw/", f"/dossiers/d/{case.reference}/",
        *[f"/dossiers/d/{case.reference}/nieuw/{kind}/" for kind in REGULAR_ENTRY_KINDS],
        f"/dossiers/d/{case.reference}/acuut/", f"/dossiers/d/{case.reference}/team/",
        f"/meldcode/{school.slug}/", f"/sociale-kaart/{school.slug}/", f"/sociale-kaart/{school.slug}/nood/",
        f"/scholen/{school.slug}/leerlingen/",
    ]
    assert_clean(check_pages(page, paths, "ib"))


def test_the_teachers_pages_have_no_accessibility_violations(axe_page, people, school, case, sociale_kaart):
    page = axe_page()
    sign_in(page, people[Role.LEERKRACHT])
    paths = ["/", f"/dossiers/{school.slug}/", f"/dossiers/d/{case.reference}/",
             f"/dossiers/d/{case.reference}/nieuw/signal/", f"/dossiers/d/{case.reference}/nieuw/note/",
             f"/sociale-kaart/{school.slug}/nood/"]
    found = check_pages(page, paths, "teacher")
    for size, viewport in SIZES.items():  # the Dutch 404 page, with the emergency numbers
        page.set_viewport_size(viewport)
        assert page.goto("/bestaat-niet/").status == 404
        check_page_as_it_is(page, found, f"teacher 404 {size}")
    assert_clean(found)


def test_a_form_with_errors_has_no_accessibility_violations(axe_page, people, case):
    page = axe_page()
    sign_in(page, people[Role.LEERKRACHT])
    page.goto(f"/dossiers/d/{case.reference}/nieuw/signal/")
    found = {}
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.goto(f"/dossiers/d/{case.reference}/nieuw/signal/")
        page.get_by_role("button", name="Vastleggen").click()
        expect(page.get_by_text("Dit veld is verplicht.").first).to_be_visible()
        check_page_as_it_is(page, found, f"teacher signal form with errors {size}")
    # The error summary has the focus on load; its links name the field and move the focus into it.
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Plaats – Dit veld is verplicht.").click()
    expect(page.get_by_label("Plaats")).to_be_focused()
    assert_clean(found)


def test_the_audit_search_has_no_accessibility_violations(axe_page, people, school, case):
    page = axe_page()
    sign_in(page, people[Role.PRIVACY])
    assert_clean(check_pages(page, ["/", f"/audit/{school.slug}/"], "privacy"))


def test_the_directies_pages_have_no_accessibility_violations(axe_page, people, school):
    from accounts.models import PendingRole

    PendingRole.objects.create(user=people[Role.LEERKRACHT], school=school, role=Role.IB,
                               requested_by=people[Role.BEHEER])
    page = axe_page()
    sign_in(page, people[Role.DIRECTIE])
    assert_clean(check_pages(page, ["/", f"/dossiers/{school.slug}/", f"/dossiers/{school.slug}/instellingen/",
                              f"/scholen/{school.slug}/rollen-bevestigen/", f"/documenten/scholing/{school.slug}/",
                              f"/meldcode/{school.slug}/"], "directie"))


def test_a_teacher_records_a_signal_with_the_keyboard_only(new_page, people, case):
    page = new_page()
    sign_in(page, people[Role.LEERKRACHT])
    page.goto(f"/dossiers/d/{case.reference}/nieuw/signal/")
    keyboard = page.keyboard

    # The first Tab reaches the skip link, visibly; Enter moves focus to the main content.
    keyboard.press("Tab")
    skip = page.get_by_role("link", name="Naar de inhoud")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["x"] >= 0, "the skip link stays off screen when focused"
    assert has_focus_indicator(page)
    keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    def tab_to(name):
        for _ in range(60):
            keyboard.press("Tab")
            if page.evaluate("document.activeElement.name") == name:
                assert has_focus_indicator(page), f"{name} has no visible focus"
                return
        raise AssertionError(f"Tab never reached {name}")

    tab_to("place")
    keyboard.type("Klaslokaal groep 5")
    tab_to("situation")
    keyboard.type("Tijdens het kringgesprek op maandagochtend.")
    tab_to("observation")
    keyboard.type("Sanne vertelde dat ze thuis in de kast moest slapen.")
    tab_to("is_hypothesis")  # the radio group: arrow keys choose within it
    keyboard.press("ArrowDown")
    assert page.locator('[name="is_hypothesis"][value="1"]').is_checked()
    tab_to("categories")
    keyboard.press("Space")
    assert page.locator('[name="categories"]:checked').count() == 1
    for _ in range(60):
        keyboard.press("Tab")
        if page.evaluate("document.activeElement.value") == "save":
            break
    assert has_focus_indicator(page)
    keyboard.press("Enter")

    expect(page.get_by_text("Vastgelegd in het journaal.")).to_be_visible()
    entry = case.entries.get()
    assert entry.content["observation"] == "Sanne vertelde dat ze thuis in de kast moest slapen."
    assert entry.facts["is_hypothesis"] is True


def has_focus_indicator(page) -> bool:
    """The focused element shows an outline or box shadow that differs from its unfocused look."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        const look = () => {
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            return {outline: outline ? s.outlineStyle + s.outlineWidth + s.outlineColor : '', shadow: s.boxShadow};
        };
        const focused = look();
        el.blur();
        const unfocused = look();
        el.focus();
        return focused.outline !== '' && (focused.outline !== unfocused.outline || focused.shadow !== unfocused.shadow);
    }""")


def test_the_accessibility_check_itself_catches_a_violation(axe_page, people):
    page = axe_page()
    sign_in(page, people[Role.IB])
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')")
    assert any("label" in line for line in axe_violations(page, impacts=("serious", "critical")))


def test_saving_by_keyboard_works_for_the_save_button_with_space(new_page, people, case):
    page = new_page()
    sign_in(page, people[Role.LEERKRACHT])
    page.goto(f"/dossiers/d/{case.reference}/nieuw/note/")
    page.get_by_label("Aantekening").focus()
    page.keyboard.type("Telefoontje van de moeder over de afspraak.")
    page.get_by_role("button", name="Vastleggen").focus()
    page.keyboard.press("Space")
    expect(page.get_by_text("Vastgelegd in het journaal.")).to_be_visible()


def test_on_a_phone_the_header_is_one_row_and_its_menu_holds_the_rest(new_page, people):
    page = new_page(viewport=SIZES["phone"], is_mobile=True, has_touch=True)
    sign_in(page, people[Role.IB])
    header = page.locator(".site-header")
    parts = header.locator(".header-row > *")
    tops = {round(box["y"]) for i in range(parts.count()) if (box := parts.nth(i).bounding_box())}
    assert max(tops) - min(tops) < 16, tops
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(header.get_by_role("link", name="Noodblad")).to_be_visible()
    expect(header.get_by_role("button", name="Uitloggen")).to_be_hidden()

    header.locator(".site-menu summary").click()
    screenshot(page, "ib header menu open phone")
    expect(header.get_by_role("link", name="Overzicht")).to_be_visible()
    expect(header.get_by_role("button", name="EN – English")).to_be_visible()
    header.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()
