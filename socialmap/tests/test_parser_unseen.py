"""The parser on made-up sociale kaarten laid out the way other schools' meldcodes are, none of them seen
while the parser was written: numbered or bulleted lists, names as headings, tab tables, other label words,
single-letter labels, page footers in a block, stray links, template blocks and prose around the kaart.

Each document lives in fixtures/unseen/ and every organisation is checked field by field, in the JSON shape
the import command prints (a field the document does not give is None).
"""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from socialmap.parser import parse_organisations
from socialmap.readers import read_document
from socialmap.tests.helpers import docx_bytes, pdf_bytes
from socialmap.values import parse_phones

FIXTURES = Path(__file__).parent / "fixtures" / "unseen"
FIELDS = ("name", "contact", "address", "phone", "email", "website")


def org(name, contact=None, address=None, phone=None, email=None, website=None, phones=None):
    """An expected organisation; `phones` lists (number, note) pairs when the notes matter too."""
    expected = {"name": name, "contact": contact, "address": address, "phone": phone, "email": email,
                "website": website}
    if phones is not None:
        expected["phones"] = phones
    return expected


def summary(organisations, with_phones):
    result = []
    for index, parsed in enumerate(organisations):
        data = parsed.to_json()
        item = {key: data[key] for key in FIELDS}
        if index in with_phones:
            item["phones"] = [(p["number"], p["note"] or "") for p in data["phones"]]
        result.append(item)
    return result


def check(text, expected):
    with_phones = {index for index, item in enumerate(expected) if "phones" in item}
    assert summary(parse_organisations(text), with_phones) == expected


EXPECTED = {
    "01_de_eik_numbered_headings.txt": [
        # Names as numbered headings, "Mail"/"Internet"/"www" labels, e-mail in angle brackets and after
        # "mailto:", a page footer between two fields of a block and prose before and after the kaart.
        org("Veilig Thuis Drenthe", address="Klompmakerstraat 2\n9403 VL Assen", phone="0800-2000",
            email="info@veiligthuisdrenthe.nl", website="www.veiligthuisdrenthe.nl",
            phones=[("0800-2000", "gratis, 24/7")]),
        org("Centrum voor Jeugd en Gezin Emmen", contact="Marieke Zwiers (jeugdverpleegkundige)",
            address="Noordbargerstraat 20, 7812 AB Emmen", phone="0591-685500", email="cjg@emmen.nl",
            website="www.cjgemmen.nl"),
        org("Schoolmaatschappelijk werk (Sedna)", contact="Henk Lubbers", phone="06-12345678",
            email="h.lubbers@sedna-welzijn.nl", phones=[("06-12345678", ""), ("0591-123456", "secretariaat")]),
        org("Wijkteam Emmen-Zuid", address="Postbus 30001\n7800 RA Emmen", phone="14 0591",
            website="wijkteamsemmen.nl"),
    ],
    "02_de_regenboog_colons_tabs_placeholders.txt": [
        # Colons with and without spaces, tabs around them, "T.a.v.", and template blocks left empty or
        # filled with dots.
        org("Veilig Thuis Gelderland-Midden", contact="Team Advies", address="Postbus 5364\n6802 EJ Arnhem",
            phone="0800-2000", email="info@vggm.nl", website="www.veiligthuisgm.nl"),
        org("Jeugdgezondheidszorg VGGM", contact="Mw. S. Bakker, jeugdarts",
            address="Eusebiusbuitensingel 43\n6828 HZ Arnhem", phone="088-3556000", email="jgz@vggm.nl",
            phones=[("088-3556000", "ma t/m vr 8.30 - 17.00 uur")]),
        org("Sociaal Team Arnhem-Noord", phone="0800-1234567", website="www.arnhem.nl/socialeteams",
            phones=[("0800-1234567", "gratis")]),
    ],
    "03_sint_jozef_tab_table.txt": [
        # A tab-separated table with the labels in its header row; empty cells and "-" for nothing.
        org("Veilig Thuis Twente", phone="0800-2000", email="info@veiligthuistwente.nl",
            website="www.veiligthuistwente.nl"),
        org("Jeugdarts GGD Twente", contact="Dr. A. Nijhuis", phone="088-3860100", email="jgz@ggdtwente.nl",
            website="ggdtwente.nl"),
        org("Politie Enschede", contact="wijkagent R. Kok", phone="0900-8844", website="www.politie.nl"),
    ],
    "04_het_kompas_bullets.txt": [
        # Bullets and indented dashes, an address on two lines, "t.a.v." before the contact person.
        org("Veilig Thuis IJsselland", address="Dokter van Deenweg 2, 8025 BL Zwolle", phone="0800-2000",
            email="info@veiligthuisijsselland.nl", website="www.veiligthuisijsselland.nl",
            phones=[("0800-2000", "gratis, 24 uur per dag bereikbaar")]),
        org("Sociaal Wijkteam Zwolle-Zuid", contact="mevrouw L. Brinkman",
            address="Kamperpoortenstraat 5\n8011 HT Zwolle", phone="038-4981111", email="l.brinkman@zwolle.nl",
            phones=[("038-4981111", ""), ("06-87654321", "alleen ma/di")]),
        org("GGD IJsselland, afdeling JGZ", phone="088-4430702", email="jgz@ggdijsselland.nl"),
    ],
    "05_startblok_unlabelled_headings_tabs.txt": [
        # No organisation label: the name is the heading; labels and values separated by a tab only, and a
        # running footer with the page number between a phone number and an e-mail address.
        org("Veilig Thuis Twente", address="Hengelosestraat 585\n7521 AG Enschede", phone="0800-2000",
            email="info@veiligthuistwente.nl", website="www.veiligthuistwente.nl"),
        org("Jeugdteam Hengelo", contact="Ay\u015fe Demir", phone="074-2459876", email="a.demir@hengelo.nl"),
        org("Huisartsenpost Hengelo", phone="0900-1515", phones=[("0900-1515", "'s avonds en in het weekend")]),
    ],
    "06_overijssel_page_break_and_links.txt": [
        # A page break inside a block, a bare website under a block, and the hyperlink targets Word leaves
        # at the end of the section.
        org("Jeugdbescherming Overijssel", contact="J. Meijer", address="L\u00fcbeckplein 1, 8017 JZ Zwolle",
            phone="088-6666000", email="info@jbov.nl", website="www.jbov.nl"),
        org("Steunpunt Huiselijk Geweld IJsselland", phone="0900-1262626",
            phones=[("0900-1262626", "5 cent per minuut")]),
        org("Kindertelefoon", phone="0800-0432", website="www.kindertelefoon.nl",
            phones=[("0800-0432", "gratis en anoniem")]),
    ],
    "07_belangrijke_telefoonnummers.txt": [
        # A short list of "name: number" lines, the way many schools write their emergency numbers.
        org("Politie (noodgevallen)", phone="112"),
        org("Veilig Thuis Groningen", phone="0800-2000"),
        org("Kindertelefoon", phone="0800-0432"),
        org("Huisartsenpost Groningen", phone="0900-9229"),
        org("Wijkagent", phone="0900-8844"),
    ],
    "08_label_variants.txt": [
        # "Naam instelling", "Ketenpartner", "Organisatie/instantie", "Tel.nr.", "Websiteadres", ...
        org("Veilig Thuis Frysl\u00e2n", phone="088-2299444", email="info@veiligthuisfryslan.nl",
            website="www.veiligthuisfryslan.nl"),
        org("GGD Frysl\u00e2n (jeugdgezondheidszorg)", contact="Sietske Hoekstra",
            address="Harlingerstraatweg 4\n8914 AZ Leeuwarden", phone="088-2299222", email="jgz@ggdfryslan.nl",
            website="www.ggdfryslan.nl/jgz", phones=[("088-2299222", "algemeen")]),
        org("Gebiedsteam Leeuwarden-Oost", contact="Johan de Jong",
            address="Oostergrachtswal 10, 8921 AA Leeuwarden", phone="058-2338383",
            email="gebiedsteam.oost@leeuwarden.nl", phones=[("058-2338383", ""), ("06-11223344", "spoed")]),
    ],
    "09_signature_style.txt": [
        # Copied from e-mail signatures: "T:", "E:", "W:".
        org("Jeugdarts GGD Drenthe", phone="0592-306300", email="jgz@ggddrenthe.nl", website="www.ggddrenthe.nl"),
        org("Veilig Thuis Drenthe", phone="0800-2000", email="info@veiligthuisdrenthe.nl",
            website="veiligthuisdrenthe.nl"),
    ],
    "10_trailing_prose_and_school_block.txt": [
        # The school's own block is not a partner, "Naam:" under an organisation is its contact person, a
        # name on the line under its label, and the school's details after the closing prose stay out.
        org("Veilig Thuis Drenthe", contact="Johanna Homminga", address="Klompmakerstraat 2, 9403 VL Assen",
            phone="088-2460244", email="info@veiligthuisdrenthe.nl"),
        org("Veilig Thuis Drenthe \u2013 spoedlijn", phone="0800-2000", phones=[("0800-2000", "gratis, 24/7")]),
        org("Centrum voor Jeugd en Gezin Emmen", address="Noordbargerstraat 20, 7812 AB Emmen",
            phone="0591-685500", phones=[("0591-685500", "")]),
    ],
    "11_headings_with_descriptions.txt": [
        # A sentence describing the organisation between its heading and its fields.
        org("Veilig Thuis Noord- en Oost-Gelderland", phone="0800-2000", email="info@vtnog.nl",
            website="www.vtnog.nl"),
        org("Centrum voor Jeugd en Gezin Apeldoorn", address="Deventerstraat 40, 7321 CD Apeldoorn",
            phone="055-3578800", website="www.cjgapeldoorn.nl"),
        org("Bureau Jeugdzorg Gelderland", phone="026-3129400", email="info@bjzgelderland.nl"),
    ],
    "12_labels_and_headings_mixed.txt": [
        # Most blocks have an organisation label; two added later have only a heading.
        org("Veilig Thuis Limburg", phone="0800-2000", email="info@vtlimburg.nl", website="www.vtlimburg.nl"),
        org("Kindertelefoon", phone="0800-0432", website="www.kindertelefoon.nl"),
        org("Politie Limburg-Zuid", contact="wijkagent T. Hermans", phone="0900-8844"),
        org("Huisartsenpost Maastricht", phone="043-3877777"),
    ],
}


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_each_unseen_document_gives_exactly_its_organisations(filename):
    check((FIXTURES / filename).read_text(encoding="utf-8"), EXPECTED[filename])


@pytest.mark.parametrize("filename", ["02_de_regenboog_colons_tabs_placeholders.txt", "03_sint_jozef_tab_table.txt",
                                      "05_startblok_unlabelled_headings_tabs.txt", "09_signature_style.txt"])
def test_the_same_documents_saved_as_word_files_give_the_same_organisations(filename):
    text = (FIXTURES / filename).read_text(encoding="utf-8")
    check(read_document(docx_bytes(text), "meldcode.docx"), EXPECTED[filename])


@pytest.mark.parametrize("filename", sorted(EXPECTED))
def test_the_same_documents_as_pdf_files_give_the_same_organisations(filename):
    text = (FIXTURES / filename).read_text(encoding="utf-8")
    check(read_document(pdf_bytes(text), "meldcode.pdf"), EXPECTED[filename])


@pytest.mark.parametrize("filename", ["01_de_eik_numbered_headings.txt", "10_trailing_prose_and_school_block.txt",
                                      "11_headings_with_descriptions.txt", "12_labels_and_headings_mixed.txt"])
def test_pdf_paragraph_spacing_and_wrapped_prose_change_nothing(filename):
    # One paragraph per line: blank lines between all of them, and long sentences wrapped over two lines.
    text = (FIXTURES / filename).read_text(encoding="utf-8")
    check(read_document(pdf_bytes(text, preformatted=False), "meldcode.pdf"), EXPECTED[filename])


@pytest.mark.parametrize("filename", ["01_de_eik_numbered_headings.txt", "04_het_kompas_bullets.txt"])
def test_windows_line_endings_and_non_breaking_spaces_change_nothing(filename):
    text = (FIXTURES / filename).read_text(encoding="utf-8")
    check(text.replace(": ", ":\u00a0").replace("\n", "\r\n"), EXPECTED[filename])


@pytest.mark.django_db
@pytest.mark.parametrize("filename", ["01_de_eik_numbered_headings.txt", "07_belangrijke_telefoonnummers.txt",
                                      "10_trailing_prose_and_school_block.txt"])
def test_the_command_prints_the_same_organisations_as_json(school, tmp_path, filename):
    import io

    path = tmp_path / "meldcode.txt"
    path.write_bytes((FIXTURES / filename).read_bytes())
    out = io.StringIO()
    call_command("import_socialmap", str(path), "--school", school.slug, "--dry-run", "--format", "json",
                 stdout=out, stderr=io.StringIO())
    data = json.loads(out.getvalue())
    assert [{key: item.get(key) for key in FIELDS} for item in data] == [
        {key: item[key] for key in FIELDS} for item in EXPECTED[filename]]


# --- smaller variations, inline ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("0592-123456", [("0592-123456", "")]),
    ("0592 12 34 56", [("0592-123456", "")]),
    ("+31 (0)592 123456", [("0592-123456", "")]),
    ("0031 (0)592 123456", [("0592-123456", "")]),
    ("0031 592 123456", [("0592-123456", "")]),
    ("+31 6 12345678", [("06-12345678", "")]),
    ("088 - 12 34 567", [("088-1234567", "")]),
    ("(0592) 12 34 56", [("0592-123456", "")]),
    ("0800-2000 (gratis, 24/7)", [("0800-2000", "gratis, 24/7")]),
    ("0592 - 39 55 55 (bgg 06 - 12 34 56 78)", [("0592-395555", ""), ("06-12345678", "bgg")]),
    ("0592 123456 (overdag) of 06 12345678 (avond)", [("0592-123456", "overdag"), ("06-12345678", "avond")]),
])
def test_phone_numbers_in_the_ways_schools_write_them(value, expected):
    assert parse_phones(value) == (expected, "")


def test_empty_template_blocks_with_every_kind_of_placeholder_are_skipped():
    text = """Organisatie: ………………………
Contactpersoon: ……………
Telefoon: ….

Organisatie: (naam invullen)
Telefoon: 0000-000000

Organisatie: _______________
E-mail: ______________

Organisatie: xxx
Adres: xxx

Naam organisatie: <naam>
Telefoon: <telefoonnummer>

Organisatie: GGD Hollands Noorden
Telefoon: 088 - 010 05 55
"""
    check(text, [org("GGD Hollands Noorden", phone="088-0100555")])


def test_angle_brackets_around_a_real_address_are_not_a_placeholder():
    text = "Organisatie: MEE Noord\nE-mail: <Info@MEE-Noord.nl>\nWebsite: <https://www.mee-noord.nl/>\n"
    check(text, [org("MEE Noord", email="info@mee-noord.nl", website="www.mee-noord.nl")])


def test_a_one_line_name_and_number_in_prose_is_not_an_organisation():
    text = ("Stap 1: In kaart brengen van signalen.\n\nBij twijfel: 0800-2000 bellen voor advies.\n\n"
            "Organisatie: Veilig Thuis\nTelefoon: 0800-2000\n")
    check(text, [org("Veilig Thuis", phone="0800-2000")])


def test_a_table_without_a_header_row_of_name_phone_and_address_cells():
    text = "Sociale kaart\n\nVeilig Thuis\t0800-2000\tinfo@vt.nl\nGGD Noord\t088 1234567\twww.ggdnoord.nl\n"
    check(text, [org("Veilig Thuis", phone="0800-2000", email="info@vt.nl"),
                 org("GGD Noord", phone="088-1234567", website="www.ggdnoord.nl")])


def test_a_pdf_table_row_whose_empty_cells_ran_together_keeps_each_value_in_its_column():
    text = ("Organisatie  Contactpersoon  Telefoon  E-mail  Website\n"
            "Veilig Thuis  0800-2000  info@vt.nl\n"
            "GGD Noord  Jan Vos  088 1234567  www.ggdnoord.nl\n")
    check(text, [org("Veilig Thuis", phone="0800-2000", email="info@vt.nl"),
                 org("GGD Noord", contact="Jan Vos", phone="088-1234567", website="www.ggdnoord.nl")])


def test_a_chapter_title_right_above_an_organisation_label_is_not_an_organisation():
    text = ("Organisatie: GGD Noord\nTelefoon: 088 1234567\n\nBijlage 2 Sociale kaart\n"
            "Organisatie: MEE Noord\nTelefoon: 088 7654321\n")
    check(text, [org("GGD Noord", phone="088-1234567"), org("MEE Noord", phone="088-7654321")])


def test_a_remark_inside_the_last_block_of_a_double_spaced_document_does_not_end_the_kaart():
    text = ("Organisatie : Kindertelefoon\n\nTelefoon : 0800-0432\n\n"
            "Kinderen kunnen hier gratis en anoniem bellen of chatten.\n\nWebsite : www.kindertelefoon.nl\n")
    check(text, [org("Kindertelefoon", phone="0800-0432", website="www.kindertelefoon.nl")])


def test_one_letter_labels_are_read_only_before_a_value_of_their_kind():
    text = "GGD Noord\nT: 088 - 123 45 67\nA: Markt 1, 1234 AB Dorp\nE: info@ggdnoord.nl\nW: ggdnoord.nl\n"
    check(text, [org("GGD Noord", address="Markt 1, 1234 AB Dorp", phone="088-1234567", email="info@ggdnoord.nl",
                     website="ggdnoord.nl")])


def test_lists_of_staff_numbers_and_flow_chart_lines_are_not_partner_organisations():
    text = ("Interne contactpersonen\nIntern begeleider: 06-12345678\nDirecteur: 06-87654321\n\n"
            "Stroomschema\nBij twijfel: 0800-2000\nBij acuut gevaar: 112\n\n"
            "Externe partners\nVeilig Thuis: 0800-2000\nInspectie van het Onderwijs (vertrouwensinspecteur): 0900-1113111\n")
    check(text, [org("Veilig Thuis", phone="0800-2000"),
                 org("Inspectie van het Onderwijs (vertrouwensinspecteur)", phone="0900-1113111")])
