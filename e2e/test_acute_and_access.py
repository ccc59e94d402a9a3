"""Acute danger: emergency numbers at once and the contact recorded. And: who may not see a case, doesn't."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case, CaseMember, Entry, Route
from e2e.journal import fill_fields, notices
from socialmap.models import Organisation, PhoneNumber

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(adopted, pupil, people):
    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=adopted, route=Route.REGULAR,
                               opened_by=people[Role.IB], coordinator=people[Role.IB])
    CaseMember.objects.create(case=case, user=people[Role.LEERKRACHT])
    case.refresh_step()
    return case


@pytest.fixture
def crisis_service(school):
    organisation = Organisation.objects.create(school=school, name="Crisisdienst Jeugd Utrecht", kind="other",
                                               on_emergency_sheet=True)
    PhoneNumber.objects.create(organisation=organisation, number="030-2306222", note="dag en nacht")
    return organisation


def test_the_acute_button_shows_emergency_numbers_and_records_the_contact_at_once(
        signed_in, people, case, crisis_service):
    page = signed_in(people[Role.LEERKRACHT])
    page.goto(f"/dossiers/d/{case.reference}/")
    # The national model's file names its acute route "Acuut gevaar" (routes.acute.title): the button says so.
    page.get_by_role("link", name="Acuut gevaar", exact=True).click()

    expect(page.get_by_role("alert")).to_contain_text("Bel 112")
    numbers = page.locator("ul.numbers")
    expect(numbers).to_contain_text("112")
    expect(numbers).to_contain_text("0800-2000")
    expect(numbers.get_by_role("link", name="030-2306222")).to_have_attribute("href", "tel:030-2306222")
    expect(page.get_by_label("Wie is gebeld?")).to_have_value("Veilig Thuis")

    fill_fields(page, {"summary": "Veilig Thuis komt vandaag langs; Sanne blijft op school tot dan."})
    page.get_by_role("button", name="Noodcontact vastleggen").click()

    expect(page.get_by_text("Het noodcontact is vastgelegd.")).to_be_visible()
    expect(page.locator(".case-head .badge").first).to_have_text("Acuut gevaar")
    expect(page.locator('article[data-kind="emergency_contact"]')).to_contain_text("Veilig Thuis komt vandaag langs")
    assert not any("Acuut gevaar" in notice for notice in notices(page))
    case.refresh_from_db()
    assert case.route == Route.ACUTE
    assert case.entries.filter(kind="emergency_contact", status=Entry.Status.SAVED).count() == 1


def test_a_case_opened_on_the_acute_route_starts_at_the_emergency_sheet(signed_in, people, school, pupil, adopted):
    page = signed_in(people[Role.LEERKRACHT])
    page.goto(f"/dossiers/{school.slug}/nieuw/")
    fill_fields(page, {"pupil": str(pupil.pk), "route": "acute"})
    page.get_by_role("button", name="Dossier openen").click()

    expect(page.locator("h1")).to_have_text("Acuut gevaar")
    case = Case.objects.get(pupil=pupil)
    page.goto(f"/dossiers/d/{case.reference}/")
    assert any("Acuut gevaar: neem nu contact op met Veilig Thuis" in notice for notice in notices(page))


def test_a_teacher_outside_the_team_gets_the_not_found_page(signed_in, make_user, school, case):
    outsider = make_user(Role.LEERKRACHT, school, name="Bram Buiten")
    page = signed_in(outsider)

    response = page.goto(f"/dossiers/d/{case.reference}/")

    assert response.status == 404
    expect(page.locator("h1")).to_have_text("Deze pagina bestaat niet of is niet voor u")
    expect(page.locator("body")).not_to_contain_text("de Vries")
    for path in ("nieuw/signal/", "acuut/", "team/"):
        assert page.goto(f"/dossiers/d/{case.reference}/{path}").status == 404
    page.goto(f"/dossiers/{school.slug}/")
    expect(page.locator("main")).not_to_contain_text("de Vries")
