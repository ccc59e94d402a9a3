"""Importing the sociale kaart from the school's Word document: preview first, nothing saved until confirmed."""

import io

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from e2e.conftest import sign_in
from socialmap.models import Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SOCIALE_KAART = """Bijlage 3: Sociale kaart

Organisatie: Veilig Thuis Drenthe
Adres: Postbus 100, 9400 AC Assen
Telefoon: 0800-2000
Website: www.veiligthuisdrenthe.nl

Organisatie: Centrum voor Jeugd en Gezin Hoogeveen
Contactpersoon: Mevrouw J. de Boer
Telefoon: 0528-291291
E-mail: info@cjghoogeveen.nl

Organisatie: Schoolmaatschappelijk werk Hoogeveen
Telefoon: 0528-234567
"""


def word_document(text: str) -> bytes:
    from docx import Document

    document = Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_a_coordinator_imports_the_sociale_kaart_after_checking_the_preview(new_page, people, school):
    page = new_page()
    sign_in(page, people[Role.IB])
    page.goto(f"/sociale-kaart/{school.slug}/importeren/")
    page.get_by_label("Meldcode van de school").set_input_files(files=[{
        "name": "meldcode-de-sprong.docx", "buffer": word_document(SOCIALE_KAART),
        "mimeType": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}])
    page.get_by_role("button", name="Document controleren").click()

    expect(page.get_by_text("We vonden 3 organisaties. Er is nog niets opgeslagen")).to_be_visible()
    rows = page.locator("fieldset.preview-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("legend")).to_contain_text("Veilig Thuis Drenthe")
    assert Organisation.objects.filter(school=school).count() == 0

    # The coordinator corrects a name and leaves schoolmaatschappelijk werk out.
    cjg = rows.filter(has_text="Centrum voor Jeugd en Gezin Hoogeveen")
    cjg.locator('input[name$="-name"]').fill("CJG Hoogeveen")
    smw = rows.filter(has_text="Schoolmaatschappelijk werk")
    smw.get_by_role("radiogroup").locator('input[value="skip"]').check()
    page.get_by_role("button", name="Bevestigen en opslaan").click()

    expect(page.get_by_text("De sociale kaart is bijgewerkt: 2 toegevoegd")).to_be_visible()
    saved = {o.name: [p.number for p in o.phones.all()] for o in Organisation.objects.filter(school=school)}
    assert saved == {"Veilig Thuis Drenthe": ["0800-2000"], "CJG Hoogeveen": ["0528-291291"]}
    expect(page.locator("main")).to_contain_text("CJG Hoogeveen")
    expect(page.locator("main")).not_to_contain_text("Schoolmaatschappelijk werk")
