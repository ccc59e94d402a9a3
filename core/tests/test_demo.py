"""The demo as `make demo` builds it, in a temporary folder and in separate processes like the real thing:
the database file never holds dossier text in the clear, the coordinator still reads it, and loading the
demo twice changes nothing."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "blauwe plek"

COUNT_MODELS = textwrap.dedent("""
    import json, django
    django.setup()
    from django.apps import apps
    print(json.dumps({m._meta.label: m._default_manager.count() for m in apps.get_models()
                      if m._meta.managed and not m._meta.proxy}))
""")

COORDINATOR_READS_THE_CASE = textwrap.dedent("""
    import json, django
    django.setup()
    from django.test import Client
    from django.urls import reverse
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from accounts.models import User
    from cases.models import Case

    ib = User.objects.get(email="ib.desprong@example.org")
    case = Case.objects.get(pupil__first_name="Sanne", school__slug="de-sprong")
    client = Client()
    client.force_login(ib)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=ib, confirmed=True).first().persistent_id
    session.save()
    page = client.get(reverse("cases:detail", args=[case.reference]))
    outsider = User.objects.get(email="beheer.stichtingdemo@example.org")
    other = Client()
    other.force_login(outsider)
    session = other.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=outsider, confirmed=True).first().persistent_id
    session.save()
    refused = other.get(reverse("cases:detail", args=[case.reference]))
    print(json.dumps({"status": page.status_code, "shows": __SECRET__ in page.content.decode(),
                      "outsider_status": refused.status_code, "outsider_sees": __SECRET__ in refused.content.decode()}))
""").replace("__SECRET__", repr(SECRET))


# The demo runs with DEBUG on; a school trying it still gets the Dutch 404, not Django's technical page.
DEMO_NOT_FOUND = textwrap.dedent("""
    import json, django
    django.setup()
    from django.conf import settings
    from django.test import Client
    page = Client().get("/bestaat-niet/", HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    print(json.dumps({"debug": settings.DEBUG, "status": page.status_code, "dutch": "bestaat niet" in body,
                      "calls": 'href="tel:112"' in body and 'href="tel:08002000"' in body,
                      "technical": "URLconf" in body or "Django" in body}))
""")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    var = tmp_path_factory.mktemp("demo-var")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "MELDCODE_"))}
    environment.update({"MELDCODE_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "meldcode.settings",
                        "MELDCODE_ENVIRONMENT": "development"})
    environment.pop("DATABASE_URL", None)

    def run(*args, code=None):
        command = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
        result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        return result.stdout

    run("migrate", "--no-input")
    run("createcachetable")
    run("seed_demo")
    first = json.loads(run(code=COUNT_MODELS))
    run("seed_demo")
    second = json.loads(run(code=COUNT_MODELS))
    reading = json.loads(run(code=COORDINATOR_READS_THE_CASE).strip().splitlines()[-1])
    not_found = json.loads(run(code=DEMO_NOT_FOUND).strip().splitlines()[-1])
    return {"var": var, "first": first, "second": second, "reading": reading, "not_found": not_found}


def test_the_demo_database_never_holds_the_observation_in_the_clear(demo):
    files = sorted(demo["var"].glob("meldcode.sqlite3*"))
    assert any(path.name == "meldcode.sqlite3" for path in files)
    # A control: plain data such as a pupil's first name is found by this very scan.
    assert any(b"Sanne" in path.read_bytes() for path in files)
    for path in files:
        data = path.read_bytes()
        for encoding in ("utf-8", "utf-16-le"):
            assert SECRET.encode(encoding) not in data, path.name
        assert b"Sanne had maandag" not in data, path.name
    for path in (demo["var"] / "private").rglob("*") if (demo["var"] / "private").exists() else []:
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path.name


def test_the_coordinator_reads_the_demo_case_and_an_outsider_gets_a_404(demo):
    assert demo["reading"] == {"status": 200, "shows": True, "outsider_status": 404, "outsider_sees": False}


def test_loading_the_demo_twice_changes_nothing(demo):
    assert demo["first"]["cases.Case"] == 2
    assert demo["first"]["cases.Entry"] > 5
    assert demo["second"] == demo["first"]


def test_the_demo_shows_the_dutch_404_with_the_emergency_numbers(demo):
    assert demo["not_found"] == {"debug": True, "status": 404, "dutch": True, "calls": True, "technical": False}
