import os
import subprocess
import sys
from pathlib import Path

import pytest

from meldcode.env import REGISTRY

ROOT = Path(__file__).resolve().parents[2]


def start_production(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "MELDCODE_"))}
    environment.update({"MELDCODE_ENVIRONMENT": "production", "DJANGO_SETTINGS_MODULE": "meldcode.settings", **env})
    return subprocess.run([sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=60)


GOOD_SECRET = "x" * 50
GOOD_KEY = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="


@pytest.mark.parametrize(("env", "message"), [
    ({"DEBUG": "1", "SECRET_KEY": GOOD_SECRET, "MELDCODE_ENCRYPTION_KEYS": GOOD_KEY}, "DEBUG staat aan"),
    ({"DEBUG": "0", "MELDCODE_ENCRYPTION_KEYS": GOOD_KEY}, "SECRET_KEY ontbreekt"),
    ({"DEBUG": "0", "SECRET_KEY": GOOD_SECRET}, "MELDCODE_ENCRYPTION_KEYS ontbreekt"),
])
def test_production_refuses_to_start_with_unsafe_settings(env, message):
    result = start_production(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_safe_settings():
    result = start_production(DEBUG="0", SECRET_KEY=GOOD_SECRET, MELDCODE_ENCRYPTION_KEYS=GOOD_KEY)
    assert result.returncode == 0, result.stderr


def test_every_setting_from_the_environment_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text()
    missing = [name for name in REGISTRY if f"`{name}`" not in documented]
    assert not missing, f"not in docs/configuration.md: {missing}"
