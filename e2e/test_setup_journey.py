"""From an empty installation to a first case, as a new school would do it, and the same person signing in
with the school's own account through a real OpenID Connect provider on 127.0.0.1 (accounts/testing_oidc.py)."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts import sso
from accounts.models import User
from accounts.testing_oidc import CLIENT_ID, CLIENT_SECRET, TestProvider
from cases.models import Case
from e2e.conftest import PASSWORD, sign_in
from e2e.test_socialmap_import import SOCIALE_KAART, word_document
from schools.models import Board, Pupil, School
from socialmap.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "wilgenlaan-fietst-2026"  # noqa: S105 - the new directie's password in this journey
EDEX = """<?xml version="1.0" encoding="UTF-8"?>
<EDEX>
  <groepen><groep key="G5"><naam>Groep 5</naam><jaargroep>5</jaargroep></groep></groepen>
  <leerlingen>
    <leerling key="4711"><achternaam>Vries</achternaam><voorvoegsel>de</voorvoegsel><roepnaam>Sanne</roepnaam>
      <geboortedatum>2017-03-14</geboortedatum><groep key="G5"/></leerling>
    <leerling key="4712"><achternaam>Jansen</achternaam><roepnaam>Daan</roepnaam>
      <geboortedatum>2016-11-02</geboortedatum><groep key="G5"/></leerling>
  </leerlingen>
</EDEX>
"""


@pytest.fixture
def provider():
    sso.forget_discovery()
    running = TestProvider().start()
    yield running
    running.stop()
    sso.forget_discovery()


def code_for(device) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def link_in(message) -> str:
    line = next(line.strip() for line in message.body.splitlines() if "/wachtwoord-kiezen/" in line)
    return line[line.index("/account/"):]


def test_a_new_school_goes_from_nothing_to_a_first_case_and_then_signs_in_with_its_school_account(
        new_page, mailoutbox, provider, settings, live_server):
    settings.SITE_URL = live_server.url
    assert not Board.objects.exists() and not School.objects.exists()

    # The installation administrator (manage.py createsuperuser) signs in and sets up board and school.
    admin = User.objects.create_superuser("beheer@installatie.nl", PASSWORD, full_name="Beheer Installatie")
    TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    ap = new_page()
    sign_in(ap, admin)
    ap.goto("/account/installatie/")
    ap.get_by_label("Naam van het schoolbestuur").fill("Stichting Noorderlicht")
    ap.get_by_role("button", name="Schoolbestuur aanmaken").click()
    expect(ap.get_by_text("Schoolbestuur Stichting Noorderlicht aangemaakt.")).to_be_visible()

    school_form = ap.locator("form", has=ap.get_by_role("button", name="School aanmaken"))
    school_form.get_by_label("Naam van de school").fill("O.B.S. De Wilg")
    school_form.get_by_label("BRIN-nummer").fill("12AB")
    school_form.get_by_label("E-mailadres van de eerste directie of beheerder").fill("j.wit@dewilg.nl")
    school_form.locator('[name="school-invite_name"]').fill("Jan Wit")
    ap.get_by_role("button", name="School aanmaken").click()
    expect(ap.get_by_text("Uitnodiging gemaild naar Jan Wit <j.wit@dewilg.nl>")).to_be_visible()
    school = School.objects.get(name="O.B.S. De Wilg")

    # In a small school the directeur is also the functioneel beheerder (who imports the pupils).
    ap.locator('[name="invite-school"]').select_option(str(school.pk))
    ap.locator('[name="invite-invite_email"]').fill("j.wit@dewilg.nl")
    ap.locator('[name="invite-invite_role"]').select_option("beheer")
    ap.get_by_role("button", name="Uitnodigen", exact=True).click()
    expect(ap.locator("main")).to_contain_text("j.wit@dewilg.nl")

    # The board signs in with its own Microsoft 365 (here: the test provider).
    ap.get_by_role("link", name="Inloggen met een schoolaccount instellen").click()
    ap.get_by_label("Naam voor medewerkers").fill("Microsoft 365")
    ap.get_by_label("Issuer (uitgever)").fill(provider.issuer)
    ap.get_by_label("Client-ID").fill(CLIENT_ID)
    ap.get_by_label("Clientgeheim").fill(CLIENT_SECRET)
    ap.get_by_label("E-maildomeinen").fill("dewilg.nl")
    ap.get_by_role("button", name="Opslaan").click()
    expect(ap.get_by_text("Inloggen met een schoolaccount is opgeslagen voor Stichting Noorderlicht.")).to_be_visible()

    # Jan accepts the invitation: a password, then the authenticator app.
    invitation = next(m for m in mailoutbox if "j.wit@dewilg.nl" in m.to)
    jp = new_page()
    jp.goto(link_in(invitation))
    jp.locator('[name="new_password1"]').fill(NEW_PASSWORD)
    jp.locator('[name="new_password2"]').fill(NEW_PASSWORD)
    jp.get_by_role("button", name="Wachtwoord opslaan").click()
    jp.wait_for_url("**/account/2fa-instellen/**")
    jan = User.objects.get(email="j.wit@dewilg.nl")
    expect(jp.get_by_test_id("totp-secret")).not_to_be_empty()
    jp.get_by_label("Code").fill(code_for(TOTPDevice.objects.get(user=jan, confirmed=False)))
    jp.get_by_role("button", name="Bevestigen").click()
    jp.get_by_role("link", name="Ik heb ze bewaard, verder").click()
    jp.wait_for_url(lambda url: "/account/" not in url)

    # He adopts the national model (2019).
    from protocol.models import MeldcodeVersion, ensure_shipped_versions

    ensure_shipped_versions()
    national = MeldcodeVersion.objects.get(key="landelijk-2019")
    jp.goto(f"/meldcode/{school.slug}/versies/?vaststellen={national.pk}")
    jp.locator('input[name="confirm"]').check()
    jp.get_by_role("button", name="Vaststellen").click()
    expect(jp.locator("main")).to_contain_text("vastgesteld")

    # The sociale kaart from the school's Word document.
    jp.goto(f"/sociale-kaart/{school.slug}/importeren/")
    jp.get_by_label("Meldcode van de school").set_input_files(files=[{
        "name": "meldcode-de-wilg.docx", "buffer": word_document(SOCIALE_KAART),
        "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}])
    jp.get_by_role("button", name="Document controleren").click()
    jp.get_by_role("button", name="Bevestigen en opslaan").click()
    expect(jp.get_by_text("De sociale kaart is bijgewerkt")).to_be_visible()
    assert Organisation.objects.filter(school=school).count() == 3

    # The pupils, straight from ParnasSys' EDEX export.
    jp.goto(f"/scholen/{school.slug}/import/leerlingen/")
    jp.get_by_label("Bestand").set_input_files(files=[{"name": "EDEX.XML", "buffer": EDEX.encode(),
                                                       "mimeType": "text/xml"}])
    jp.get_by_role("button", name="Controleren").click()
    expect(jp.locator("main")).to_contain_text("Sanne de Vries")
    jp.get_by_role("button", name="Bevestigen en opslaan").click()
    expect(jp.get_by_text("Import opgeslagen: 2 toegevoegd")).to_be_visible()
    sanne = Pupil.objects.get(school=school, student_number="4711")

    # And opens a first case.
    jp.goto(f"/dossiers/{school.slug}/nieuw/")
    jp.locator('[name="pupil"]').select_option(str(sanne.pk))
    jp.get_by_role("button", name="Dossier openen").click()
    expect(jp.locator("h1")).to_have_text("Signaal of observatie")
    assert Case.objects.filter(school=school, pupil=sanne).count() == 1

    # Signed out, Jan comes back through his school account; the provider did MFA, so no app code.
    jp.locator("form[action='/account/uitloggen/'] button").first.click()
    expect(jp.get_by_text("U bent uitgelogd.")).to_be_visible()
    provider.sign_in_as("j.wit@dewilg.nl", amr=["pwd", "mfa"])
    jp.get_by_label("E-mailadres van school").fill("j.wit@dewilg.nl")
    jp.get_by_role("button", name="Inloggen met uw schoolaccount").click()
    jp.wait_for_url(lambda url: "/account/" not in url and provider.issuer not in url)
    expect(jp.locator("main")).to_contain_text("De Wilg")
    assert provider.codes == {}  # the code was exchanged at the token endpoint

    # Signing out after a school-account sign-in offers the provider's own sign-out (a shared school computer).
    jp.locator("form[action='/account/uitloggen/'] button").first.click()
    expect(jp.get_by_role("heading", name="U bent uitgelogd bij Meldcode")).to_be_visible()
    provider_logout = jp.get_by_role("link", name="Ook uitloggen bij")
    assert provider_logout.get_attribute("href").startswith(f"{provider.issuer}/logout?")
    jp.get_by_role("link", name="Naar de inlogpagina").click()

    # Without MFA at the provider, the app still asks its own code.
    provider.sign_in_as("j.wit@dewilg.nl", amr=["pwd"])
    jp.get_by_label("E-mailadres van school").fill("j.wit@dewilg.nl")
    jp.get_by_role("button", name="Inloggen met uw schoolaccount").click()
    jp.wait_for_url("**/account/code/**")
    expect(jp.get_by_label("Code")).to_be_visible()
