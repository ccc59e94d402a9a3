import io
import resource
import time
import zipfile

import docx
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from vault.tests.documents import (
    MINIMAL_PDF,
    build_pdf,
    lying_docx,
    pdf_bomb,
    pdf_bomb_stream,
    pdf_with_embedded_file,
    pdf_with_javascript_in_object_streams,
)
from vault.uploads import DOCX, JPEG, PDF, PNG, TEXT, validate_upload

TOO_COMPLEX = "Dit bestand is te groot of te ingewikkeld om veilig te lezen."
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


def annotation(body: bytes) -> dict:
    """A page with one annotation (object 5)."""
    return {"page": b"/Annots [5 0 R]", "extra": (b"<< /Type /Annot /Rect [0 0 100 100] " + body + b" >>",)}


@pytest.mark.parametrize("content", [
    pytest.param(build_pdf(catalog=b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), id="javascript"),
    pytest.param(build_pdf(catalog=b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"), id="hex-escaped"),
    pytest.param(pdf_with_javascript_in_object_streams(), id="javascript-only-in-an-object-stream"),
    pytest.param(build_pdf(catalog=b"/OpenAction << /S /URI /URI (https://example.org/open) >>"), id="open-uri"),
    pytest.param(build_pdf(catalog=b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next << /S /GoToR /F (b.pdf) "
                                   b"/D [0 /Fit] >> >>"), id="open-goto-then-goto-remote"),
    pytest.param(build_pdf(page=b"/AA << /O << /S /Launch /F (cmd.exe) >> >>"), id="page-open-launch"),
    pytest.param(build_pdf(**annotation(b"/Subtype /Link /A << /S /Launch /F (calc.exe) >>")), id="launch-link"),
    pytest.param(build_pdf(**annotation(b"/Subtype /Widget /AA << /Fo << /S /SubmitForm /F (https://x.org) >> >>")),
                 id="submit-form-on-focus"),
    pytest.param(build_pdf(catalog=b"/AA << /WC << /S /ImportData /F (data.fdf) >> >>"), id="import-on-close"),
    pytest.param(pdf_with_embedded_file(), id="embedded-file"),
    pytest.param(build_pdf(**annotation(b"/Subtype /FileAttachment /FS (virus.exe)")), id="file-attachment"),
    pytest.param(build_pdf(**annotation(b"/Subtype /RichMedia")), id="rich-media"),
    pytest.param(build_pdf(catalog=b"/AcroForm << /Fields [] /XFA [] >>"), id="xfa-form"),
])
def test_it_refuses_a_pdf_with_active_content(content):
    assert refusal(upload("brief.pdf", content)).code == "pdf_active_content"


def test_it_accepts_a_pdf_made_by_weasyprint_with_a_link_to_click():
    import pikepdf
    from weasyprint import HTML

    content = HTML(string="<p>Zie <a href='https://www.veiligthuis.nl'>Veilig Thuis</a>.</p>").write_pdf()
    with pikepdf.open(io.BytesIO(content)) as pdf:
        (link,) = pdf.pages[0].Annots
        assert link.A.S == "/URI"
    assert validate_upload(upload("brief.pdf", content)) == PDF


def test_it_accepts_a_pdf_made_by_pypdf():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    assert validate_upload(upload("leeg.pdf", buffer.getvalue())) == PDF


@pytest.mark.parametrize("catalog", [b"/OpenAction [3 0 R /Fit]", b"/OpenAction << /S /GoTo /D [3 0 R /Fit] >>"])
def test_it_accepts_a_pdf_that_opens_at_a_page(catalog):
    assert validate_upload(upload("brief.pdf", build_pdf(catalog=catalog))) == PDF


def test_it_judges_the_structure_not_words_in_the_text():
    content = build_pdf(content=b"BT 72 700 Td (Les over /JavaScript en /Launch) Tj ET")
    assert validate_upload(upload("les.pdf", content)) == PDF


@pytest.mark.parametrize("password", ["", "geheim"])
def test_it_refuses_an_encrypted_pdf(password):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(build_pdf())))
    writer.encrypt(user_password=password, owner_password="eigenaar")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert refusal(upload("brief.pdf", buffer.getvalue())).code == "pdf_encrypted"


def test_it_refuses_a_pdf_that_cannot_be_parsed():
    assert refusal(upload("brief.pdf", b"%PDF-1.4\n1 0 obj garbage")).code == "pdf_damaged"


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def test_it_refuses_a_pdf_bomb_in_the_child_process_within_the_limits():
    content = pdf_bomb()
    assert len(content) < 1024 * 1024
    before, started = peak_memory_mb(), time.monotonic()
    error = refusal(upload("brief.pdf", content))
    assert (error.code, error.messages) == ("too_complex", [TOO_COMPLEX])
    assert time.monotonic() - started < 10
    assert peak_memory_mb() - before < 50


def test_it_refuses_a_word_document_whose_zip_directory_lies_about_the_size():
    content = lying_docx()
    assert zipfile.ZipFile(io.BytesIO(content)).getinfo("word/document.xml").file_size == 1000
    before, started = peak_memory_mb(), time.monotonic()
    assert refusal(upload("verslag.docx", content)).code == "zip_bomb"
    assert time.monotonic() - started < 10
    assert peak_memory_mb() - before < 50


def test_a_pdf_bomb_behind_a_second_filter_is_stopped_by_the_memory_limit_of_the_child(settings):
    # ASCIIHex first: the stream is decoded whole (no counter), so only the child's memory limit stops it.
    settings.DOCUMENT_SANDBOX_MEMORY_MB = 400
    settings.DOCUMENT_MAX_UNPACKED_MB = 10_000
    content = build_pdf(content=pdf_bomb_stream().hex().encode(), filters=b"/Filter [/ASCIIHexDecode /FlateDecode]")
    before = peak_memory_mb()
    error = refusal(upload("brief.pdf", content))
    assert (error.code, error.messages) == ("too_complex", [TOO_COMPLEX])
    assert peak_memory_mb() - before < 50
