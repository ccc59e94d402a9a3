"""A second round of made-up sociale kaarten, none of them seen while the parser was written: a table of
contents that names the kaart, labels in capitals or with dotted leaders, values on the line below their label,
blocks between horizontal rules, a one-line-per-organisation address list, addresses without labels written as
on an envelope, running headers and version footers, and Word tables (one table per organisation with a merged
title row, a list table with two lines in a cell, one column per organisation), also printed to PDF.

The text documents live in fixtures/unseen2/*.txt; the Word documents are described in fixtures/unseen2/*.json
(paragraphs and tables, a one-cell row is merged over the whole width) and built in the test. Every
organisation is checked field by field in the JSON shape the import command prints.
"""

import io
import json
from html import escape
from pathlib import Path

import pytest
from django.core.management import call_command

from socialmap.parser import parse_organisations
from socialmap.readers import read_document
from socialmap.tests.helpers import docx_bytes, pdf_bytes
from socialmap.values import parse_phones

FIXTURES = Path(__file__).parent / "fixtures" / "unseen2"
FIELDS = ("name", "contact", "address", "phone", "email", "website")


def org(name, contact=None, address=None, phone=None, email=None, website=None, phones=None, notes=None):
    """An expected organisation; `phones` lists (number, note) pairs and `notes` the notes, when they matter."""
    expected = {"name": name, "contact": contact, "address": address, "phone": phone, "email": email,
                "website": website}
    if phones is not None:
        expected["phones"] = phones
    if notes is not None:
        expected["notes"] = notes
    return expected


def summary(data: list[dict], expected: list[dict]) -> list[dict]:
    """The organisations in `data` (JSON dicts) with the keys the expected ones check."""
    result = []
    for index, item in enumerate(data):
        wanted = expected[index] if index < len(expected) else {}
        found = {key: item.get(key) for key in FIELDS}
        if "phones" in wanted:
            found["phones"] = [(p["number"], p["note"] or "") for p in item["phones"]]
        if "notes" in wanted:
            found["notes"] = item["notes"]
        result.append(found)
    return result


def check(text, expected):
    assert summary([o.to_json() for o in parse_organisations(text)], expected) == expected


# --- building the Word and PDF versions of the table fixtures ---------------------------------------------


def table_fixture(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))["blocks"]


def docx_from_blocks(blocks) -> bytes:
    """A Word document with the fixture's paragraphs and tables; a row with one cell spans the whole width and
    a cell with a line break holds two paragraphs, as Word stores them."""
    from docx import Document

    document = Document()
    for block in blocks:
        if "paragraph" in block:
            document.add_paragraph(block["paragraph"])
            continue
        rows = block["table"]
        width = max(len(row) for row in rows)
        table = document.add_table(rows=len(rows), cols=width)
        for row, values in zip(table.rows, rows, strict=True):
            cells = row.cells
            if len(values) == 1 and width > 1:
                cells = [cells[0].merge(cells[-1])]
            for cell, value in zip(cells, values, strict=False):
                first, *more = value.split("\n")
                cell.text = first
                for line in more:
                    cell.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_from_blocks(blocks, borders=True) -> bytes:
    """The same document printed to PDF: HTML tables, with or without borders, merged rows as colspan."""
    from weasyprint import HTML

    border = "border: 1px solid black; padding: 2px 6px;" if borders else "padding: 0 6px;"
    html = ["<style>table { border-collapse: collapse; margin-bottom: 1em } "
            f"td {{ {border} vertical-align: top }}</style>"]
    for block in blocks:
        if "paragraph" in block:
            html.append(f"<p>{escape(block['paragraph'])}&nbsp;</p>")
            continue
        width = max(len(row) for row in block["table"])
        html.append("<table>")
        for row in block["table"]:
            span = f" colspan='{width}'" if len(row) == 1 else ""
            cells = "".join(f"<td{span}>{escape(value).replace(chr(10), '<br>')}</td>" for value in row)
            html.append(f"<tr>{cells}</tr>")
        html.append("</table>")
    return HTML(string="<html><body>" + "".join(html) + "</body></html>").write_pdf()


# --- the expected organisations -----------------------------------------------------------------------------

EXPECTED = {
    "01_de_linde_toc_and_capitals.txt": [
        # A table of contents listing "Sociale kaart ..... 14" and "Contactpersonen ..... 12", labels and names
        # in capitals (names kept as written), e-mail and website in capitals, a version footer with a page
        # number between two fields of a block and an empty template block.
        org("VEILIG THUIS DRENTHE (VTD)", contact="Team Advies en Consultatie",
            address="Klompmakerstraat 2, 9403 VL Assen", phone="0800-2000", email="info@veiligthuisdrenthe.nl",
            website="www.veiligthuisdrenthe.nl"),
        org("CENTRUM VOOR JEUGD EN GEZIN (CJG) ASSEN", contact="Mw. I. Bos (jeugdverpleegkundige)",
            address="Mercuriusweg 4, 9407 LK Assen", phone="0592-306300", email="cjg@assen.nl"),
        org("GGZ DRENTHE (KINDER- EN JEUGDPSYCHIATRIE)", phone="0592-334800",
            website="www.ggzdrenthe.nl/kinderen-en-jeugd"),
    ],
    "02_de_wegwijzer_dotted_leaders.txt": [
        # Labels followed by dotted leaders ("Telefoon ......:", also with "…"), an extension ("toestel
        # 123"), opening hours on a line of their own, "(at)" in an e-mail address, empty template blocks.
        org("Veilig Thuis Groningen", address="Trompsingel 23, 9724 DD Groningen", phone="050-3134141",
            email="info@veiligthuisgroningen.nl", website="www.veiligthuisgroningen.nl"),
        org("WIJ-team Het Hogeland", contact="Gerda Mulder", address="Hoofdstraat West 6\n9981 AC Uithuizen",
            phone="0595-750750", email="g.mulder@hethogeland.nl",
            phones=[("0595-750750", "toestel 123; ma t/m vr 9.00-17.00 uur")]),
        org("Huisarts/Huisartsenpost Groningen", phone="0900-9229", website="www.dokterswachtgroningen.nl",
            phones=[("0900-9229", "na 17.00 uur en in het weekend")]),
    ],
    "03_de_bron_values_on_next_line.txt": [
        # Every value on the line under its label (a PDF form exported to text), empty labels straight
        # after each other, two phone lines, two organisations sharing an e-mail address.
        org("Veilig Thuis Drenthe", address="Klompmakerstraat 2\n9403 VL Assen", phone="0800-2000",
            email="info@veiligthuisdrenthe.nl", website="www.veiligthuisdrenthe.nl"),
        org("Centrum voor Jeugd en Gezin Emmen", contact="Marieke Zwiers", phone="0591-685500",
            email="cjg@emmen.nl", phones=[("0591-685500", ""), ("06-12345678", "spoed")]),
        org("Jeugdarts GGD Drenthe", contact="Dr. P. Koster", phone="0592-306300", email="jgz@ggddrenthe.nl"),
        org("Jeugdverpleegkundige GGD Drenthe", phone="0592-306300", email="jgz@ggddrenthe.nl",
            website="www.ggddrenthe.nl/jeugd"),
    ],
    "04_het_palet_rules_between_blocks.txt": [
        # Names as headings, blocks separated by rules of underscores, dashes and asterisks instead of blank
        # lines, "Mob.", "Web", "[at]" and "(at)", a municipal number and opening hours as its note.
        org("VT Drenthe (Veilig Thuis)", phone="0800-2000", email="info@veiligthuisdrenthe.nl",
            phones=[("0800-2000", "gratis, 24 uur per dag")]),
        org("Politie (wijkagent)", contact="Bert Hoekstra", phone="0900-8844",
            website="www.politie.nl/mijn-buurt/wijkagenten", phones=[("0900-8844", ""), ("06-12345678", "")]),
        org("Huisarts/Huisartsenpost", phone="0900-1120112"),
        org("Gemeente Hoogeveen \u2013 Sociaal Team", contact="Loket Wmo & Jeugd",
            address="Raadhuisplein 24, 7901 BW Hoogeveen", phone="14 0528", email="sociaalteam@hoogeveen.nl",
            phones=[("14 0528", "ma t/m vr 9.00-17.00 uur")]),
    ],
    "05_de_regenboog_adressenlijst.txt": [
        # An address list: one organisation per line, "Name, Street 1, 1234 AB Place, tel. ..., e-mail".
        org("Veilig Thuis Drenthe", address="Klompmakerstraat 2, 9403 VL Assen", phone="0800-2000",
            email="info@veiligthuisdrenthe.nl"),
        org("GGD Drenthe (jeugdgezondheidszorg)", address="Mercuriusweg 4, 9407 LK Assen", phone="0592-306300",
            website="www.ggddrenthe.nl"),
        org("Centrum voor Jeugd en Gezin Coevorden", address="Kasteel 1, 7741 GC Coevorden", phone="0524-598598"),
        org("MEE Drenthe, cli\u00ebntondersteuning", address="Postbus 1010, 7940 KA Meppel", phone="0522-258100"),
        org("Politie Coevorden (wijkagent)", phone="0900-8844", website="www.politie.nl"),
        org("Kindertelefoon", phone="0800-0432", website="www.kindertelefoon.nl"),
    ],
    "06_t_holt_phone_variants.txt": [
        # Two phone lines with an extension and a note, a second e-mail address on the next line, a website
        # with a path, "[at]", a mobile number "06 - 1234 5678", a note with 112 and a version footer.
        org("Veilig Thuis Groningen", contact="Anneke de Vries (aandachtsfunctionaris VT)", phone="050-3134141",
            email="a.devries@veiligthuisgroningen.nl", website="www.veiligthuisgroningen.nl/professionals",
            phones=[("050-3134141", "toestel 123"), ("0800-2000", "24/7, gratis")],
            notes="Ook e-mail: info@veiligthuisgroningen.nl"),
        org("Politie Groningen (wijkagent Oosterpark)", contact="Erik Smit", phone="0900-8844",
            email="erik.smit@politie.nl", phones=[("0900-8844", "vragen"), ("112", "bij spoed"), ("06-12345678", "")]),
        org("Jeugdgezondheidszorg GGD Groningen", phone="088-0123456", website="ggd.groningen.nl/jgz",
            phones=[("088-0123456", "ma t/m vr 9.00-17.00 uur")]),
        org("WIJ Groningen \u2013 team Oosterpark", address="Vinkenstraat 104\n9713 TM Groningen", phone="14 050"),
    ],
    "07_de_wegwijzer_running_headers.txt": [
        # Names as headings; the page's running header, version footer and page number fall between a block's
        # fields, and once between a heading and its first field.
        org("Veilig Thuis Drenthe", address="Klompmakerstraat 2, 9403 VL Assen", phone="0800-2000",
            email="info@veiligthuisdrenthe.nl"),
        org("GGD Drenthe, Jeugdgezondheidszorg", contact="Mw. A. Kuipers (jeugdarts)",
            address="Mercuriusweg 4\n9407 LK Assen", phone="0592-306300", email="jgz@ggddrenthe.nl"),
        org("Stichting Welzijn Midden-Drenthe", contact="Henk Lubbers (schoolmaatschappelijk werker)",
            phone="0593-580000", website="www.welzijnmiddendrenthe.nl"),
    ],
    "11_de_vlieger_envelope_addresses.txt": [
        # Section numbers before the names, addresses without labels written as on an envelope ("t.a.v.",
        # street, postcode, number, links), and a contact person with a direct line and e-mail address.
        org("Veilig Thuis Drenthe", address="Klompmakerstraat 2\n9403 VL Assen", phone="0800-2000",
            email="info@veiligthuisdrenthe.nl", website="www.veiligthuisdrenthe.nl",
            phones=[("0800-2000", "gratis, 24/7")]),
        org("GGD Drenthe, afdeling JGZ", contact="mevrouw A. Kuipers", address="Postbus 144\n9400 AC Assen",
            phone="0592-306300", email="jgz@ggddrenthe.nl"),
        org("Schoolmaatschappelijk werk Welzijn MensenWerk", contact="Sanne Dekker", phone="0522-257333",
            email="s.dekker@welzijnmensenwerk.nl",
            phones=[("0522-257333", "ma t/m vr 8.30-17.00 uur"), ("0800-2000", "daarbuiten"),
                    ("06-12345678", "Sanne Dekker")]),
        org("Kindertelefoon", phone="0800-0432", website="www.kindertelefoon.nl",
            phones=[("0800-0432", "gratis en anoniem")]),
    ],
    "08_de_sprong_label_tables.json": [
        # One table per organisation: the name in a merged row, labels left (with and without colon), values
        # right, two lines in a cell, an empty template table.
        org("Veilig Thuis Drenthe", contact="Johanna Homminga", address="Klompmakerstraat 2\n9403 VL Assen",
            phone="088-2460244", email="info@veiligthuisdrenthe.nl",
            phones=[("088-2460244", ""), ("0800-2000", "spoed, 24/7")]),
        org("GGD Drenthe \u2013 Jeugdgezondheidszorg", address="Mercuriusweg 4, 9407 LK Assen", phone="0592-306300",
            email="jgz@ggddrenthe.nl", website="www.ggddrenthe.nl/jgz",
            phones=[("0592-306300", "ma t/m vr 8.30-17.00 uur")]),
        org("Stichting Welzijnswerk Hoogeveen (schoolmaatschappelijk werk)", contact="Diny Hettinga",
            address="Beukemaplein 64\n7906 AK Hoogeveen", phone="06-12345678",
            email="d.hettinga@welzijnswerk-hoogeveen.nl", website="www.welzijnswerk-hoogeveen.nl"),
    ],
    "09_het_anker_list_table.json": [
        # A list table with two lines in some cells: two numbers, a name with its department, "bij nood: 112".
        org("Veilig Thuis Drenthe", phone="0800-2000", email="info@veiligthuisdrenthe.nl",
            website="www.veiligthuisdrenthe.nl", phones=[("0800-2000", "24/7"), ("088-2460244", "kantoor")]),
        org("Welzijnswerk Meppel (schoolmaatschappelijk werk)", contact="Diny Hettinga", phone="06-12345678",
            email="d.hettinga@welzijnmeppel.nl"),
        org("Politie (wijkagent)", contact="Bert Hoekstra", phone="0900-8844", website="www.politie.nl",
            phones=[("0900-8844", ""), ("112", "bij nood")]),
        org("Kindertelefoon", phone="0800-0432", website="www.kindertelefoon.nl"),
    ],
    "10_de_ster_columns_per_organisation.json": [
        # The labels in the first column and one column per organisation.
        org("Veilig Thuis Drenthe", address="Klompmakerstraat 2\n9403 VL Assen", phone="0800-2000",
            email="info@veiligthuisdrenthe.nl", website="www.veiligthuisdrenthe.nl"),
        org("GGD Drenthe (JGZ)", contact="Mw. A. Kuipers", address="Mercuriusweg 4\n9407 LK Assen",
            phone="0592-306300", email="jgz@ggddrenthe.nl"),
        org("CJG Noordenveld", contact="Jan Bakker", phone="050-5029100", email="cjg@noordenveld.nl",
            website="www.cjgnoordenveld.nl"),
    ],
}

TEXT_FIXTURES = sorted(name for name in EXPECTED if name.endswith(".txt"))
TABLE_FIXTURES = sorted(name for name in EXPECTED if name.endswith(".json"))


def fixture_text(name):
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.mark.parametrize("filename", TEXT_FIXTURES)
def test_each_text_document_gives_exactly_its_organisations(filename):
    check(fixture_text(filename), EXPECTED[filename])


@pytest.mark.parametrize("filename", ["01_de_linde_toc_and_capitals.txt", "02_de_wegwijzer_dotted_leaders.txt",
                                      "03_de_bron_values_on_next_line.txt", "04_het_palet_rules_between_blocks.txt",
                                      "05_de_regenboog_adressenlijst.txt", "06_t_holt_phone_variants.txt",
                                      "11_de_vlieger_envelope_addresses.txt"])
def test_the_text_documents_saved_as_word_files_give_the_same_organisations(filename):
    check(read_document(docx_bytes(fixture_text(filename)), "meldcode.docx"), EXPECTED[filename])


@pytest.mark.parametrize("filename", TEXT_FIXTURES)
def test_the_text_documents_as_pdf_files_give_the_same_organisations(filename):
    check(read_document(pdf_bytes(fixture_text(filename)), "meldcode.pdf"), EXPECTED[filename])


@pytest.mark.parametrize("filename", ["03_de_bron_values_on_next_line.txt", "05_de_regenboog_adressenlijst.txt",
                                      "07_de_wegwijzer_running_headers.txt", "11_de_vlieger_envelope_addresses.txt"])
def test_pdf_paragraph_spacing_changes_nothing(filename):
    # One paragraph per line: a blank line between every two lines.
    check(read_document(pdf_bytes(fixture_text(filename), preformatted=False), "meldcode.pdf"), EXPECTED[filename])


@pytest.mark.parametrize("filename", TABLE_FIXTURES)
def test_each_word_document_with_tables_gives_exactly_its_organisations(filename):
    check(read_document(docx_from_blocks(table_fixture(filename)), "meldcode.docx"), EXPECTED[filename])


@pytest.mark.parametrize("borders", [True, False], ids=["borders", "no-borders"])
@pytest.mark.parametrize("filename", TABLE_FIXTURES)
def test_the_word_tables_printed_to_pdf_give_the_same_organisations(filename, borders):
    # In the PDF the cells wrap over several rows ("088 - 246" / "02 44") and empty cells leave nothing.
    check(read_document(pdf_from_blocks(table_fixture(filename), borders), "meldcode.pdf"), EXPECTED[filename])


def run_command(school, path):
    out = io.StringIO()
    call_command("import_socialmap", str(path), "--school", school.slug, "--dry-run", "--format", "json",
                 stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


@pytest.mark.django_db
@pytest.mark.parametrize("filename", ["05_de_regenboog_adressenlijst.txt", "07_de_wegwijzer_running_headers.txt"])
def test_the_command_prints_the_text_documents_as_json(school, tmp_path, filename):
    path = tmp_path / "meldcode.txt"
    path.write_bytes((FIXTURES / filename).read_bytes())
    data = run_command(school, path)
    assert summary(data, EXPECTED[filename]) == EXPECTED[filename]


@pytest.mark.django_db
def test_the_command_prints_a_word_document_with_tables_as_json(school, tmp_path):
    path = tmp_path / "meldcode.docx"
    path.write_bytes(docx_from_blocks(table_fixture("08_de_sprong_label_tables.json")))
    data = run_command(school, path)
    assert summary(data, EXPECTED["08_de_sprong_label_tables.json"]) == EXPECTED["08_de_sprong_label_tables.json"]


@pytest.mark.django_db
def test_the_command_prints_a_pdf_with_dotted_leaders_as_json(school, tmp_path):
    filename = "02_de_wegwijzer_dotted_leaders.txt"
    path = tmp_path / "meldcode.pdf"
    path.write_bytes(pdf_bytes(fixture_text(filename)))
    data = run_command(school, path)
    assert summary(data, EXPECTED[filename]) == EXPECTED[filename]


# --- smaller variations, inline ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("06 - 1234 5678", [("06-12345678", "")]),
    ("088-0123456 toestel 123", [("088-0123456", "toestel 123")]),
    ("050 - 313 41 41 (toestel 214)", [("050-3134141", "toestel 214")]),
    ("0592 - 12 34 56 / 06 - 1234 5678", [("0592-123456", ""), ("06-12345678", "")]),
    ("14 0592", [("14 0592", "")]),
    ("0900-8844 (geen spoed)", [("0900-8844", "geen spoed")]),
])
def test_more_phone_numbers_in_the_ways_schools_write_them(value, expected):
    assert parse_phones(value) == (expected, "")


@pytest.mark.parametrize(("line", "email"), [
    ("E-mail: info (at) ggdnoord.nl", "info@ggdnoord.nl"),
    ("E-mail: Info[at]GGDNoord.nl.", "info@ggdnoord.nl"),
    ("E-mail: mailto:Jan.Vos@GGDNoord.nl", "jan.vos@ggdnoord.nl"),
])
def test_e_mail_addresses_are_normalised(line, email):
    (parsed,) = parse_organisations("Organisatie: GGD Noord\n" + line + "\n")
    assert parsed.email == email


@pytest.mark.parametrize(("line", "website"), [
    ("Website: https://WWW.GGDNoord.nl/Meldcode/", "www.ggdnoord.nl/Meldcode"),
    ("Website: www.ggdnoord.nl/meldcode", "www.ggdnoord.nl/meldcode"),
    ("Internet: http://ggdnoord.nl", "ggdnoord.nl"),
])
def test_websites_are_normalised(line, website):
    (parsed,) = parse_organisations("Organisatie: GGD Noord\n" + line + "\n")
    assert parsed.website == website


def test_a_table_of_contents_is_not_an_organisation():
    text = ("Inhoud\nInleiding .......... 2\nContactpersonen .......... 12\nSociale kaart .......... 14\n"
            "Telefoonnummers .......... 15\n\nSociale kaart\n\nOrganisatie: GGD Noord\nTelefoon: 088 123 4567\n")
    check(text, [org("GGD Noord", phone="088-1234567")])


def test_a_word_table_of_contents_with_tabs_is_not_an_organisation():
    text = ("Inhoud\nInleiding\t2\nContactpersonen\t12\nSociale kaart\t14\nAdressen\t15\n\n"
            "Sociale kaart\n\nOrganisatie: GGD Noord\nTelefoon: 088 123 4567\n")
    check(text, [org("GGD Noord", phone="088-1234567")])


def test_a_text_table_with_one_column_per_organisation():
    text = ("Sociale kaart\n\nOrganisatie\tVeilig Thuis Drenthe\tGGD Drenthe (JGZ)\tCJG Noordenveld\n"
            "Contactpersoon\t\tMw. A. Kuipers\tJan Bakker\n"
            "Telefoon\t0800-2000\t0592 - 30 63 00\t050 - 502 91 00\n"
            "Website\twww.veiligthuisdrenthe.nl\t\twww.cjgnoordenveld.nl\n")
    check(text, [org("Veilig Thuis Drenthe", phone="0800-2000", website="www.veiligthuisdrenthe.nl"),
                 org("GGD Drenthe (JGZ)", contact="Mw. A. Kuipers", phone="0592-306300"),
                 org("CJG Noordenveld", contact="Jan Bakker", phone="050-5029100", website="www.cjgnoordenveld.nl")])


def test_an_address_list_with_dashes_bars_and_semicolons():
    text = ("Adressen\n\n"
            "Veilig Thuis Drenthe \u2013 Klompmakerstraat 2, 9403 VL Assen \u2013 0800-2000\n"
            "Gemeente Hoogeveen \u2013 Sociaal Team | Raadhuisplein 24 | 7901 BW Hoogeveen | 14 0528 | "
            "sociaalteam@hoogeveen.nl\n"
            "Politie: 112 (spoed), 0900-8844\n")
    check(text, [
        org("Veilig Thuis Drenthe", address="Klompmakerstraat 2, 9403 VL Assen", phone="0800-2000"),
        org("Gemeente Hoogeveen \u2013 Sociaal Team", address="Raadhuisplein 24, 7901 BW Hoogeveen", phone="14 0528",
            email="sociaalteam@hoogeveen.nl"),
        org("Politie", phone="112", phones=[("112", "spoed"), ("0900-8844", "")]),
    ])


def test_a_contact_line_with_the_persons_own_number_and_e_mail_address():
    text = ("Organisatie: Jeugdarts GGD Drenthe\n"
            "Contactpersoon: dhr. P. Koster (jeugdarts) - 06 1234 5678, p.koster(at)ggddrenthe.nl\n"
            "Telefoon: 0592 - 30 63 00\n")
    check(text, [org("Jeugdarts GGD Drenthe", contact="dhr. P. Koster (jeugdarts)", phone="0592-306300",
                     email="p.koster@ggddrenthe.nl",
                     phones=[("0592-306300", ""), ("06-12345678", "dhr. P. Koster (jeugdarts)")])])


def test_a_prose_line_under_a_heading_is_not_an_address():
    text = ("Sociale kaart\nBij acuut gevaar belt de school altijd eerst 112.\n\n"
            "Kindertelefoon\n0800-0432\n")
    check(text, [org("Kindertelefoon", phone="0800-0432")])


@pytest.mark.parametrize(("value", "expected"), [
    ("050-3134141 (ma t/m vr 9.00 - 17.00 uur, daarbuiten 0800-2000)",
     [("050-3134141", "ma t/m vr 9.00 - 17.00 uur"), ("0800-2000", "daarbuiten")]),
    ("0800-2000 (24/7) 088 - 246 02 44 (kantoor)", [("0800-2000", "24/7"), ("088-2460244", "kantoor")]),
    ("0900-8844 bij nood: 112", [("0900-8844", ""), ("112", "bij nood")]),
    ("14 0592 (gemeente)", [("14 0592", "gemeente")]),
    ("tel. 0592 - 30 63 00", [("0592-306300", "")]),
])
def test_notes_go_with_the_number_they_belong_to(value, expected):
    assert parse_phones(value) == (expected, "")
