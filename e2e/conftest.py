"""Browser journeys: Debian's headless Chromium driven by Playwright against the app on a live server.

The root conftest provides the school, people in every role and the pupil; this file adds the browser,
sign-in helpers and the axe-core accessibility check.
"""

import os
import re
from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import Role

# Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls made here
# (creating fixtures, asserting on the database) unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - the root conftest's test password


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Browser journeys skipped: no Chromium at {CHROMIUM} (apt-get install chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context_options) -> a fresh page in its own browser context (its own cookies)."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server.url, locale="nl-NL", timezone_id="Europe/Amsterdam",
                                      **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


def current_totp(user, steps_ahead=0) -> str:
    """The code the user's authenticator app shows right now, computed from the device key.

    A code is accepted only once; a second code within the same 30 seconds (re-authentication right
    after signing in) is the next one, which the device accepts within its tolerance of one step.
    """
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def sign_in(page, user, next_path="/"):
    """Sign in through the real forms: e-mail and password, then the authenticator code."""
    page.goto(f"/account/inloggen/?next={next_path}")
    page.get_by_label("E-mailadres").fill(user.email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/account/code/**")
    page.get_by_label("Code").fill(current_totp(user))
    page.get_by_role("button", name="Controleren").click()
    page.wait_for_url(lambda url: "/account/" not in url)


@pytest.fixture
def signed_in(new_page):
    """signed_in(user) -> a page in which `user` has signed in with password and second factor."""

    def make(user, **options):
        page = new_page(**options)
        sign_in(page, user)
        return page

    return make


ALL_IMPACTS = ("minor", "moderate", "serious", "critical")
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 768}}
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS") or Path(__file__).resolve().parent.parent / "var" / "screenshots")


def screenshot(page, name: str) -> Path:
    """Write a full-page screenshot of the page as it is now to the screenshot folder (`make e2e` prints it)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Stable names across runs: the random case reference and school slug become "case" and "school".
    name = re.sub(r"/d/[A-Z0-9]{4}-[A-Z0-9]{4}", "/d/case", name)
    name = re.sub(r"school-\d+", "school", name)
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in name).strip("-")
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page, impacts=ALL_IMPACTS):
    """Run axe-core on the page as it is now; the violations of the given impacts (all, unless told), as lines.

    The page must come from a context made with bypass_csp=True: our strict CSP forbids the injected
    script otherwise. Only the accessibility check uses such a context; the journeys run with CSP on.
    """
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci` at the repository root.")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {', '.join(v['targets'])}"
            for v in result if v["impact"] in impacts]


@pytest.fixture
def adopted(school, people):
    """The school has adopted the national model meldcode (2019), as the directie would."""
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions

    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    adopt(school, version, people[Role.DIRECTIE])
    return version
