"""Invitations and a forgotten password: a link by e-mail, valid once and for a limited time, that reveals
nothing about which addresses exist, is rate-limited and audited; after the password the authenticator."""

import re
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import invitations
from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from schools.models import Board

NEW_PASSWORD = "paars-konijn-fietst-2026"  # noqa: S105


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()
    yield
    cache.clear()


def link_in(message):
    return next(line.strip() for line in message.body.splitlines() if "/wachtwoord-kiezen/" in line)


def path_of(link):
    return link[link.index("/account/"):]


def choose_password(client, link, password=NEW_PASSWORD):
    form_page = client.get(path_of(link), follow=True)
    return form_page, client.post(form_page.redirect_chain[-1][0],
                                  {"new_password1": password, "new_password2": password})


def current_code(device):
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


@pytest.fixture
def invited(board, mailoutbox, settings):
    """A new school whose first directie was invited by the installation administrator."""
    settings.SITE_URL = "http://127.0.0.1:8123"
    call_command("create_school", "De Wilg", "--board", board.slug, "--brin", "99ZZ", "--invite",
                 "jan@example.org", "--role", "directie", "--name", "Jan Wit", stdout=StringIO())
    (message,) = mailoutbox
    return User.objects.get(email="jan@example.org"), message


def test_the_invitation_link_uses_site_url(invited):
    _jan, message = invited
    assert link_in(message).startswith("http://127.0.0.1:8123/account/wachtwoord-kiezen/")
    assert "72 uur" in message.body


def test_an_invited_directie_chooses_a_password_then_sets_up_the_authenticator_and_gets_in(invited):
    jan, message = invited
    browser = Client()
    form_page, saved = choose_password(browser, link_in(message))
    assert "Wachtwoord opslaan" in form_page.text
    # Signed in with the first factor, straight on to setting up the app.
    assert saved.status_code == 302 and saved["Location"] == reverse("accounts:setup_2fa")
    assert browser.get(reverse("core:home"))["Location"].startswith(reverse("accounts:setup_2fa"))
    browser.get(reverse("accounts:setup_2fa"))
    device = TOTPDevice.objects.get(user=jan, confirmed=False)
    enrolled = browser.post(reverse("accounts:setup_2fa"), {"token": current_code(device)})
    assert "herstelcodes" in enrolled.text.lower()
    assert browser.get(reverse("core:home")).status_code == 200
    jan.refresh_from_db()
    assert jan.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="auth.password_set", actor_id=jan.pk).exists()


def test_the_link_works_only_once(invited):
    _jan, message = invited
    choose_password(Client(), link_in(message))
    again = Client().get(path_of(link_in(message)), follow=True)
    assert "werkt niet (meer)" in again.text
    assert "Wachtwoord opslaan" not in again.text


def test_the_link_expires_after_the_configured_hours(invited, settings):
    _jan, message = invited
    settings.PASSWORD_RESET_TIMEOUT = 3600
    later = invitations.default_token_generator._now() + timedelta(hours=2)
    with mock.patch.object(invitations.default_token_generator, "_now", return_value=later):
        page = Client().get(path_of(link_in(message)), follow=True)
    assert "werkt niet (meer)" in page.text


def test_the_sign_in_page_links_to_a_forgotten_password(db):
    page = Client().get(reverse("accounts:login"))
    assert reverse("accounts:password_reset") in page.text
    assert "Wachtwoord vergeten?" in page.text


def ask_reset(client, email):
    return client.post(reverse("accounts:password_reset"), {"email": email})


def test_a_forgotten_password_gives_the_same_answer_for_known_and_unknown_addresses(
        school, make_user, mailoutbox, settings):
    settings.SITE_URL = "https://meldcode.example.nl"
    teacher = make_user(Role.LEERKRACHT, school)
    known = ask_reset(Client(), teacher.email.upper())
    unknown = ask_reset(Client(), "niemand@example.org")
    assert known.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip.sub("", known.text) == strip.sub("", unknown.text)
    (message,) = mailoutbox
    assert message.to == [teacher.email]
    assert link_in(message).startswith("https://meldcode.example.nl/account/wachtwoord-kiezen/")
    events = list(AuditEvent.objects.filter(action="auth.password_reset_requested").order_by("pk"))
    assert [event.details for event in events] == [{"known": True, "sent": True}, {"known": False, "sent": False}]
    assert events[0].actor_id == teacher.pk and events[1].actor_id is None


def test_a_forgotten_password_does_the_same_work_for_an_unknown_address(school, make_user):
    """Same page and the same steps (one lookup, one audit event, one queued task): no timing difference."""
    teacher = make_user(Role.LEERKRACHT, school)
    with mock.patch.object(invitations, "send_password_reset") as task:
        ask_reset(Client(), teacher.email)
        ask_reset(Client(), "niemand@example.org")
    assert [call.args for call in task.enqueue.call_args_list] == [(teacher.pk,), (0,)]
    assert invitations.send_password_reset.call(0) is False


def test_an_imported_colleague_without_a_password_can_ask_for_one_but_a_disabled_account_cannot(
        school, make_user, mailoutbox):
    imported = make_user(Role.LEERKRACHT, school)
    imported.set_unusable_password()
    imported.save()
    gone = make_user(Role.LEERKRACHT, school, is_active=False)
    ask_reset(Client(), imported.email)
    ask_reset(Client(), gone.email)
    assert [message.to for message in mailoutbox] == [[imported.email]]


def test_a_reset_link_keeps_the_second_factor(school, make_user, mailoutbox):
    teacher = make_user(Role.LEERKRACHT, school)
    ask_reset(Client(), teacher.email)
    browser = Client()
    _form, saved = choose_password(browser, link_in(mailoutbox[0]))
    assert saved["Location"] == reverse("accounts:verify")
    assert browser.get(reverse("core:home"))["Location"].startswith(reverse("accounts:verify"))


def test_forgotten_password_requests_are_rate_limited_per_address_and_per_client(school, make_user, mailoutbox):
    teacher = make_user(Role.LEERKRACHT, school)
    client = Client()
    answers = [ask_reset(client, teacher.email).status_code for _n in range(5)]
    assert answers == [200] * 5  # the same answer: the limit per address says nothing about the address
    assert len(mailoutbox) == 3
    for n in range(30):
        ask_reset(client, f"iemand{n}@example.org")
    assert ask_reset(client, "nog.iemand@example.org").status_code == 429
    assert AuditEvent.objects.filter(action="auth.password_reset_rate_limited").exists()


def test_the_setup_page_invitation_also_uses_site_url(board, make_user, verified_client, mailoutbox, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    admin = make_user(is_superuser=True, is_staff=True)
    client = verified_client(admin)
    client.post(reverse("accounts:setup"), {
        "action": "school", "school-board": board.pk, "school-name": "De Wilg", "school-brin": "99ZZ",
        "school-invite_email": "jan@example.org", "school-invite_name": "Jan Wit", "school-invite_role": "beheer"})
    (message,) = mailoutbox
    assert link_in(message).startswith("http://127.0.0.1:8123/")
    assert Board.objects.get(pk=board.pk).schools.get().name == "De Wilg"
