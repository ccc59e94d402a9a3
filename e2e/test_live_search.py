"""Searching narrows the list while typing (htmx), under the strict CSP, without reloading the page, and the
name typed never appears in the address (it would end up in access logs and browser history)."""

import datetime

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from schools.models import Pupil

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_pupil_list_narrows_while_typing_without_a_page_load(signed_in, people, school):
    for first, last in (("Sanne", "de Vries"), ("Noah", "Bos"), ("Yara", "Kaya")):
        Pupil.objects.create(school=school, first_name=first, last_name=last, date_of_birth=datetime.date(2017, 1, 1),
                             group="5")
    page = signed_in(people[Role.IB])
    csp_errors = []
    page.on("console", lambda message: csp_errors.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"/scholen/{school.slug}/leerlingen/")
    expect(page.locator("#results")).to_contain_text("Kaya")
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Zoek op naam of groep").fill("Bos")
    expect(page.locator("#results")).not_to_contain_text("Kaya")
    expect(page.locator("#results")).to_contain_text("Bos, Noah")
    assert page.evaluate("window.notReloaded") is True  # the list changed in place
    assert "Bos" not in page.url  # a name never travels in the address (issue 12: access logs)
    assert csp_errors == []


def test_the_case_search_finds_while_typing_and_keeps_the_name_out_of_the_address(signed_in, people, school, adopted):
    from cases.models import Case, Route

    sanne = Pupil.objects.create(school=school, first_name="Sanne", last_name="de Vries",
                                 date_of_birth=datetime.date(2017, 3, 14), group="5")
    case = Case.objects.create(school=school, pupil=sanne, meldcode_version=adopted, route=Route.REGULAR,
                               opened_by=people[Role.IB], coordinator=people[Role.IB])
    page = signed_in(people[Role.IB])
    page.goto(f"/dossiers/{school.slug}/zoeken/")
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Naam van de leerling of kenmerk").fill("Sanne")
    expect(page.locator("#results")).to_contain_text(case.reference)
    assert page.evaluate("window.notReloaded") is True
    assert "Sanne" not in page.url
    page.get_by_role("button", name="Zoeken").click()  # without JavaScript's help the form posts too
    expect(page.locator("#results")).to_contain_text(case.reference)
    assert "Sanne" not in page.url
