"""Web hardening, checked on real responses: security headers on every page, no inline script anywhere,
cookies out of reach of scripts, CSRF enforced, the deploy checks pass, and error pages leak nothing."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role
from core.testing import with_key

ROOT = Path(__file__).resolve().parents[2]
OBSERVATION = "Sanne had een blauwe plek op haar bovenarm."


@pytest.fixture
def case(school, pupil, people):
    from cases.models import Case, CaseMember, Entry, record_entry
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions

    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    adopt(school, version, people[Role.DIRECTIE])
    case = Case.objects.create(school=school, pupil=pupil, meldcode_version=version, opened_by=people[Role.IB],
                               coordinator=people[Role.IB])
    CaseMember.objects.create(case=case, user=people[Role.LEERKRACHT])
    record_entry(Entry.objects.create(case=case, kind="signal", author=people[Role.LEERKRACHT],
                                      content={"observation": OBSERVATION}, facts={"is_hypothesis": False}))
    return case


def pages(school, case, pupil):
    return [
        reverse("core:home"),
        reverse("cases:overview", args=[school.slug]),
        reverse("cases:detail", args=[case.reference]),
        reverse("cases:new_entry", args=[case.reference, "signal"]),
        reverse("cases:open", args=[school.slug]),
        reverse("schools:pupils", args=[school.slug]),
        reverse("schools:pupil", args=[school.slug, pupil.pk]),
        reverse("socialmap:list", args=[school.slug]),
        reverse("socialmap:emergency", args=[school.slug]),
    ]


def directive(policy: str, name: str) -> str | None:
    for part in policy.split(";"):
        words = part.strip().split(None, 1)
        if words and words[0] == name:
            return words[1] if len(words) > 1 else ""
    return None


def assert_hardened(response, url):
    assert response["Content-Type"].startswith("text/html"), url
    policy = response.get("Content-Security-Policy")
    assert policy, f"no CSP on {url}"
    scripts = directive(policy, "script-src") or directive(policy, "default-src")
    assert scripts is not None and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, url
    assert directive(policy, "object-src") == "'none'", url
    assert directive(policy, "frame-ancestors") == "'none'", url
    assert response["X-Frame-Options"] == "DENY", url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), url


def test_every_page_has_the_security_headers(school, case, pupil, people, verified_client):
    client = verified_client(people[Role.IB])
    for url in pages(school, case, pupil):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_hardened(response, url)


def test_sign_in_and_error_pages_have_the_security_headers_too(school, case, people, verified_client):
    anonymous = Client()
    login = anonymous.get(reverse("accounts:login"))
    assert login.status_code == 200
    assert_hardened(login, "login")
    not_found = verified_client(people[Role.BEHEER]).get(reverse("cases:detail", args=[case.reference]))
    assert not_found.status_code == 404
    assert_hardened(not_found, "404")


TEMPLATE_DIRS = [ROOT / "templates", *sorted(ROOT.glob("*/templates"))]
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)


def all_templates():
    found = [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")
             if ".venv" not in path.parts and "node_modules" not in path.parts]
    assert len(found) > 30, "the scan should see the project's templates"
    return found


def test_no_template_has_inline_script_event_handlers_or_javascript_urls():
    offenders = []
    for path in all_templates():
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, EVENT_HANDLER, re.compile(r"javascript:", re.IGNORECASE)):
            if pattern.search(text):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern.pattern}")
    assert not offenders, offenders


def test_no_browser_template_has_inline_styles_which_the_policy_would_block():
    # Templates for PDFs are rendered by WeasyPrint, not a browser, and may carry their own styles.
    offenders = [str(path.relative_to(ROOT)) for path in all_templates()
                 if "pdf" not in path.name and INLINE_STYLE.search(path.read_text(encoding="utf-8"))]
    assert not offenders, offenders


def test_session_and_csrf_cookies_are_out_of_reach_of_scripts(school, people, case, verified_client):
    client = verified_client(people[Role.IB])
    response = client.get(reverse("cases:new_entry", args=[case.reference, "signal"]))
    assert response.cookies["sessionid"]["httponly"]
    assert response.cookies["sessionid"]["samesite"] == "Lax"
    assert response.cookies["csrftoken"]["httponly"]


def test_a_post_without_csrf_token_is_refused(case, people):
    teacher = people[Role.LEERKRACHT]
    client = Client(enforce_csrf_checks=True)
    client.force_login(teacher)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=teacher).first().persistent_id
    session.save()
    from cases.models import Entry

    response = client.post(reverse("cases:new_entry", args=[case.reference, "note"]), with_key({
        "occurred_at": "2026-01-05T10:00", "text": "Zonder token", "action": "save"}))
    assert response.status_code == 403
    assert Entry.objects.filter(case=case).count() == 1
    # With the token from the form, the same post goes through.
    form = client.get(reverse("cases:new_entry", args=[case.reference, "note"]))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode()).group(1)
    key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', form.content.decode()).group(1)
    response = client.post(reverse("cases:new_entry", args=[case.reference, "note"]), {
        "occurred_at": "2026-01-05T10:00", "text": "Met token", "action": "save", "csrfmiddlewaretoken": token,
        "idempotency_key": key})
    assert response.status_code == 302
    assert Entry.objects.filter(case=case).count() == 2


def test_the_deploy_checks_pass_with_production_settings(tmp_path):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a real deployment never has it.
    environment = {k: v for k, v in os.environ.items()
                   if not k.startswith(("DEBUG", "SECRET_KEY", "MELDCODE_", "DJANGO_ALLOW_ASYNC_UNSAFE"))}
    environment.update({
        "MELDCODE_ENVIRONMENT": "production", "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "meldcode.settings",
        "SECRET_KEY": "deploy-check-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        "MELDCODE_ENCRYPTION_KEYS": "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=",
        "ALLOWED_HOSTS": "meldcode.example.org", "MELDCODE_VAR_DIR": str(tmp_path),
    })
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_404_does_not_say_whether_the_case_exists(case, people, verified_client):
    client = verified_client(people[Role.BEHEER])
    existing = client.get(reverse("cases:detail", args=[case.reference]))
    missing = client.get(reverse("cases:detail", args=["ZZZZ-ZZZZ"]))
    assert existing.status_code == missing.status_code == 404
    body = existing.content.decode()
    for secret in ("Sanne", "Vries", "blauwe plek"):
        assert secret not in body

    def comparable(html, reference):  # the CSRF token is masked differently in every response
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html).replace(reference, "")

    assert comparable(body, case.reference) == comparable(missing.content.decode(), "ZZZZ-ZZZZ")


@pytest.mark.django_db(transaction=True)
def test_a_server_error_page_shows_no_details(school, pupil, people, settings):
    """A draft whose stored text cannot be decrypted makes the case page fail; the user sees a plain page."""
    from django.db import connection

    from cases.models import Case, Entry
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions

    settings.DEBUG = False
    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    adopt(school, version, people[Role.DIRECTIE])
    ib = people[Role.IB]
    case = Case.objects.create(school=school, pupil=pupil, meldcode_version=version, opened_by=ib, coordinator=ib)
    draft = Entry.objects.create(case=case, kind="note", author=ib, content={"text": OBSERVATION})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE cases_entry SET content = %s WHERE id = %s", ["v1:00000000:AAAA", draft.pk])
    client = Client(raise_request_exception=False)
    client.force_login(ib)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=ib).first().persistent_id
    session.save()
    response = client.get(reverse("cases:detail", args=[case.reference]))
    assert response.status_code == 500
    body = response.content.decode()
    for secret in ("Sanne", "Vries", "Traceback", "DecryptionError", "00000000", "cases_entry", case.reference):
        assert secret not in body
