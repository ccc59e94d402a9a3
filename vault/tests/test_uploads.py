import io
import zipfile

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from vault.uploads import DOCX, JPEG, PDF, PNG, TEXT, validate_upload

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MINIMAL_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)
MINIMAL_JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20) + b"\xff\xd9"


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def word_document(text="Gespreksverslag") -> bytes:
    document = docx.Document()
    document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def zip_with(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def refusal(file) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_upload(file)
    return caught.value


@pytest.mark.parametrize("content, expected", [
    (MINIMAL_PDF, PDF),
    (MINIMAL_PNG, PNG),
    (MINIMAL_JPEG, JPEG),
    ("Aantekening: Sem kwam zonder jas naar school; hij zei dat hij geen jas mócht.\n".encode(), TEXT),
])
def test_it_accepts_the_allowed_types_by_their_content(content, expected):
    assert validate_upload(upload("bestand.bin", content)) == expected


def test_it_accepts_a_word_document():
    assert validate_upload(upload("verslag.docx", word_document())) == DOCX


def test_the_browser_claimed_type_and_the_name_do_not_matter():
    assert validate_upload(upload("foto.jpg", MINIMAL_PDF, "image/jpeg")) == PDF


@pytest.mark.parametrize("name, content", [
    ("tekening.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("pagina.html", b"<!DOCTYPE html><html><body>hoi</body></html>"),
    ("notitie.txt", b"Zie bijlage <script src=x></script>"),
    ("link.txt", b"klik javascript:alert(1)"),
])
def test_it_refuses_markup_and_scripts_even_when_named_as_text(name, content):
    assert refusal(upload(name, content)).code == "markup"


@pytest.mark.parametrize("content", [b"MZ\x90\x00" + bytes(60), b"\x7fELF\x02\x01" + bytes(20), b"#!/bin/sh\nrm -rf /\n"])
def test_it_refuses_executables_and_scripts(content):
    assert refusal(upload("programma.txt", content)).code == "executable"


def test_it_refuses_a_pdf_with_javascript():
    content = MINIMAL_PDF.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    assert refusal(upload("brief.pdf", content)).code == "pdf_active_content"


def test_it_refuses_other_binary_files():
    error = refusal(upload("archief.gz", b"\x1f\x8b\x08\x00" + bytes(50)))
    assert error.code == "type_not_allowed"
    assert "PDF, PNG, JPEG" in error.messages[0]


def test_it_refuses_a_zip_that_is_not_a_word_document():
    assert refusal(upload("map.docx", zip_with({"readme.txt": b"hallo"}))).code == "type_not_allowed"


def test_it_refuses_a_word_document_with_macros():
    content = zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
                        "word/vbaProject.bin": b"macro"})
    assert refusal(upload("verslag.docm", content)).code == "docx_macros"


def test_it_refuses_a_zip_bomb_disguised_as_word_document():
    content = zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>",
                        "word/media/padding.bin": bytes(60 * 1024 * 1024)})
    assert len(content) < 1024 * 1024
    assert refusal(upload("verslag.docx", content)).code == "zip_bomb"


def test_it_refuses_a_file_that_unpacks_more_than_a_hundredfold():
    content = zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>" + bytes(3_000_000)})
    assert refusal(upload("verslag.docx", content)).code == "zip_bomb"


def test_it_refuses_an_empty_file():
    assert refusal(upload("leeg.txt", b"")).messages == ["Het bestand is leeg."]


def test_it_refuses_a_file_over_ten_megabytes_with_a_dutch_message():
    content = b"a" * (10 * 1024 * 1024 + 1)
    assert refusal(upload("groot.txt", content)).messages == ["Het bestand is groter dan 10 MB."]


def test_the_size_limit_follows_the_setting(settings):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    assert validate_upload(upload("precies.txt", b"a" * (2 * 1024 * 1024))) == TEXT
    assert refusal(upload("groot.txt", b"a" * (2 * 1024 * 1024 + 1))).messages == ["Het bestand is groter dan 2 MB."]
