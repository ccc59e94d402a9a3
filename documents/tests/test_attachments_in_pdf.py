"""The evidence belongs to the dossier: a consent form or photo attached to an entry travels inside the PDF
(PDF/A-3 embedded files; pictures also on the page), but never in a withheld entry or an anonymised summary."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import Role
from documents.models import ExportJob
from documents.tests.conftest import flat, pdf_pages
from vault.files import save_encrypted_file
from vault.tests.documents import MINIMAL_PDF

pytestmark = pytest.mark.django_db

CONSENT_PDF = MINIMAL_PDF  # the upload check opens a PDF with a real parser: it must be one


def png_bytes() -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 4 for _ in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def attach(entry, name, data, content_type):
    from cases.models import Entry

    stored = save_encrypted_file(SimpleUploadedFile(name, data, content_type=content_type),
                                 purpose=f"case-{entry.case.reference}")
    Entry.objects.filter(pk=entry.pk).update(attachment=stored)  # as the form does before saving


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    teacher, ib = people[Role.LEERKRACHT], people[Role.IB]
    case = make_case(pupil, team=[teacher, ib])
    consent = add_entry(case, ib, kind="note", content={"note": "Toestemming van moeder op papier."}, saved=False)
    attach(consent, "toestemming.pdf", CONSENT_PDF, "application/pdf")
    photo = add_entry(case, teacher, content={"observation": "Foto van de tekening in de klas."}, saved=False)
    attach(photo, "tekening.png", png_bytes(), "image/png")
    from cases.models import Entry, record_entry

    for entry in (consent, photo):
        record_entry(Entry.objects.get(pk=entry.pk))
    return case, consent, photo


def export(client, url, data=None):
    response = client.post(url, data or {})
    assert response.status_code == 302, response.status_code
    job = ExportJob.objects.get(pk=int(re.search(r"/export/(\d+)/", response["Location"])[1]))
    return client.post(reverse("documents:download", args=[job.pk])).content


def embedded(data: bytes) -> dict[str, bytes]:
    from pypdf import PdfReader

    return {name: contents[0] for name, contents in PdfReader(io.BytesIO(data)).attachments.items()}


def test_the_dossier_pdf_carries_every_attachment_as_a_file_and_shows_pictures(case, people, exporting_client):
    case, consent, photo = case
    data = export(exporting_client(people[Role.IB]), reverse("documents:case_document", args=[case.reference,
                                                                                               "dossier"]))
    files = embedded(data)
    assert set(files) == {"bijlage-1.pdf", "bijlage-2.png"}
    assert files["bijlage-1.pdf"] == CONSENT_PDF and files["bijlage-2.png"] == png_bytes()
    text = flat("\n".join(pdf_pages(data)))
    assert "opgenomen als bestand bijlage-1.pdf" in text and "opgenomen als bestand bijlage-2.png" in text
    from pypdf import PdfReader

    images = [image for page in PdfReader(io.BytesIO(data)).pages for image in page.images]
    assert images, "the photo is shown on the page"


def test_a_withheld_entry_keeps_its_attachment_out_of_the_parents_copy(case, people, exporting_client):
    case, consent, photo = case
    client = exporting_client(people[Role.IB])
    data = export(client, reverse("documents:inspection", args=[case.reference]), {
        "for_whom": "Moeder", f"withhold_{photo.pk}": "on", f"ground_{photo.pk}": "third_party",
        f"reason_{photo.pk}": "De tekening noemt een ander kind."})
    assert set(embedded(data)) == {"bijlage-1.pdf"}
    assert "bijlage-2" not in flat("\n".join(pdf_pages(data)))


@pytest.mark.parametrize("document", ["anoniem", "veilig-thuis"])
def test_the_anonymised_and_veilig_thuis_summaries_carry_no_attachments(case, people, exporting_client, document):
    case, consent, photo = case
    data = export(exporting_client(people[Role.IB]), reverse("documents:case_document",
                                                             args=[case.reference, document]))
    assert embedded(data) == {}
