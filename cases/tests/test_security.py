"""Proof of confidentiality through the real views: hostile text is stored exactly and shown escaped, bad
uploads are refused without leaving anything behind, the logs hold no dossier content, and a key rotation
keeps every dossier readable."""

import datetime
import io
import logging

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.roles import Role
from cases.forms import ENTRY_FORMS
from cases.models import BreakGlass, Entry, EntryKind, Route, Signature, record_entry
from cases.views import _form_kwargs
from core.testing import confirmed, loaded_state, reauthenticate, with_key
from schools.models import Guardian, Pupil
from socialmap.models import Organisation
from vault import blobs, crypto
from vault.files import save_encrypted_file
from vault.models import StoredFile

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "'; DROP TABLE cases_entry; --",
    "{{ 7*7 }} {% debug %}",
    "\u202eenp.exe Sanne\u202c",  # right-to-left override
    ("Lange tekst met <b>opmaak</b> " * 400).strip(),  # about 12,000 characters
]
OBSERVATION = "Sanne had een blauwe plek op haar bovenarm."
KEY_A = crypto.generate_key()
KEY_B = crypto.generate_key()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def blobs_on_disk(settings):
    root = settings.MEDIA_ROOT / "vault"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def valid_post(form: forms.Form, text: str, definition) -> dict:
    """A POST that the form accepts, with `text` in every free-text field (cut to the field's maximum)."""
    data = {"action": "save", "occurred_at": (timezone.localtime() - datetime.timedelta(hours=1))
            .strftime("%Y-%m-%dT%H:%M")}
    for name, field in form.fields.items():
        if name in data or isinstance(field.widget, forms.HiddenInput) or isinstance(field, forms.FileField):
            continue
        if isinstance(field, forms.CharField):
            data[name] = text[:field.max_length] if field.max_length else text
        elif isinstance(field, forms.MultipleChoiceField):
            continue
        elif isinstance(field, forms.ChoiceField):
            choices = [value for value, _label in field.choices if value not in ("", None)]
            if choices:
                data[name] = str(choices[0])
        elif isinstance(field, forms.DateField):
            data[name] = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    # The few rules between fields, satisfied the way a user would.
    overrides = {
        EntryKind.FOLLOWUP: {"outcome": "none"},
        EntryKind.CONSENT: {"signed_in_app": "on"},
        EntryKind.HELP: {"provider": ""},
        EntryKind.HELP_EVALUATION: {"reached": "1", "effective": "1"},
        # Complaints, statements and handovers happened already: their dates are never in the future.
        EntryKind.COMPLAINT: {"received_on": timezone.localdate().isoformat(), "handled_on": "", "decided_on": ""},
        EntryKind.STATEMENT: {"received_on": timezone.localdate().isoformat(),
                              "concerns": [value for value, _label in form.fields["concerns"].choices][:1]
                              if "concerns" in form.fields else []},
        EntryKind.HANDOVER: {"discussed_on": timezone.localdate().isoformat()},
    }
    data.update(overrides.get(form.kind, {}))
    if form.kind == EntryKind.EXEMPTION:
        data["ground"] = definition.exemption_grounds[data["applies_to"]][0].id
    if form.kind == EntryKind.WEIGHING:
        # Answer the afwegingskader along its own path: "no" to the first question ends it there.
        first = definition.afwegingskader[0].id
        for question in definition.afwegingskader:
            if question.id != first:
                data.pop(f"q_{question.id}", None)
        data[f"q_{first}"] = "no"
    return data


def free_text_fields(form: forms.Form) -> list[str]:
    return [name for name, field in form.fields.items()
            if isinstance(field, forms.CharField) and not isinstance(field.widget, forms.HiddenInput)]


@pytest.fixture
def author(people):
    ib = people[Role.IB]
    ib.qualified_for_diagnosis = True  # so that the signal form has its diagnosis field too
    ib.save()
    return ib


def new_case(make_case, pupil, people, kind):
    # Consent and conversations name a guardian of the pupil (chosen from the pupil's own).
    Guardian.objects.get_or_create(pupil=pupil, name="Marieke de Vries", relation="moeder", has_authority=True)
    if kind == EntryKind.DUTY:
        return make_case(pupil, route=Route.STAFF, subject_staff=people[Role.LEERKRACHT])
    case = make_case(pupil)
    if kind == EntryKind.STATEMENT:  # a statement is about entries of the dossier: one to be about
        record_entry(Entry.objects.create(case=case, kind=EntryKind.SIGNAL, author=people[Role.IB],
                                          content={"observation": "Een blauwe plek."}, facts={}))
    return case


@pytest.mark.parametrize("kind", list(ENTRY_FORMS))
def test_hostile_text_in_every_free_text_field_is_stored_exactly_and_shown_escaped(
        kind, make_case, pupil, people, author, verified_client):
    client = verified_client(people[Role.DIRECTIE] if kind == EntryKind.DUTY else author)
    user = people[Role.DIRECTIE] if kind == EntryKind.DUTY else author
    for payload in PAYLOADS:
        case = new_case(make_case, pupil, people, kind)
        form = ENTRY_FORMS[kind](**_form_kwargs(case, kind, user))
        fields = free_text_fields(form)
        assert fields, kind
        # A decision passes its confirmation page, whose hidden fields carry the hostile text on unchanged.
        response = confirmed(client, reverse("cases:new_entry", args=[case.reference, kind]),
                             with_key(valid_post(form, payload, case.definition())))
        assert response.status_code == 302, (kind, payload[:30], response.content.decode()[:3000])
        entry = Entry.objects.get(case=case, kind=kind)
        for name in fields:
            if name in form.fact_fields:
                continue
            limit = form.fields[name].max_length
            expected = (payload[:limit] if limit else payload).strip()  # as typed, minus surrounding spaces
            assert entry.content.get(name) == expected, (kind, name)
        page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert "<img src=x onerror" not in page
        assert 'href="javascript:' not in page
        assert "<b>opmaak</b>" not in page
        shown = payload[:200]
        assert escape(shown) in page or escape(shown)[:100] in page, (kind, shown[:30])
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM cases_entry")
        assert cursor.fetchone()[0] == len(PAYLOADS) * (2 if kind == EntryKind.STATEMENT else 1)


def test_the_escaped_script_is_visible_as_text(make_case, pupil, author, verified_client, add_entry):
    case = make_case(pupil)
    add_entry(case, author, content={"observation": PAYLOADS[0], "place": PAYLOADS[1]})
    page = verified_client(author).get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in page


@pytest.mark.parametrize("field", ["observation", "place"])
def test_a_nul_byte_gets_a_clean_400_and_stores_nothing(field, make_case, pupil, author, verified_client):
    case = make_case(pupil)
    form = ENTRY_FORMS["signal"](**_form_kwargs(case, "signal", author))
    data = valid_post(form, "Een blauwe plek", case.definition())
    data[field] = "Een blauwe\x00 plek"
    response = verified_client(author).post(reverse("cases:new_entry", args=[case.reference, "signal"]),
                                            with_key(data))
    assert response.status_code == 400
    assert "tekens die de app niet aanneemt" in response.content.decode()  # core.middleware, before any form
    assert not Entry.objects.filter(case=case).exists()


def test_too_long_text_in_a_short_field_gets_a_clean_400(make_case, pupil, author, verified_client):
    case = make_case(pupil)
    form = ENTRY_FORMS["signal"](**_form_kwargs(case, "signal", author))
    data = {**valid_post(form, "Een blauwe plek", case.definition()), "place": "x" * 5000}
    response = verified_client(author).post(reverse("cases:new_entry", args=[case.reference, "signal"]),
                                            with_key(data))
    assert response.status_code == 400
    assert not Entry.objects.filter(case=case).exists()


def test_hostile_text_in_signatures_and_break_glass_reasons(make_case, pupil, people, author, verified_client,
                                                           add_entry, school):
    case = make_case(pupil)
    conversation = add_entry(case, author, kind="conversation", content={"reaction": "Moeder schrok."},
                             facts={"purpose": "parent"})
    client = verified_client(author)
    response = client.post(reverse("cases:sign", args=[case.reference, conversation.pk]), with_key({
        "participant": PAYLOADS[1], "signed": "0", "refusal_reason": PAYLOADS[0]}))
    assert response.status_code == 302
    signature = Signature.objects.get(entry=conversation)
    assert (signature.participant, signature.refusal_reason) == (PAYLOADS[1], PAYLOADS[0])
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "<script>alert(1)</script>" not in page and "<img src=x onerror" not in page
    assert escape(PAYLOADS[0]) in page

    school.ib_sees_all_cases = False
    school.save()
    outsider = people[Role.DIRECTIE]
    school.directie_sees_all_cases = False
    school.save()
    reason = "Noodgeval " + PAYLOADS[0]
    outsider_client = verified_client(outsider)
    reauthenticate(outsider_client)
    response = outsider_client.post(reverse("cases:break_glass", args=[case.reference]),
                                   with_key({"reason": reason}))
    assert response.status_code == 302
    assert BreakGlass.objects.get(case=case).reason == reason


def test_hostile_text_in_pupil_and_sociale_kaart_fields(make_case, pupil, people, author, verified_client, school):
    client = verified_client(author)
    edit = reverse("schools:pupil_edit", args=[school.slug, pupil.pk])
    response = client.post(edit, {
        **loaded_state(client, edit), "student_number": "", "first_name": PAYLOADS[0], "last_name": PAYLOADS[1], "date_of_birth": "2017-03-14",
        "group": "5", "status": "active", "left_on": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    pupil.refresh_from_db()
    assert (pupil.first_name, pupil.last_name) == (PAYLOADS[0], PAYLOADS[1])

    response = client.post(reverse("socialmap:create", args=[school.slug]), {
        "name": "GGD " + PAYLOADS[3], "kind": "other", "contact_person": PAYLOADS[1], "address": PAYLOADS[0],
        "email": "", "website": "", "notes": PAYLOADS[4],
        "phones-TOTAL_FORMS": "1", "phones-INITIAL_FORMS": "0", "phones-MIN_NUM_FORMS": "0",
        "phones-MAX_NUM_FORMS": "10", "phones-0-number": "0528-123456", "phones-0-note": PAYLOADS[2]})
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation = Organisation.objects.get(school=school)
    assert (organisation.name, organisation.contact_person, organisation.address, organisation.notes) == (
        "GGD " + PAYLOADS[3], PAYLOADS[1], PAYLOADS[0], PAYLOADS[4])
    assert organisation.phones.get().note == PAYLOADS[2]

    case = make_case(pupil)
    pages = [reverse("schools:pupil", args=[school.slug, pupil.pk]), reverse("schools:pupils", args=[school.slug]),
             reverse("socialmap:list", args=[school.slug]), reverse("socialmap:emergency", args=[school.slug]),
             reverse("cases:detail", args=[case.reference]), reverse("cases:overview", args=[school.slug])]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "<script>alert(1)</script>" not in html, url
        assert "<img src=x onerror" not in html, url
    assert Entry.objects.count() == 0 and Pupil.objects.filter(pk=pupil.pk).exists()


def test_a_nul_byte_in_a_pupil_name_gets_a_clean_400(pupil, author, verified_client, school):
    client = verified_client(author)
    edit = reverse("schools:pupil_edit", args=[school.slug, pupil.pk])
    response = client.post(edit, {
        **loaded_state(client, edit), "first_name": "San\x00ne", "last_name": "de Vries", "date_of_birth": "2017-03-14", "group": "5",
        "status": "active"})
    assert response.status_code == 400
    pupil.refresh_from_db()
    assert pupil.first_name == "Sanne"


# --- uploads ----------------------------------------------------------------------------------------------

def zip_bomb_docx() -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        archive.writestr("word/media/padding.bin", bytes(60 * 1024 * 1024))
    return buffer.getvalue()


BAD_UPLOADS = [
    ("programma.exe", b"MZ\x90\x00" + bytes(200), "Programma's en scripts kunnen niet worden opgeslagen."),
    ("verslag.html", b"<!doctype html><html><body><script>alert(1)</script></body></html>",
     "HTML-, SVG- en scriptbestanden kunnen niet worden opgeslagen."),
    ("foto.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "HTML-, SVG- en scriptbestanden kunnen niet worden opgeslagen."),
    ("toestemming.pdf", b"%PDF-1.4\n" + b"x" * 3000, "Het bestand is groter dan"),
    ("verslag.docx", None, "onredelijk groot bestand"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_UPLOADS, ids=[u[0] for u in BAD_UPLOADS])
def test_a_bad_consent_upload_is_refused_with_a_dutch_message_and_nothing_is_stored(
        name, content, message, make_case, pupil, author, verified_client, settings):
    settings.UPLOAD_MAX_BYTES = 2048
    if content is None:
        settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
        content = zip_bomb_docx()
    case = make_case(pupil)
    form = ENTRY_FORMS["consent"](**_form_kwargs(case, "consent", author))
    data = {**valid_post(form, "Moeder", case.definition()), "signed_in_app": "",
            "evidence": SimpleUploadedFile(name, content, content_type="application/pdf")}
    response = verified_client(author).post(reverse("cases:new_entry", args=[case.reference, "consent"]),
                                            with_key(data))
    assert response.status_code == 400
    assert escape(message) in response.content.decode()
    assert not Entry.objects.filter(case=case).exists()
    assert not StoredFile.objects.exists()
    assert blobs_on_disk(settings) == []


@pytest.mark.parametrize(("name", "content", "message"), BAD_UPLOADS, ids=[u[0] for u in BAD_UPLOADS])
def test_the_vault_refuses_bad_files_directly_and_leaves_nothing_on_disk(name, content, message, settings, db):
    settings.UPLOAD_MAX_BYTES = 2048
    if content is None:
        settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
        content = zip_bomb_docx()
    with pytest.raises(ValidationError) as refused:
        save_encrypted_file(SimpleUploadedFile(name, content), purpose="test")
    assert message in refused.value.messages[0]
    assert not StoredFile.objects.exists()
    assert blobs_on_disk(settings) == []


def test_a_good_consent_upload_is_stored_encrypted(make_case, pupil, author, verified_client, settings, people):
    case = new_case(make_case, pupil, people, "consent")
    form = ENTRY_FORMS["consent"](**_form_kwargs(case, "consent", author))
    secret = b"Ik, Marieke de Vries, geef toestemming."
    data = {**valid_post(form, "Moeder", case.definition()), "signed_in_app": "",
            "evidence": SimpleUploadedFile("toestemming.txt", secret)}
    response = verified_client(author).post(reverse("cases:new_entry", args=[case.reference, "consent"]),
                                            with_key(data))
    assert response.status_code == 302
    stored = Entry.objects.get(case=case).attachment
    assert stored.read() == secret
    assert [path.read_bytes().find(b"Marieke") for path in blobs_on_disk(settings)] == [-1]


# --- logs -------------------------------------------------------------------------------------------------

def test_no_dossier_content_reaches_the_logs(make_case, pupil, people, author, verified_client, add_entry, caplog):
    case = make_case(pupil, team=[people[Role.LEERKRACHT]])
    form = ENTRY_FORMS["signal"](**_form_kwargs(case, "signal", author))
    client = verified_client(author)
    with caplog.at_level(logging.DEBUG):
        data = {**valid_post(form, "Op het plein", case.definition()), "observation": OBSERVATION}
        assert client.post(reverse("cases:new_entry", args=[case.reference, "signal"]),
                           with_key(data)).status_code == 302
        # A form error, with the observation in the rejected form.
        bad = {**data, "occurred_at": "2099-01-01T10:00"}
        assert client.post(reverse("cases:new_entry", args=[case.reference, "signal"]),
                           with_key(bad)).status_code == 400
        assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 200
        # An outsider gets a 404; so does a reference that does not exist.
        outsider = verified_client(people[Role.BEHEER])
        assert outsider.get(reverse("cases:detail", args=[case.reference])).status_code == 404
        assert client.get(reverse("cases:detail", args=["ZZZZ-ZZZZ"])).status_code == 404
        # The reminder and the notification path.
        from cases.models import Task
        from cases.notifications import send_due_reminders

        Task.objects.create(case=case, kind=Task.Kind.OTHER, due_on=timezone.localdate(), assignee=author)
        send_due_reminders()
    assert caplog.records, "the 404 and 400 are logged, so logging was captured"
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in (OBSERVATION, "blauwe plek", "Sanne", "de Vries", "Op het plein"):
        assert secret not in text


# --- key rotation -----------------------------------------------------------------------------------------

def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])  # noqa: S608 (fixed names)
        return cursor.fetchone()[0]


def test_a_key_rotation_keeps_every_dossier_readable(make_case, pupil, people, author, verified_client, add_entry,
                                                    settings):
    settings.ENCRYPTION_KEYS = [KEY_A]
    key_a = crypto.current_key_id()
    cases = [make_case(pupil) for _ in range(3)]
    entries, signatures, glasses = [], [], []
    for n, case in enumerate(cases):
        entries.append(add_entry(case, author, content={"observation": f"{OBSERVATION} ({n})"}))
        conversation = add_entry(case, author, kind="conversation", content={"reaction": f"Moeder schrok ({n})."},
                                 facts={"purpose": "parent"})
        signatures.append(Signature.objects.create(entry=conversation, participant="Johan de Vries",
                                                   recorded_by=author, refusal_reason=f"Wilde niet tekenen ({n})."))
        glasses.append(BreakGlass.objects.create(case=case, user=people[Role.DIRECTIE],
                                                 reason=f"Noodgeval met reden nummer {n}.",
                                                 until=timezone.now() + BreakGlass.DURATION))
    stored = save_encrypted_file(SimpleUploadedFile("toestemming.txt", b"Toestemming van moeder."),
                                 purpose=f"case-{cases[0].reference}")
    with_attachment = Entry.objects.create(case=cases[0], kind="consent", author=author, occurred_at=timezone.now(),
                                           content={"given_by": "Marieke de Vries"}, facts={"status": "given"},
                                           attachment=stored)
    from cases.models import record_entry

    record_entry(with_attachment)
    assert raw("cases_entry", "content", entries[0].pk).startswith(f"v2:{key_a}:")

    settings.ENCRYPTION_KEYS = [KEY_B, KEY_A]
    key_b = crypto.current_key_id()
    call_command("rotate_keys", stdout=io.StringIO(), stderr=io.StringIO())
    settings.ENCRYPTION_KEYS = [KEY_B]

    client = verified_client(author)
    for n, case in enumerate(cases):
        page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
        assert f"{OBSERVATION} ({n})" in page
        assert f"Moeder schrok ({n})." in page
        assert f"Wilde niet tekenen ({n})." in page
        assert BreakGlass.objects.get(pk=glasses[n].pk).reason == f"Noodgeval met reden nummer {n}."
    download = client.get(reverse("cases:attachment", args=[cases[0].reference, with_attachment.pk]))
    assert download.content == b"Toestemming van moeder."
    tokens = ([raw("cases_entry", "content", e.pk) for e in Entry.objects.all()]
              + [raw("cases_signature", "refusal_reason", s.pk) for s in signatures]
              + [raw("cases_breakglass", "reason", g.pk) for g in glasses]
              + [raw("vault_storedfile", "original_name", stored.pk)])
    assert tokens and all(token.startswith(f"v2:{key_b}:") for token in tokens)
    stored.refresh_from_db()
    assert stored.key_id == key_b
    assert blobs.blob_key_id(stored.path.read_bytes()) == key_b
