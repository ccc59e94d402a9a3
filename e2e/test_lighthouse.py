"""Lighthouse (from npm, pinned in package.json) scores the accessibility of the home, case and signal pages at
95 or more, run against Debian's Chromium as a signed-in IB (the session cookie goes along as a header)."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from accounts.roles import Role
from cases.models import Case, CaseMember, Route
from e2e.conftest import CHROMIUM, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / "lighthouse" / "cli" / "index.js"
MINIMUM = 95


@pytest.fixture
def lighthouse():
    if not LIGHTHOUSE.exists():
        pytest.skip("Lighthouse is not installed: run `npm ci` at the repository root (package.json pins it).")
    node = shutil.which("node")
    if not node:
        pytest.skip("Lighthouse needs Node.js, which is not installed (apt-get install nodejs).")

    def score(url, cookies, out: Path) -> tuple[float, list[str]]:
        header = out.with_suffix(".headers.json")
        header.write_text(json.dumps({"Cookie": "; ".join(f"{c['name']}={c['value']}" for c in cookies)}))
        env = {**os.environ, "CHROME_PATH": shutil.which("chromium") or CHROMIUM}
        subprocess.run(  # noqa: S603 - our own pinned tool on our own live server
            [node, str(LIGHTHOUSE), url, "--only-categories=accessibility", "--output=json",
             f"--output-path={out}", f"--extra-headers={header}", "--quiet", "--form-factor=mobile",
             "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage"],
            check=True, env=env, timeout=180, capture_output=True)
        report = json.loads(out.read_text())
        failed = [f"{audit['id']}: {audit['title']}" for audit in report["audits"].values()
                  if audit.get("score") == 0 and audit.get("scoreDisplayMode") == "binary"]
        return report["categories"]["accessibility"]["score"] * 100, failed

    return score


def test_the_home_case_and_signal_pages_score_at_least_95_for_accessibility(
        lighthouse, new_page, live_server, adopted, pupil, people, tmp_path):
    case = Case.objects.create(school=pupil.school, pupil=pupil, meldcode_version=adopted, route=Route.REGULAR,
                               opened_by=people[Role.IB], coordinator=people[Role.IB])
    CaseMember.objects.create(case=case, user=people[Role.LEERKRACHT])
    case.refresh_step()
    page = new_page()
    sign_in(page, people[Role.IB])
    cookies = page.context.cookies()

    scores = {}
    for name, path in {"home": "/", "case": f"/dossiers/d/{case.reference}/",
                       "signal": f"/dossiers/d/{case.reference}/nieuw/signal/"}.items():
        score, failed = lighthouse(live_server.url + path, cookies, tmp_path / f"{name}.json")
        scores[name] = (score, failed)
    assert all(score >= MINIMUM for score, _ in scores.values()), scores
