import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from e2e.conftest import PASSWORD, current_totp, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teacher_signs_in_with_password_and_authenticator_code(page, make_user, school):
    teacher = make_user(Role.LEERKRACHT, school, name="Lotte Jansen")

    page.goto("/")
    assert "/account/inloggen/" in page.url
    page.get_by_label("E-mailadres").fill(teacher.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()

    expect(page.get_by_role("heading", name="Tweestapsverificatie")).to_be_visible()
    page.get_by_label("Code").fill(current_totp(teacher))
    page.get_by_role("button", name="Controleren").click()

    expect(page.locator(".who")).to_have_text("Lotte Jansen")
    assert "/account/" not in page.url


def test_a_wrong_authenticator_code_keeps_the_door_shut(page, make_user, school):
    teacher = make_user(Role.LEERKRACHT, school)
    page.goto("/account/inloggen/")
    page.get_by_label("E-mailadres").fill(teacher.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    wrong = f"{(int(current_totp(teacher)) + 1) % 1_000_000:06d}"
    page.get_by_label("Code").fill(wrong)
    page.get_by_role("button", name="Controleren").click()

    expect(page.get_by_text("Deze code klopt niet").first).to_be_visible()
    page.goto(f"/dossiers/{school.slug}/")
    assert "/account/code/" in page.url


def test_signing_out_ends_the_session(page, make_user, school):
    teacher = make_user(Role.LEERKRACHT, school)
    sign_in(page, teacher)
    page.get_by_role("button", name="Uitloggen").click()
    expect(page.get_by_text("U bent uitgelogd.")).to_be_visible()
    page.goto("/")
    assert "/account/inloggen/" in page.url
