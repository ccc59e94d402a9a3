"""Reading .txt, .docx and .pdf meldcode documents, and refusing what cannot be read."""

import io

import pytest

from socialmap.parser import parse_organisations
from socialmap.readers import MAX_BYTES, DocumentError, read_document
from socialmap.tests.helpers import (
    DE_SPRONG,
    GENERIC_TEMPLATE,
    docx_bytes,
    docx_with_table,
    pdf_bytes,
    seed_text,
)


def as_json(text):
    return [org.to_json() for org in parse_organisations(text)]


@pytest.mark.parametrize("seed", [GENERIC_TEMPLATE, DE_SPRONG])
def test_a_word_version_of_a_seed_gives_the_same_organisations_as_its_text(seed):
    text = seed_text(seed)
    assert as_json(read_document(docx_bytes(text), "meldcode.docx")) == as_json(text)


@pytest.mark.parametrize("seed", [GENERIC_TEMPLATE, DE_SPRONG])
def test_a_pdf_version_of_a_seed_gives_the_same_organisations_as_its_text(seed):
    text = seed_text(seed)
    assert as_json(read_document(pdf_bytes(text), "meldcode.pdf")) == as_json(text)


def test_a_pdf_with_one_paragraph_per_line_is_read_too():
    text = seed_text(DE_SPRONG)
    orgs = parse_organisations(read_document(pdf_bytes(text, preformatted=False), "meldcode.pdf"))
    assert [org.name for org in orgs] == [org.name for org in parse_organisations(text)]


def test_word_tables_with_a_label_column_are_read():
    data = docx_with_table([
        ["Organisatie", "Veilig Thuis Drenthe"],
        ["Telefoon", "0800-2000"],
        ["E-mailadres", "info@veiligthuisdrenthe.nl"],
        ["Organisatie", "GGD Drenthe"],
        ["Adres", "Mercuriusweg 4\n9401 LK Assen"],
    ], before="Sociale kaart")
    first, second = parse_organisations(read_document(data, "kaart.docx"))
    assert (first.name, first.phones, first.email) == ("Veilig Thuis Drenthe", [("0800-2000", "")],
                                                       "info@veiligthuisdrenthe.nl")
    assert (second.name, second.address) == ("GGD Drenthe", "Mercuriusweg 4\n9401 LK Assen")


def test_word_tables_with_one_organisation_per_row_are_read():
    data = docx_with_table([
        ["Naam organisatie", "Telefoon", "E-mail", "Website"],
        ["Veilig Thuis Drenthe", "0800 - 2000", "info@vtd.nl", "www.veiligthuisdrenthe.nl"],
        ["Kindertelefoon", "0800-0432", "", ""],
        ["", "", "", ""],
    ])
    orgs = parse_organisations(read_document(data, "kaart.docx"))
    assert [(o.name, o.phones, o.email, o.website) for o in orgs] == [
        ("Veilig Thuis Drenthe", [("0800-2000", "")], "info@vtd.nl", "www.veiligthuisdrenthe.nl"),
        ("Kindertelefoon", [("0800-0432", "")], "", ""),
    ]


def test_a_pdf_with_a_two_column_table_is_read_row_by_row():
    from weasyprint import HTML

    rows = [("Organisatie", "Veilig Thuis Drenthe"), ("Telefoon", "0800-2000"), ("E-mail", "info@vtd.nl"),
            ("Organisatie", "GGD Drenthe"), ("Adres", "Mercuriusweg 4<br>9401 LK Assen")]
    table = "".join(f"<tr><td class='label'>{label}:</td><td>{value}</td></tr>" for label, value in rows)
    pdf = HTML(string="<style>td { vertical-align: top } .label { width: 45% }</style>"
                      f"<p>Sociale kaart</p><table>{table}</table>").write_pdf()
    first, second = parse_organisations(read_document(pdf, "kaart.pdf"))
    assert (first.name, first.phones, first.email) == ("Veilig Thuis Drenthe", [("0800-2000", "")], "info@vtd.nl")
    assert (second.name, second.address) == ("GGD Drenthe", "Mercuriusweg 4\n9401 LK Assen")


def test_word_content_controls_of_a_template_are_read():
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = Document()
    document.add_paragraph("Sociale kaart")
    document.element.body.insert(1, parse_xml(
        f"<w:sdt {nsdecls('w')}><w:sdtContent>"
        "<w:p><w:r><w:t>Organisatie: Veilig Thuis Noord</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>Telefoon: 0800-2000</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"))
    buffer = io.BytesIO()
    document.save(buffer)
    (org,) = parse_organisations(read_document(buffer.getvalue(), "kaart.docx"))
    assert (org.name, org.phones) == ("Veilig Thuis Noord", [("0800-2000", "")])


def test_text_in_windows_1252_is_read():
    data = "Organisatie: Stichting Wél Zijn\r\nTelefoon: 0528 123456\r\n".encode("cp1252")
    (org,) = parse_organisations(read_document(data, "kaart.txt"))
    assert org.name == "Stichting Wél Zijn"


def test_text_in_utf8_with_a_byte_order_mark_is_read():
    data = "\ufeffOrganisatie: Café Jeugd\nTelefoon: 0528 123456\n".encode()
    (org,) = parse_organisations(read_document(data, "kaart.txt"))
    assert org.name == "Café Jeugd"


def test_the_type_is_taken_from_the_content_not_the_name():
    text = "Organisatie: GGD Drenthe\nTelefoon: 0592 306300\n"
    assert "GGD Drenthe" in read_document(docx_bytes(text), "kaart.txt")
    assert "GGD Drenthe" in read_document(pdf_bytes(text), "upload")


def encrypted_pdf(password=""):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(io.BytesIO(pdf_bytes("Organisatie: Geheim\nTelefoon: 112"))).pages:
        writer.add_page(page)
    writer.encrypt(user_password=password, owner_password="eigenaar")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "kaart.txt", "leeg"),
    (b"   \n\n  ", "kaart.txt", "leeg"),
    (b"\x00\x01\x02\xff\xfe\x00junk" * 100, "kaart.txt", "geen leesbare tekst"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 50, "foto.png", "geen leesbare tekst"),
    (b"Dit is geen pdf", "kaart.pdf", "geen PDF"),
    (b"%PDF-1.4\n1 0 obj garbage", "kaart.pdf", "beschadigd"),
    (b"Gewoon tekst", "kaart.docx", "geen Word-document"),
    (b"PK\x03\x04 kapot", "kaart.docx", "beschadigd"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "kaart.doc", "oud Word-bestand"),
])
def test_unreadable_files_are_refused_with_a_dutch_message(data, filename, message):
    with pytest.raises(DocumentError, match=message):
        read_document(data, filename)


def test_a_zip_that_is_not_a_word_document_is_refused():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(DocumentError, match="geen Word-document"):
        read_document(buffer.getvalue(), "kaart.xlsx")


@pytest.mark.parametrize("password", ["", "geheim"])
def test_an_encrypted_pdf_is_refused(password):
    with pytest.raises(DocumentError, match="beveiligd|versleuteld"):
        read_document(encrypted_pdf(password), "kaart.pdf")


def test_files_over_ten_megabytes_are_refused():
    with pytest.raises(DocumentError, match="10 MB"):
        read_document(b"a" * (MAX_BYTES + 1), "kaart.txt")


def test_a_word_zip_bomb_is_refused_before_it_is_unpacked():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * (60 * 1024 * 1024) + b"</w:document>")
    with pytest.raises(DocumentError, match="onredelijk groot"):
        read_document(buffer.getvalue(), "meldcode.docx")


def test_a_text_far_longer_than_a_meldcode_is_refused():
    with pytest.raises(DocumentError, match="veel meer tekst dan een meldcode"):
        read_document(("Telefoon: 0592-123456\n" * 60_000).encode(), "lijst.txt")


TOO_COMPLEX = "Dit bestand is te groot of te ingewikkeld om veilig te lezen."


def peak_memory_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def test_a_pdf_bomb_is_refused_within_the_limits_without_the_worker_growing():
    import time

    from vault.tests.documents import pdf_bomb

    data = pdf_bomb()
    assert len(data) < 1024 * 1024
    before, started = peak_memory_mb(), time.monotonic()
    with pytest.raises(DocumentError) as caught:
        read_document(data, "meldcode.pdf")
    assert str(caught.value) == TOO_COMPLEX
    assert time.monotonic() - started < 10
    assert peak_memory_mb() - before < 50


def test_a_pdf_bomb_past_the_unpack_counter_is_stopped_by_the_memory_limit_of_the_child(settings):
    # With the counter out of the way pdfminer inflates the 600 MB stream whole; the child runs out of memory.
    from vault.tests.documents import pdf_bomb

    settings.DOCUMENT_MAX_UNPACKED_MB = 10_000
    settings.DOCUMENT_SANDBOX_MEMORY_MB = 400
    before = peak_memory_mb()
    with pytest.raises(DocumentError, match=TOO_COMPLEX):
        read_document(pdf_bomb(), "meldcode.pdf")
    assert peak_memory_mb() - before < 50


def test_a_word_document_whose_zip_directory_lies_about_its_size_is_refused():
    import time
    import zipfile

    from vault.tests.documents import lying_docx

    data = lying_docx()
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size == 1000
    before, started = peak_memory_mb(), time.monotonic()
    with pytest.raises(DocumentError, match="onredelijk groot"):
        read_document(data, "meldcode.docx")
    assert time.monotonic() - started < 10
    assert peak_memory_mb() - before < 50


def test_a_document_that_takes_too_long_is_stopped_with_a_dutch_message(settings):
    settings.DOCUMENT_SANDBOX_TIMEOUT_SECONDS = 0.01
    with pytest.raises(DocumentError, match=TOO_COMPLEX):
        read_document(pdf_bytes("Organisatie: GGD Drenthe\nTelefoon: 0592 306300"), "meldcode.pdf")
