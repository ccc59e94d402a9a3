"""From the school's own meldcode document to an adopted version in the browser, and a case that follows it.

The coordinator uploads the document, checks the draft beside it, edits two proposals, accepts the rest, and
adopts it; a teacher then opens a dossier that runs under the new version (issue 18).
"""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from cases.models import Case
from e2e.conftest import sign_in
from e2e.journal import fill_fields, needs, save_entry
from protocol.models import current_version

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEMPLATE = Path(__file__).resolve().parent.parent / "protocol" / "convert" / "templates_ref" / "jso-2010.txt"


def de_linde_document() -> bytes:
    """The 2010 template as a made-up school filled it in (its name, the IB at the parent conversation, Veilig
    Thuis Utrecht for the AMK)."""
    text = "\n".join(line for line in TEMPLATE.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    text = text.replace("[naam basisschool]", "OBS De Linde")
    text = text.replace("Bespreek de signalen met de ouder.",
                        "Bespreek de signalen met de ouder. Dit gesprek voert u altijd samen met de intern begeleider.")
    return text.replace("het Advies- en Meldpunt Kindermishandeling", "Veilig Thuis Utrecht").encode("utf-8")


def edit(page, title, value):
    card = page.locator("li.proposal", has=page.locator(".proposal-title", has_text=title)).first
    card.get_by_text("Aanpassen", exact=True).click()
    card.get_by_label("Nieuwe tekst").fill(value)
    card.get_by_role("button", name="Aanpassing opslaan").click()
    # htmx swaps the card in place and the validator's verdict beside it
    expect(page.locator("li.proposal", has_text=value).first).to_contain_text("aangepast")


def test_a_coordinator_converts_the_schools_document_adopts_it_and_a_new_case_follows_it(
        new_page, people, school, pupil):
    ip = new_page()
    sign_in(ip, people[Role.IB])
    ip.goto(f"/meldcode/{school.slug}/omzetten/")
    ip.get_by_label("Uw meldcode (.docx, .pdf of .txt)").set_input_files(files=[{
        "name": "meldcode-de-linde.txt", "buffer": de_linde_document(), "mimeType": "text/plain"}])
    ip.get_by_role("button", name="Omzetten").click()

    expect(ip.get_by_role("region", name="Herkend sjabloon")).to_contain_text("Sjabloon JSO basisonderwijs (2010)")
    expect(ip.get_by_role("region", name="Uw document")).to_contain_text(
        "Dit gesprek voert u altijd samen met de intern begeleider.")
    expect(ip.locator("li.proposal-legal")).to_contain_text("wettelijk minimum")
    expect(ip.get_by_role("button", name="Opslaan en vaststellen")).to_have_count(0)  # nothing decided yet

    edit(ip, "Naam van de school", "O.B.S. De Linde")
    edit(ip, "Meldpunt (namen van instanties)", "Veilig Thuis regio Utrecht")
    ip.get_by_role("button", name="Alle overige voorstellen accepteren").click()
    expect(ip.locator("#verdict")).to_contain_text("De controle keurt het concept goed.")
    expect(ip.locator("#verdict")).to_contain_text("Nog 0 voorstellen zonder beslissing.")

    ip.get_by_label("Ik bevestig dat het bevoegd gezag deze versie heeft vastgesteld", exact=False).check()
    ip.get_by_role("button", name="Opslaan en vaststellen").click()
    expect(ip.get_by_text("is opgeslagen en vastgesteld")).to_be_visible()
    version = current_version(school)
    assert version.title.endswith("O.B.S. De Linde")
    assert version.definition().names.report_point == "Veilig Thuis regio Utrecht"

    # A teacher opens a dossier: it runs under the converted meldcode and quotes the school's own rules.
    tp = new_page()
    sign_in(tp, people[Role.LEERKRACHT])
    tp.goto(f"/dossiers/{school.slug}/nieuw/")
    fill_fields(tp, {"pupil": str(pupil.pk)})
    tp.get_by_role("button", name="Dossier openen").click()
    expect(tp.locator("h1")).to_have_text("Signaal of observatie")
    fill_fields(tp, {"place": "Gymzaal", "situation": "Bij het omkleden voor de gymles.",
                     "observation": "Blauwe plekken op beide bovenarmen.", "is_hypothesis": "0"})
    save_entry(tp)
    case = Case.objects.get(pupil=pupil)
    assert case.meldcode_version == version
    assert any("Veilig Thuis regio Utrecht" in line for line in needs(tp))


def test_the_upload_page_and_the_draft_page_have_no_serious_accessibility_violations(new_page, people, school):
    from e2e.conftest import axe_violations

    page = new_page(bypass_csp=True)  # axe-core is injected as a script; only this check turns CSP off
    sign_in(page, people[Role.IB])
    page.goto(f"/meldcode/{school.slug}/omzetten/")
    assert axe_violations(page) == []
    page.get_by_label("Uw meldcode (.docx, .pdf of .txt)").set_input_files(files=[{
        "name": "meldcode-de-linde.txt", "buffer": de_linde_document(), "mimeType": "text/plain"}])
    page.get_by_role("button", name="Omzetten").click()
    expect(page.get_by_role("region", name="Herkend sjabloon")).to_be_visible()
    assert axe_violations(page) == []
