"""On a phone (390 px wide) the emergency numbers are in the header, tap-to-call, without costing a row: the
sign-in page's header is one row, and on signed-in pages the numbers sit beside the name of the app."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

# The tops of the header's parts: one row means they all start within a few pixels of each other.
HEADER_TOPS = """() => [...document.querySelectorAll('.header-row > *')]
    .filter(e => e.offsetParent !== null && getComputedStyle(e).position !== 'absolute')
    .map(e => Math.round(e.getBoundingClientRect().top))"""


def assert_one_row(page):
    tops = page.evaluate(HEADER_TOPS)
    assert tops and max(tops) - min(tops) < 16, tops
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_sign_in_page_on_a_phone_offers_112_and_veilig_thuis_in_one_header_row(new_page):
    page = new_page(**PHONE)
    page.goto("/account/inloggen/")
    header = page.locator(".site-header")
    expect(header.locator('a[href="tel:112"]')).to_be_visible()
    expect(header.locator('a[href="tel:08002000"]')).to_be_visible()
    assert_one_row(page)


def test_a_signed_in_teacher_on_a_phone_reaches_the_emergency_sheet_in_one_tap(signed_in, make_user, school):
    teacher = make_user(Role.LEERKRACHT, school)
    page = signed_in(teacher, **PHONE)
    expect(page.locator('.site-header a[href="tel:112"]')).to_be_visible()
    brand, sos = (page.locator(selector).bounding_box() for selector in (".brand", ".sos"))
    assert abs(brand["y"] + brand["height"] / 2 - (sos["y"] + sos["height"] / 2)) < 8, (brand, sos)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.locator(".site-header").get_by_role("link", name="Noodblad").click()
    expect(page.get_by_role("heading", name="Wat te doen bij acuut gevaar")).to_be_visible()
    expect(page.locator('.sheet-numbers a[href="tel:08002000"]')).to_be_visible()
