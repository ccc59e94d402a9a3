import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from vault import crypto
from vault.files import save_encrypted_file
from vault.models import StoredFile
from vault.rotation import encrypted_columns

from .conftest import NEW_KEY, OLD_KEY, raw_column

REPORT = {"aanwezig": ["IB", "vader"], "reactie": "Vader was boos maar luisterde."}


def rotate(*args):
    out = io.StringIO()
    call_command("rotate_keys", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_finds_encrypted_fields_of_every_installed_model(note_model):
    labels = {column.label for column in encrypted_columns()}
    assert {"vault.StoredFile.original_name", "vault.Note.text", "vault.Note.summary", "vault.Note.report"} <= labels


def test_after_rotating_and_removing_the_old_key_everything_still_reads(note_model, settings):
    notes = [note_model.objects.create(text=f"Signaal {n}: Mila huilde bij het ophalen.", report=REPORT)
             for n in range(7)]
    stored = save_encrypted_file(SimpleUploadedFile("verslag.txt", b"inhoud van het verslag"), purpose="attachment")

    settings.ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    output = rotate("--batch-size", "3")
    assert "15 waarden en 1 bestanden" in output  # 7 texts, 7 reports, 1 file name

    settings.ENCRYPTION_KEYS = [NEW_KEY]
    new_id = crypto.current_key_id()
    for n, note in enumerate(notes):
        fresh = note_model.objects.get(pk=note.pk)
        assert fresh.text == f"Signaal {n}: Mila huilde bij het ophalen."
        assert fresh.report == REPORT
        assert raw_column(note_model, "text", note.pk).startswith(f"v2:{new_id}:")
    fresh_file = StoredFile.objects.get(pk=stored.pk)
    assert fresh_file.original_name == "verslag.txt"
    assert fresh_file.read() == b"inhoud van het verslag"
    assert fresh_file.key_id == new_id


def test_rotating_twice_changes_nothing_the_second_time(note_model, settings):
    note = note_model.objects.create(text="eenmaal")
    settings.ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    rotate()
    token = raw_column(note_model, "text", note.pk)
    assert "0 waarden en 0 bestanden" in rotate()
    assert raw_column(note_model, "text", note.pk) == token


def test_a_dry_run_counts_but_changes_nothing(note_model, settings):
    note = note_model.objects.create(text="nog oud", summary="ook oud")
    token = raw_column(note_model, "text", note.pk)
    settings.ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    output = rotate("--dry-run")
    assert "2 waarden/bestanden" in output
    assert "vault.Note.text: 1" in output
    assert raw_column(note_model, "text", note.pk) == token


def test_text_stored_before_its_column_was_encrypted_gets_encrypted(note_model):
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO vault_test_note (vault_row, text, summary, report) VALUES (%s, %s, '', NULL)",
                       [uuid.uuid4().hex, "oude notitie"])
    output = rotate()
    assert "1 waarden stonden nog onversleuteld" in output
    note = note_model.objects.get()
    assert note.text == "oude notitie"
    assert crypto.is_token(raw_column(note_model, "text", note.pk))


def test_rotation_stops_loudly_when_an_old_key_is_already_gone(note_model, settings):
    note_model.objects.create(text="onder de oude sleutel")
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not among the configured"):
        rotate()
