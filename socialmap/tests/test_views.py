"""The sociale-kaart pages: who may read and edit, the emergency sheet, and the import with its preview."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from core.testing import loaded_state
from socialmap.models import Organisation, PhoneNumber
from socialmap.tests.helpers import DE_SPRONG, docx_bytes, pdf_bytes, seed_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(school, make_user):
    return make_user("ib", school, name="Ilse Bakker")


@pytest.fixture
def teacher(school, make_user):
    return make_user("leerkracht", school, name="Tom Leerkracht")


@pytest.fixture
def police(school):
    organisation = Organisation.objects.create(school=school, name="Politie", kind="police", on_emergency_sheet=True)
    PhoneNumber.objects.create(organisation=organisation, number="112")
    return organisation


def url(name, school, **kwargs):
    return reverse(f"socialmap:{name}", kwargs={"school_slug": school.slug, **kwargs})


# --- reading and editing ------------------------------------------------------------------------------------


def test_every_member_of_the_school_reads_the_kaart_but_only_coordinators_see_edit_links(
        school, teacher, coordinator, police, verified_client):
    page = verified_client(teacher).get(url("list", school))
    assert page.status_code == 200
    assert "Politie" in page.content.decode()
    assert url("create", school) not in page.content.decode()
    assert url("create", school) in verified_client(coordinator).get(url("list", school)).content.decode()


def test_outsiders_get_a_404(school, other_school, make_user, verified_client):
    outsider = make_user("ib", other_school)
    client = verified_client(outsider)
    for name in ("list", "emergency", "import", "create"):
        assert client.get(url(name, school)).status_code == 404


def test_a_teacher_cannot_change_the_kaart(school, teacher, police, verified_client):
    client = verified_client(teacher)
    assert client.get(url("edit", school, pk=police.pk)).status_code == 404
    assert client.post(url("delete", school, pk=police.pk)).status_code == 404
    assert client.get(url("import", school)).status_code == 404
    assert Organisation.objects.filter(pk=police.pk).exists()


def phone_management(total=0, initial=0):
    return {"phones-TOTAL_FORMS": str(total), "phones-INITIAL_FORMS": str(initial),
            "phones-MIN_NUM_FORMS": "0", "phones-MAX_NUM_FORMS": "10"}


def test_a_coordinator_adds_an_organisation_with_phone_numbers_and_it_is_audited(school, coordinator, verified_client):
    response = verified_client(coordinator).post(url("create", school), {
        "name": "GGD Drenthe", "kind": "jgz", "contact_person": "", "address": "Mercuriusweg 4\n9401 LK Assen",
        "email": "Info@GGDDrenthe.nl", "website": "https://www.ggddrenthe.nl/", "notes": "",
        **phone_management(2), "phones-0-number": "0592 30 63 00", "phones-0-note": "ma-vr",
        "phones-1-number": "", "phones-1-note": "",
    })
    assert response.status_code == 302
    organisation = Organisation.objects.get(school=school)
    assert (organisation.email, organisation.website) == ("info@ggddrenthe.nl", "www.ggddrenthe.nl")
    assert [(p.number, p.note) for p in organisation.phones.all()] == [("0592-306300", "ma-vr")]
    assert AuditEvent.objects.filter(action="socialmap.organisation_created", school_id=school.pk).exists()


def test_a_coordinator_changes_and_deletes_an_organisation(school, police, coordinator, verified_client):
    client = verified_client(coordinator)
    phone = police.phones.get()
    edit = url("edit", school, pk=police.pk)
    response = client.post(edit, {
        **loaded_state(client, edit), "name": "Politie Hoogeveen", "kind": "police", "on_emergency_sheet": "on",
        **phone_management(1, 1), "phones-0-id": str(phone.pk), "phones-0-number": "112", "phones-0-note": "spoed",
    })
    assert response.status_code == 302
    police.refresh_from_db()
    assert police.name == "Politie Hoogeveen"
    assert police.phones.get().note == "spoed"
    assert client.post(url("delete", school, pk=police.pk)).status_code == 302
    assert not Organisation.objects.filter(pk=police.pk).exists()
    actions = set(AuditEvent.objects.filter(school_id=school.pk).values_list("action", flat=True))
    assert {"socialmap.organisation_updated", "socialmap.organisation_deleted"} <= actions


def test_two_entries_with_the_same_name_are_refused(school, police, coordinator, verified_client):
    response = verified_client(coordinator).post(url("create", school), {
        "name": "politie", "kind": "police", **phone_management(0)})
    assert response.status_code == 400
    assert "staat al op de sociale kaart" in response.content.decode()


def test_board_entries_are_shown_to_the_school_but_cannot_be_changed_by_it(school, board, coordinator, verified_client):
    shared = Organisation.objects.create(board=board, name="Veilig Thuis Drenthe", kind="veilig_thuis")
    client = verified_client(coordinator)
    assert "Veilig Thuis Drenthe" in client.get(url("list", school)).content.decode()
    assert client.get(url("edit", school, pk=shared.pk)).status_code == 404


# --- the emergency sheet ------------------------------------------------------------------------------------


def test_the_emergency_sheet_shows_what_to_do_and_the_emergency_numbers(school, police, teacher, coordinator,
                                                                       verified_client):
    Organisation.objects.create(school=school, name="MEE Drenthe", kind="mee")
    page = verified_client(teacher).get(url("emergency", school)).content.decode()
    assert "acuut gevaar" in page
    assert "Politie" in page and "112" in page
    assert "MEE Drenthe" not in page
    assert "Ilse Bakker" in page  # who to warn at school
    assert "0800-2000" in page  # no Veilig Thuis on the kaart yet: the national number


def test_the_emergency_sheet_has_no_inline_styles_or_scripts(school, police, teacher, verified_client):
    page = verified_client(teacher).get(url("emergency", school)).content.decode()
    assert "style=" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline script (CSP); app.js is a file
    assert "socialmap/emergency.css" in page


def test_the_emergency_sheet_pdf_is_one_a4_page(school, police, teacher, verified_client):
    import io

    from pypdf import PdfReader

    response = verified_client(teacher).get(url("emergency_pdf", school))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    assert "112" in reader.pages[0].extract_text().replace("\x00", "")


# --- import -------------------------------------------------------------------------------------------------


def upload(client, school, data, filename):
    return client.post(url("import", school), {"action": "preview", "document": SimpleUploadedFile(filename, data)})


def confirm_data(client, school, changes=None):
    """The preview form as the browser would post it back, with `changes` per row index."""
    page = client.get(url("import", school))
    rows = page.context["preview"]
    data = {"action": "confirm", "rows-TOTAL_FORMS": str(len(rows.forms)), "rows-INITIAL_FORMS": str(len(rows.forms)),
            "rows-MIN_NUM_FORMS": "0", "rows-MAX_NUM_FORMS": "1000"}
    for index, form in enumerate(rows.forms):
        for name, value in form.initial.items():
            if name == "on_emergency_sheet":
                if value:
                    data[f"rows-{index}-{name}"] = "on"
            else:
                data[f"rows-{index}-{name}"] = value
        for name, value in (changes or {}).get(index, {}).items():
            data[f"rows-{index}-{name}"] = value
    return data


@pytest.mark.parametrize(("filename", "make"), [
    ("meldcode.txt", lambda text: text.encode()),
    ("meldcode.docx", docx_bytes),
    ("meldcode.pdf", pdf_bytes),
])
def test_an_uploaded_document_is_previewed_and_only_saved_after_confirmation(
        school, coordinator, verified_client, filename, make):
    client = verified_client(coordinator)
    response = upload(client, school, make(seed_text(DE_SPRONG)), filename)
    assert response.status_code == 302
    page = client.get(url("import", school)).content.decode()
    assert "Veilig thuis Drenthe" in page and "Johanna Homminga" in page
    assert not Organisation.objects.exists()
    assert client.post(url("import", school), confirm_data(client, school)).status_code == 302
    assert Organisation.objects.filter(school=school).count() == 10


def test_a_pdf_bomb_is_refused_with_a_dutch_message_and_nothing_is_kept(school, coordinator, verified_client):
    from vault.tests.documents import pdf_bomb

    client = verified_client(coordinator)
    response = upload(client, school, pdf_bomb(), "meldcode.pdf")
    assert response.status_code == 400
    assert "te groot of te ingewikkeld om veilig te lezen" in response.content.decode()
    assert "socialmap_import" not in client.session
    assert not Organisation.objects.exists()


def test_the_preview_lets_the_coordinator_edit_or_skip_each_organisation(school, coordinator, verified_client):
    client = verified_client(coordinator)
    upload(client, school, seed_text(DE_SPRONG).encode(), "meldcode.txt")
    data = confirm_data(client, school, {
        0: {"decision": "skip"},
        2: {"name": "Veilig Thuis Drenthe", "phones": "0800-2000 (24/7)\n088 2460244"},
        5: {"on_emergency_sheet": "on"},
    })
    client.post(url("import", school), data)
    names = set(Organisation.objects.filter(school=school).values_list("name", flat=True))
    assert "Politie alarmnummer (bij noodsituaties)" not in names
    veilig_thuis = Organisation.objects.get(school=school, name="Veilig Thuis Drenthe")
    assert [(p.number, p.note) for p in veilig_thuis.phones.all()] == [("0800-2000", "24/7"), ("088-2460244", "")]
    assert Organisation.objects.get(school=school, name="GGZ").on_emergency_sheet


def test_importing_the_same_document_twice_updates_instead_of_duplicating(school, coordinator, verified_client):
    client = verified_client(coordinator)
    for _round in range(2):
        upload(client, school, seed_text(DE_SPRONG).encode(), "meldcode.txt")
        client.post(url("import", school), confirm_data(client, school))
    assert Organisation.objects.filter(school=school).count() == 10


def test_the_parsed_document_waits_in_the_session_not_on_disk(school, coordinator, verified_client):
    client = verified_client(coordinator)
    upload(client, school, seed_text(DE_SPRONG).encode(), "meldcode.txt")
    pending = client.session["socialmap_import"]
    assert pending["school"] == school.pk
    assert len(pending["organisations"]) == 10
    client.post(url("import", school), {"action": "cancel"})
    assert "socialmap_import" not in client.session
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "leeg.txt", "leeg"),
    (b"\x00\x01\x02binary\xff" * 50, "kaart.docx", "geen Word-document"),
    (b"%PDF-1.4 kapot", "kaart.pdf", "beschadigd"),
    (b"Alleen tekst zonder organisaties.", "kaart.txt", "geen sociale kaart"),
])
def test_an_unreadable_upload_gives_a_dutch_message_and_saves_nothing(
        school, coordinator, verified_client, data, filename, message):
    client = verified_client(coordinator)
    response = upload(client, school, data, filename)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "socialmap_import" not in client.session
    assert not Organisation.objects.exists()
