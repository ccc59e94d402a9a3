"""Single sign-on with OpenID Connect, against a real provider on 127.0.0.1 (accounts/testing_oidc.py):
real discovery, JWKS and RS256 signatures, checked by mozilla-django-oidc and PyJWT."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import sso
from accounts.models import IdentityProvider, ProviderMFADevice
from accounts.roles import Role
from accounts.testing_oidc import CLIENT_ID, CLIENT_SECRET, TestProvider
from audit.models import AuditEvent
from conftest import PASSWORD


@pytest.fixture(scope="module")
def provider():
    running = TestProvider().start()
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _fresh_discovery():
    sso.forget_discovery()
    yield
    sso.forget_discovery()


@pytest.fixture
def board_provider(board, provider):
    return IdentityProvider.objects.create(board=board, name="Microsoft 365", issuer=provider.issuer,
                                           client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                                           email_domains="example.org")


@pytest.fixture
def teacher(school, make_user):
    return make_user(Role.LEERKRACHT, school)


def start(client, email):
    return client.post(reverse("accounts:sso_start"), {"sso_email": email, "next": "/"})


def round_trip(client, provider, email, **person):
    """Sign in at the provider as `email` and come back to the app with its code."""
    provider.sign_in_as(email, **{k: v for k, v in person.items() if k != "spoil"})
    provider.spoil = person.get("spoil", "")
    response = start(client, email)
    assert response.status_code == 302, response.content[:500]
    at_provider = requests.get(response["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


def test_it_reads_the_providers_discovery_document(board_provider, provider):
    metadata = sso.discover(provider.issuer)
    assert metadata["jwks_uri"] == f"{provider.issuer}/jwks"
    assert metadata["token_endpoint"] == f"{provider.issuer}/token"


def test_it_refuses_a_discovery_document_of_another_issuer(board_provider, provider):
    with pytest.raises(sso.DiscoveryError):
        sso.discover(provider.issuer + "/tenant")


def test_it_sends_state_nonce_pkce_and_the_login_hint_to_the_provider(board_provider, provider, teacher):
    response = start(Client(), teacher.email)
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == f"{provider.issuer}/authorize"
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["client_id"] == CLIENT_ID
    assert query["login_hint"] == teacher.email
    assert query["code_challenge_method"] == "S256"
    assert query["state"] and query["nonce"] and query["redirect_uri"].endswith(reverse("accounts:sso_callback"))


def test_it_signs_in_staff_and_still_asks_the_apps_code_without_provider_mfa(board_provider, provider, teacher):
    client = Client()
    response = round_trip(client, provider, teacher.email, amr=["pwd"])
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:verify"))
    # Signed in with the first factor only: every page sends the person to the code step.
    assert client.get(reverse("core:home"))["Location"].startswith(reverse("accounts:verify"))
    event = AuditEvent.objects.filter(action="auth.sso_login").latest("pk")
    assert event.actor_id == teacher.pk
    assert not ProviderMFADevice.objects.filter(user=teacher).exists()


def test_it_counts_the_providers_mfa_as_second_factor_when_amr_says_so(board_provider, provider, teacher):
    client = Client()
    response = round_trip(client, provider, teacher.email, amr=["pwd", "mfa"])
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("core:home")).status_code == 200
    assert ProviderMFADevice.objects.filter(user=teacher).exists()


def test_it_counts_a_configured_acr_as_second_factor(board_provider, provider, teacher):
    board_provider.mfa_acr_values = "urn:example:loa:high"
    board_provider.save()
    client = Client()
    round_trip(client, provider, teacher.email, amr=["pwd"], acr="urn:example:loa:high")
    assert client.get(reverse("core:home")).status_code == 200


def test_it_does_not_count_an_unconfigured_acr(board_provider, provider, teacher):
    client = Client()
    round_trip(client, provider, teacher.email, amr=["pwd"], acr="urn:example:loa:high")
    assert client.get(reverse("core:home")).status_code == 302


def test_it_refuses_an_unknown_address_with_a_dutch_page(board_provider, provider):
    response = round_trip(Client(), provider, "nieuw@example.org", amr=["mfa"])
    assert response.status_code == 403
    assert "geen medewerker met dit e-mailadres" in response.content.decode()
    event = AuditEvent.objects.filter(action="auth.sso_refused").latest("pk")
    assert event.details["refusal"] == "unknown"


def test_it_never_creates_an_account(board_provider, provider, django_user_model):
    before = django_user_model.objects.count()
    round_trip(Client(), provider, "nieuw@example.org")
    assert django_user_model.objects.count() == before


def test_it_refuses_an_unverified_address(board_provider, provider, teacher):
    client = Client()
    response = round_trip(client, provider, teacher.email, verified=False, amr=["mfa"])
    assert response.status_code == 403
    assert "geen bevestigd e-mailadres" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_refuses_staff_of_another_board(board_provider, provider, other_school, make_user):
    # The provider of one board cannot sign in someone who only works at another board's school.
    outsider = make_user(Role.DIRECTIE, other_school)
    response = round_trip(Client(), provider, outsider.email, amr=["mfa"])
    assert response.status_code == 403


@pytest.mark.parametrize("spoil", ["expired", "wrong_key", "wrong_nonce", "wrong_audience", "wrong_issuer"])
def test_it_refuses_a_bad_id_token(board_provider, provider, teacher, spoil):
    client = Client()
    response = round_trip(client, provider, teacher.email, amr=["mfa"], spoil=spoil)
    assert response.status_code == 403
    assert "niet geldig" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.sso_refused").latest("pk").details["refusal"] == "token"


def test_it_refuses_a_replayed_callback(board_provider, provider, teacher):
    client = Client()
    provider.sign_in_as(teacher.email, amr=["mfa"])
    at_provider = requests.get(start(client, teacher.email)["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(at_provider.headers["Location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    client.post(reverse("accounts:logout"))
    assert Client().get(f"{back.path}?{back.query}").status_code == 400


def test_an_address_without_a_provider_gets_a_dutch_answer(board_provider):
    response = start(Client(), "iemand@elders.nl")
    assert response.status_code == 400
    assert "niet ingesteld" in response.content.decode()


def test_a_board_that_requires_sso_refuses_password_sign_in(board_provider, teacher):
    board_provider.required = True
    board_provider.save()
    client = Client()
    response = client.post(reverse("accounts:login"), {"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "alleen inloggen met hun schoolaccount" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.password_refused_sso", actor_id=teacher.pk).exists()


def test_a_wrong_password_for_an_sso_board_says_nothing_about_sso(board_provider, teacher):
    board_provider.required = True
    board_provider.save()
    response = Client().post(reverse("accounts:login"), {"email": teacher.email, "password": "wrong-password-1"})
    assert "schoolaccount (" not in response.content.decode()


def test_without_the_requirement_the_password_still_works(board_provider, teacher):
    response = Client().post(reverse("accounts:login"), {"email": teacher.email, "password": PASSWORD})
    assert response.status_code == 302


def test_signing_out_after_a_school_account_sign_in_offers_the_providers_sign_out(board_provider, provider, teacher):
    client = Client()
    round_trip(client, provider, teacher.email, amr=["mfa"])
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ook uitloggen bij Microsoft 365" in html
    href = re.search(rf'href="({re.escape(provider.issuer)}/logout\?[^"]+)"', html).group(1)
    query = {k: v[0] for k, v in parse_qs(urlsplit(href.replace("&amp;", "&")).query).items()}
    assert query["client_id"] == CLIENT_ID and query["post_logout_redirect_uri"].endswith(reverse("accounts:login"))
    assert client.get(reverse("core:home")).status_code == 302


def test_signing_out_after_a_password_sign_in_goes_straight_to_the_sign_in_page(board_provider, teacher,
                                                                                verified_client):
    response = verified_client(teacher).post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")


def test_sign_out_ends_the_app_session(board_provider, provider, teacher):
    client = Client()
    round_trip(client, provider, teacher.email, amr=["mfa"])
    key = client.session.session_key
    assert client.get(reverse("core:home")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("core:home")).status_code == 302


def test_the_installation_provider_from_the_environment_works(settings, provider, teacher, board):
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_EMAIL_DOMAINS = ["example.org"]
    client = Client()
    response = round_trip(client, provider, teacher.email, amr=["otp"])
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get(reverse("core:home")).status_code == 200


def test_the_login_page_offers_the_school_account_only_when_configured(db):
    assert "Inloggen met uw schoolaccount" not in Client().get(reverse("accounts:login")).content.decode()


def test_the_login_page_offers_the_school_account(board_provider):
    assert "Inloggen met uw schoolaccount" in Client().get(reverse("accounts:login")).content.decode()


# --- the board's settings --------------------------------------------------------------------------------------

@pytest.fixture
def admin(make_user, verified_client):
    user = make_user(is_superuser=True, is_staff=True)
    return verified_client(user)


def test_an_installation_admin_configures_a_boards_provider_with_the_secret_encrypted(admin, board, provider):
    response = admin.post(reverse("accounts:provider_settings", args=[board.slug]), {
        "name": "Google Workspace", "issuer": provider.issuer, "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "email_domains": "Example.org; school.nl", "enabled": "on"})
    assert response.status_code == 302
    row = IdentityProvider.objects.get(board=board)
    assert row.client_secret == CLIENT_SECRET
    assert row.email_domains == "example.org, school.nl"
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM accounts_identityprovider WHERE id = %s", [row.pk])
        stored = cursor.fetchone()[0]
    assert CLIENT_SECRET not in stored
    # Saved again without a secret: the stored one stays.
    admin.post(reverse("accounts:provider_settings", args=[board.slug]), {
        "name": "Google Workspace", "issuer": provider.issuer, "client_id": CLIENT_ID, "client_secret": "",
        "email_domains": "example.org", "enabled": "on"})
    assert IdentityProvider.objects.get(board=board).client_secret == CLIENT_SECRET


def test_a_domain_belongs_to_one_board_only(admin, board_provider, other_school, provider):
    response = admin.post(reverse("accounts:provider_settings", args=[other_school.board.slug]), {
        "name": "M365", "issuer": provider.issuer, "client_id": "x", "client_secret": "y",
        "email_domains": "example.org", "enabled": "on"})
    assert response.status_code == 400
    assert "hoort al bij" in response.content.decode()
    assert not IdentityProvider.objects.filter(board=other_school.board).exists()


def test_only_an_installation_admin_sees_the_provider_settings(board, people, verified_client):
    client = verified_client(people[Role.DIRECTIE])
    assert client.get(reverse("accounts:provider_settings", args=[board.slug])).status_code == 404


def test_a_teacher_without_totp_is_sent_to_set_it_up_after_sso(board_provider, provider, teacher):
    TOTPDevice.objects.filter(user=teacher).delete()
    response = round_trip(Client(), provider, teacher.email, amr=["pwd"])
    assert response["Location"].startswith(reverse("accounts:setup_2fa"))


def test_an_invitation_link_does_not_sign_in_with_a_password_when_the_board_requires_sso(
        board_provider, teacher, mailoutbox):
    from accounts import invitations

    board_provider.required = True
    board_provider.save()
    invitations.send_password_reset.call(teacher.pk)
    link = next(line.strip() for line in mailoutbox[-1].body.splitlines() if "/wachtwoord-kiezen/" in line)
    client = Client()
    form_page = client.get(link[link.index("/account/"):], follow=True)
    saved = client.post(form_page.redirect_chain[-1][0],
                        {"new_password1": "paars-konijn-fietst-2026", "new_password2": "paars-konijn-fietst-2026"})
    assert saved.status_code == 302 and saved["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_the_redirect_to_the_provider_is_allowed_by_the_form_action_policy(board_provider, provider):
    # Browsers apply form-action to the redirect after a form post: without this the button does nothing.
    response = Client().get(reverse("accounts:login"))
    assert provider.issuer in response["Content-Security-Policy"].split("form-action", 1)[1].split(";")[0]


# --- confirming who you are again, for staff who sign in only with their school account (exports, break-glass) ---

def reauth_round_trip(client, provider, email, **person):
    """Ask to confirm again at the provider, sign in there as `email`, and come back with the code."""
    provider.sign_in_as(email, **person)
    response = client.post(reverse("accounts:sso_reauth"), {"next": "/na-bevestiging/"})
    assert response.status_code == 302, response.content[:500]
    at_provider = requests.get(response["Location"], allow_redirects=False, timeout=5)
    back = urlsplit(at_provider.headers["Location"])
    return client.get(f"{back.path}?{back.query}")


@pytest.fixture
def sso_only_client(board_provider, provider, teacher):
    """A teacher of a board that requires the school account, signed in through it with the provider's MFA."""
    board_provider.required = True
    board_provider.save()
    client = Client()
    round_trip(client, provider, teacher.email, amr=["pwd", "mfa"])
    assert client.get(reverse("core:home")).status_code == 200
    return client


def reauthenticated(client):
    from accounts.reauth import SESSION_KEY

    return SESSION_KEY in client.session


def test_staff_who_sign_in_only_with_their_school_account_are_sent_to_it_to_confirm(sso_only_client, provider):
    page = sso_only_client.get(reverse("accounts:reauth"), {"next": "/"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Opnieuw inloggen bij Microsoft 365" in html and 'name="password"' not in html
    # The provider must ask again rather than wave the person through on its own session (OIDC Core 3.1.2.1).
    response = sso_only_client.post(reverse("accounts:sso_reauth"), {"next": "/"})
    query = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
    assert query["prompt"] == "login" and query["max_age"] == "0"


def test_a_fresh_sign_in_with_the_providers_mfa_confirms_at_once(sso_only_client, provider, teacher):
    response = reauth_round_trip(sso_only_client, provider, teacher.email, amr=["pwd", "mfa"])
    assert response.status_code == 302 and response["Location"] == "/na-bevestiging/"
    assert reauthenticated(sso_only_client)
    event = AuditEvent.objects.filter(action="auth.reauth").latest("pk")
    assert event.actor_id == teacher.pk


def test_without_the_providers_mfa_the_apps_code_is_still_asked(sso_only_client, provider, teacher):
    response = reauth_round_trip(sso_only_client, provider, teacher.email, amr=["pwd"])
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:reauth"))
    assert not reauthenticated(sso_only_client)
    page = sso_only_client.get(response["Location"])
    assert 'name="token"' in page.content.decode() and 'name="password"' not in page.content.decode()
    wrong = sso_only_client.post(response["Location"], {"token": "000000", "next": "/na-bevestiging/"})
    assert wrong.status_code == 400 and not reauthenticated(sso_only_client)
    device = TOTPDevice.objects.get(user=teacher)
    device.throttle_reset()  # django-otp makes the next try wait after a wrong code; the test does not
    from django_otp.oath import totp

    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    right = sso_only_client.post(response["Location"], {"token": code, "next": "/na-bevestiging/"})
    assert right.status_code == 302 and right["Location"] == "/na-bevestiging/"
    assert reauthenticated(sso_only_client)


def test_signing_in_at_the_provider_as_someone_else_confirms_nothing(sso_only_client, provider, school, make_user):
    colleague = make_user(Role.LEERKRACHT, school)
    response = reauth_round_trip(sso_only_client, provider, colleague.email, amr=["mfa"])
    assert response.status_code == 403
    assert "als iemand anders" in response.content.decode()
    assert not reauthenticated(sso_only_client)
    assert any(event.details.get("refusal") == "other_person"
               for event in AuditEvent.objects.filter(action="auth.reauth_failed"))


def test_an_old_sign_in_at_the_provider_confirms_nothing(sso_only_client, provider, teacher):
    import time

    response = reauth_round_trip(sso_only_client, provider, teacher.email, amr=["mfa"],
                                 auth_time=int(time.time()) - 3600)
    assert response.status_code == 403
    assert not reauthenticated(sso_only_client)


def test_staff_with_a_password_still_confirm_with_password_and_code(board_provider, teacher, verified_client):
    client = verified_client(teacher)
    html = client.get(reverse("accounts:reauth"), {"next": "/"}).content.decode()
    assert 'name="password"' in html


def test_a_stray_callback_without_our_state_does_not_end_a_re_authentication(sso_only_client, provider, teacher):
    sso_only_client.post(reverse("accounts:sso_reauth"), {"next": "/na-bevestiging/"})
    assert sso_only_client.get(reverse("accounts:sso_callback"), {"state": "forged", "code": "x"}).status_code == 400
    assert sso.SESSION_REAUTH in sso_only_client.session
