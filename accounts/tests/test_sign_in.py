from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import Role
from conftest import PASSWORD


def current_code(device):
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("accounts:login"), {"email": email, "password": password})


@pytest.fixture
def teacher(school, make_user):
    return make_user(Role.LEERKRACHT, school)


def test_it_asks_for_a_code_after_the_password(teacher):
    client = Client()
    response = sign_in(client, teacher.email)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    # Without the second factor, every other page sends the person back to the code step.
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:verify"))


def test_it_signs_in_with_password_and_authenticator_code(teacher):
    client = Client()
    sign_in(client, teacher.email)
    device = TOTPDevice.objects.get(user=teacher)
    response = client.post(reverse("accounts:verify"), {"token": current_code(device), "next": "/"})
    assert response.status_code == 302
    assert client.get(reverse("core:home")).status_code == 200


def test_it_refuses_a_wrong_code_in_dutch(teacher):
    client = Client()
    sign_in(client, teacher.email)
    response = client.post(reverse("accounts:verify"), {"token": "000000"})
    assert response.status_code == 400
    assert "Deze code klopt niet" in response.content.decode()
    assert client.get(reverse("core:home")).status_code == 302


def test_it_refuses_a_wrong_password_without_saying_which_part_was_wrong(teacher):
    response = sign_in(Client(), teacher.email, "wrong-password-123")
    assert response.status_code == 400
    assert "Deze combinatie van e-mailadres en wachtwoord kennen we niet." in response.content.decode()


def test_a_new_account_must_enrol_an_authenticator_and_gets_recovery_codes(school):
    user = User.objects.create_user("nieuw@example.org", PASSWORD, full_name="Nieuwe Collega")
    user.memberships.create(school=school, role=Role.IB)
    client = Client()
    response = sign_in(client, user.email)
    assert response["Location"].startswith(reverse("accounts:setup_2fa"))
    page = client.get(reverse("accounts:setup_2fa"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:setup_2fa"), {"token": current_code(device), "next": "/"})
    assert response.status_code == 200
    assert "herstelcodes" in response.content.decode().lower()
    assert StaticToken.objects.filter(device__user=user).count() == 10
    assert client.get(reverse("core:home")).status_code == 200


def test_a_recovery_code_works_once(teacher):
    from accounts.twofactor import new_recovery_codes

    code = new_recovery_codes(teacher)[0]
    first = Client()
    sign_in(first, teacher.email)
    assert first.post(reverse("accounts:verify"), {"token": code}).status_code == 302
    second = Client()
    sign_in(second, teacher.email)
    assert second.post(reverse("accounts:verify"), {"token": code}).status_code == 400


def test_a_locked_out_account_stays_locked_even_with_the_right_password(teacher, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, teacher.email, "wrong-password-123")
    response = sign_in(client, teacher.email)
    assert response.status_code == 429
    assert "geblokkeerd" in response.content.decode()
    # Another browser, the right password: still locked.
    assert sign_in(Client(), teacher.email).status_code == 429


def test_an_expired_session_is_rejected(teacher, verified_client):
    client = verified_client(teacher)
    assert client.get(reverse("core:home")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_session_ends_after_the_configured_idle_time_and_on_browser_close(settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_MINUTES * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_activity_moves_the_expiry_but_writes_the_session_at_most_once_a_minute(teacher, verified_client,
                                                                                monkeypatch):
    import time as real_time

    from core import sessions

    client = verified_client(teacher)
    now = [real_time.time()]
    monkeypatch.setattr(sessions.time, "time", lambda: now[0])
    client.get(reverse("core:home"))
    first = Session.objects.get().expire_date
    now[0] += 30
    client.get(reverse("core:home"))
    assert Session.objects.get().expire_date == first, "a request within the minute writes nothing"
    now[0] += 31
    client.get(reverse("core:home"))
    assert Session.objects.get().expire_date > first, "after a minute of activity the idle timeout slides"


def test_reauthentication_needs_password_and_code(teacher, verified_client):
    client = verified_client(teacher)
    device = TOTPDevice.objects.get(user=teacher)
    url = reverse("accounts:reauth") + "?next=/"
    assert client.post(url, {"password": "wrong-password-1", "token": current_code(device)}).status_code == 400
    assert client.post(url, {"password": PASSWORD, "token": current_code(device)}).status_code == 302


def test_sign_in_refuses_to_redirect_to_another_site(teacher):
    client = Client()
    response = client.post(reverse("accounts:login") + "?next=https://evil.example.com/",
                           {"email": teacher.email, "password": PASSWORD})
    assert "evil.example.com" not in response["Location"]


@pytest.mark.parametrize("target", ["cases:overview", "javascript:alert(1)", "//evil.example.com/", "x"])
def test_sign_in_treats_a_next_that_is_not_a_path_on_this_site_as_home(teacher, target):
    """A view name or a scheme-relative address in ?next= once answered 500 (redirect() reversed it)."""
    response = Client().post(reverse("accounts:login") + "?" + urlencode({"next": target}),
                             {"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    assert parse_qs(urlsplit(response["Location"]).query)["next"] == ["/"]


def test_healthz_answers_without_signing_in(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_wrong_passwords_at_reauthentication_count_towards_the_lockout(teacher, verified_client, settings):
    client = verified_client(teacher)
    device = TOTPDevice.objects.get(user=teacher)
    url = reverse("accounts:reauth") + "?next=/"
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"password": "wrong-password-1", "token": "000000"}).status_code == 400
    locked = client.post(url, {"password": "wrong-password-1", "token": current_code(device)})
    assert locked.status_code == 429
    assert sign_in(Client(), teacher.email).status_code == 429  # the account itself is locked now
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:login"))  # and signed out


def test_reauthentication_takes_the_app_code_and_does_not_spend_a_recovery_code(teacher, verified_client):
    from django_otp.plugins.otp_static.models import StaticDevice

    static = StaticDevice.objects.create(user=teacher, name="Herstelcodes", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd-1234")
    client = verified_client(teacher)
    response = client.post(reverse("accounts:reauth") + "?next=/", {"password": PASSWORD, "token": "abcd-1234"})
    assert response.status_code == 400
    assert StaticToken.objects.filter(device=static, token="abcd-1234").exists()


def test_the_way_back_after_the_code_step_keeps_the_whole_address(teacher):
    client = Client()
    sign_in(client, teacher.email)
    response = client.get("/dossiers/?status=open&pagina=2")
    from urllib.parse import parse_qs, urlparse

    assert parse_qs(urlparse(response["Location"]).query)["next"] == ["/dossiers/?status=open&pagina=2"]


def test_the_session_key_changes_once_the_code_is_accepted_and_the_session_keeps_its_data(teacher):
    client = Client()
    sign_in(client, teacher.email)
    session = client.session
    session["chosen"] = "kept"
    session.save()
    key_before_code = client.cookies["sessionid"].value
    device = TOTPDevice.objects.get(user=teacher)
    assert client.post(reverse("accounts:verify"), {"token": current_code(device)}).status_code == 302
    assert client.cookies["sessionid"].value != key_before_code
    assert client.session["chosen"] == "kept"
    assert client.get(reverse("core:home")).status_code == 200
    # The key from before the second factor opens nothing.
    planted = Client()
    planted.cookies["sessionid"] = key_before_code
    assert planted.get(reverse("core:home")).status_code == 302


def test_the_session_key_changes_when_a_new_authenticator_is_enrolled(school):
    user = User.objects.create_user("nieuw@example.org", PASSWORD, full_name="Nieuwe Collega")
    user.memberships.create(school=school, role=Role.IB)
    client = Client()
    sign_in(client, user.email)
    client.get(reverse("accounts:setup_2fa"))
    key_before_code = client.cookies["sessionid"].value
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(reverse("accounts:setup_2fa"), {"token": current_code(device)}).status_code == 200
    assert client.cookies["sessionid"].value != key_before_code
    assert client.get(reverse("core:home")).status_code == 200
