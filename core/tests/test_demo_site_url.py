"""The demo prints the address it really serves on (SITE_URL, which `make demo PORT=...` sets)."""

import re
from io import StringIO
from pathlib import Path

from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]


def test_seed_demo_prints_the_site_url_it_serves_on(db, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Open http://127.0.0.1:8123 en log in" in out.getvalue()
    assert ":8000" not in out.getvalue()


def test_make_demo_passes_its_own_host_and_port_as_site_url():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^demo: export SITE_URL \?= http://\$\(HOST\):\$\(PORT\)$", makefile, flags=re.MULTILINE)
