import io
import json

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.db import connection

from vault import crypto
from vault.crypto import DecryptionError

from .conftest import NEW_KEY, raw_column

STORY = "Noah vertelde dat papa hem gisteren heeft geslagen."


def test_the_database_holds_a_token_and_the_model_holds_the_text(note_model):
    note = note_model.objects.create(text=STORY, report={"aanwezig": ["IB", "moeder"], "afspraak": "over 2 weken"})
    stored = raw_column(note_model, "text", note.pk)
    assert stored.startswith(f"v2:{crypto.current_key_id()}:")
    assert "Noah" not in stored
    assert "moeder" not in raw_column(note_model, "report", note.pk)
    fresh = note_model.objects.get(pk=note.pk)
    assert fresh.text == STORY
    assert fresh.report == {"aanwezig": ["IB", "moeder"], "afspraak": "over 2 weken"}


def test_empty_and_missing_values_stay_as_they_are(note_model):
    note = note_model.objects.create(text="", report=None)
    assert raw_column(note_model, "text", note.pk) == ""
    assert raw_column(note_model, "report", note.pk) is None
    fresh = note_model.objects.get(pk=note.pk)
    assert (fresh.text, fresh.report) == ("", None)


def test_updates_bulk_writes_and_queryset_updates_are_encrypted_too(note_model):
    first, second = note_model.objects.bulk_create([note_model(text="een"), note_model(text="twee")])
    note_model.objects.filter(pk=first.pk).update(text="bijgewerkt via update")
    second.text = "bijgewerkt via bulk_update"
    note_model.objects.bulk_update([second], ["text"])
    for note in note_model.objects.all():
        assert crypto.is_token(raw_column(note_model, "text", note.pk))
    assert set(note_model.objects.values_list("text", flat=True)) == {
        "bijgewerkt via update", "bijgewerkt via bulk_update"}


def test_a_token_copied_into_another_column_does_not_open(note_model):
    note = note_model.objects.create(text=STORY, summary="samenvatting")
    with connection.cursor() as cursor:
        cursor.execute('UPDATE "vault_test_note" SET "summary" = "text" WHERE id = %s', [note.pk])
    with pytest.raises(DecryptionError):
        note_model.objects.get(pk=note.pk)


def test_reading_with_the_key_missing_is_a_loud_error(note_model, settings):
    note = note_model.objects.create(text=STORY)
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(DecryptionError, match="not among the configured"):
        note_model.objects.get(pk=note.pk)


def test_plain_text_in_an_encrypted_column_is_a_loud_error(note_model):
    note = note_model.objects.create(text="x")
    with connection.cursor() as cursor:
        cursor.execute('UPDATE "vault_test_note" SET "text" = %s WHERE id = %s', ["onversleuteld", note.pk])
    with pytest.raises(DecryptionError):
        note_model.objects.get(pk=note.pk)


@pytest.mark.parametrize("lookup", ["text", "text__icontains", "text__startswith", "report__aanwezig", "report"])
def test_encrypted_content_cannot_be_searched_in_the_database(note_model, lookup):
    with pytest.raises(FieldError, match="encrypted"):
        note_model.objects.filter(**{lookup: "Noah"}).count()


def test_empty_and_null_checks_still_work(note_model):
    note_model.objects.create(text="", report=None)
    note_model.objects.create(text=STORY, report={"a": 1})
    assert note_model.objects.filter(text="").count() == 1
    assert note_model.objects.filter(report__isnull=True).count() == 1


def test_a_dump_of_the_data_contains_tokens_and_loads_back(note_model):
    from vault.models import StoredFile

    stored = StoredFile.objects.create(original_name="gespreksverslag-familie-jansen.pdf", purpose="attachment",
                                       content_type="application/pdf", size=1, sha256="0" * 64,
                                       blob_name="aa/test.bin", key_id=crypto.current_key_id())
    out = io.StringIO()
    call_command("dumpdata", "vault.storedfile", stdout=out)
    assert "jansen" not in out.getvalue()
    dumped = json.loads(out.getvalue())
    assert crypto.is_token(dumped[0]["fields"]["original_name"])

    StoredFile.objects.all().delete()
    fixture = io.StringIO(out.getvalue())
    fixture.name = "dump.json"
    from django.core import serializers

    for obj in serializers.deserialize("json", fixture.getvalue()):
        obj.save()
    assert StoredFile.objects.get(pk=stored.pk).original_name == "gespreksverslag-familie-jansen.pdf"
