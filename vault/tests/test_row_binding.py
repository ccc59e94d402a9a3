"""Every encrypted value is bound to its row (issue 12): a token copied into another row does not open."""

import io

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import isolate_apps

from vault import crypto
from vault.checks import encrypted_models_have_a_row_identity
from vault.crypto import DecryptionError
from vault.fields import EncryptedTextField, UnboundWriteError, column_aad
from vault.models import StoredFile

from .conftest import NEW_KEY, OLD_KEY, raw_column


def copy_column(table, column, source_pk, target_pk):
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "{column}" = (SELECT "{column}" FROM "{table}" WHERE id = %s) '  # noqa: S608
                       "WHERE id = %s", [source_pk, target_pk])


def stored_file(name):
    return StoredFile.objects.create(original_name=name, purpose="attachment", content_type="application/pdf",
                                     size=1, sha256="0" * 64, blob_name=f"aa/{name}.bin",
                                     key_id=crypto.current_key_id())


def test_a_token_copied_into_another_row_of_the_same_column_does_not_open(note_model):
    mila = note_model.objects.create(text="Mila vertelde over de ruzie thuis.")
    other = note_model.objects.create(text="Niets bijzonders.")
    copy_column("vault_test_note", "text", mila.pk, other.pk)
    with pytest.raises(DecryptionError, match="integrity"):
        note_model.objects.get(pk=other.pk)
    with pytest.raises(DecryptionError):
        list(note_model.objects.filter(pk=other.pk).values_list("text", flat=True))
    assert note_model.objects.get(pk=mila.pk).text == "Mila vertelde over de ruzie thuis."


def test_a_file_name_copied_into_another_stored_file_does_not_open(db):
    secret = stored_file("aangifte-familie-jansen")
    other = stored_file("rooster")
    copy_column("vault_storedfile", "original_name", secret.pk, other.pk)
    with pytest.raises(DecryptionError):
        StoredFile.objects.get(pk=other.pk)


def test_a_token_copied_together_with_its_row_identity_is_refused_by_the_database(note_model):
    mila = note_model.objects.create(text="Mila vertelde over de ruzie thuis.")
    other = note_model.objects.create(text="Niets bijzonders.")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute('UPDATE "vault_test_note" SET "text" = %s, "vault_row" = %s WHERE id = %s',
                       [raw_column(note_model, "text", mila.pk), raw_column(note_model, "vault_row", mila.pk),
                        other.pk])


def test_a_value_read_without_its_row_identity_is_a_loud_error(note_model):
    note_model.objects.create(text="Mila vertelde over de ruzie thuis.")
    with pytest.raises(DecryptionError, match="without its row identity"):
        list(note_model.objects.raw('SELECT * FROM "vault_test_note"'))


def test_a_v1_token_bound_only_to_table_and_column_is_no_longer_read_by_the_app(note_model):
    note = note_model.objects.create(text="nieuw")
    old = crypto.encrypt(b"oud formaat", column_aad("vault_test_note", "text"), version=crypto.V1)
    with connection.cursor() as cursor:
        cursor.execute('UPDATE "vault_test_note" SET "text" = %s WHERE id = %s', [old, note.pk])
    with pytest.raises(DecryptionError, match="v1"):
        note_model.objects.get(pk=note.pk)


def test_rotation_upgrades_v1_tokens_to_row_bound_ones_and_says_so(note_model, settings):
    notes = [note_model.objects.create(text="placeholder") for _ in range(3)]
    with connection.cursor() as cursor:
        for n, note in enumerate(notes):
            old = crypto.encrypt(f"Signaal {n}".encode(), column_aad("vault_test_note", "text"), version=crypto.V1)
            cursor.execute('UPDATE "vault_test_note" SET "text" = %s WHERE id = %s', [old, note.pk])
    settings.ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    out = io.StringIO()
    call_command("rotate_keys", "--batch-size", "2", stdout=out, stderr=io.StringIO())
    assert "3 waarden hadden nog het oude formaat (v1" in out.getvalue()
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    for n, note in enumerate(notes):
        assert raw_column(note_model, "text", note.pk).startswith(f"v2:{crypto.current_key_id()}:")
        assert note_model.objects.get(pk=note.pk).text == f"Signaal {n}"
    # The upgraded tokens are bound to their rows like any new one.
    copy_column("vault_test_note", "text", notes[0].pk, notes[1].pk)
    with pytest.raises(DecryptionError):
        note_model.objects.get(pk=notes[1].pk)


def test_a_v2_token_relabelled_as_v1_does_not_open_even_for_rotation(note_model):
    note = note_model.objects.create(text="gebonden")
    token = raw_column(note_model, "text", note.pk)
    with connection.cursor() as cursor:
        cursor.execute('UPDATE "vault_test_note" SET "text" = %s WHERE id = %s', ["v1" + token[2:], note.pk])
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="integrity"):
        call_command("rotate_keys", stdout=io.StringIO(), stderr=io.StringIO())


def test_reading_works_the_same_through_values_deferred_fields_and_refresh(note_model):
    note = note_model.objects.create(text="Mila", summary="", report={"a": 1})
    assert list(note_model.objects.values("text", "summary", "report")) == [
        {"text": "Mila", "summary": "", "report": {"a": 1}}]
    assert note_model.objects.values_list("report", flat=True).get() == {"a": 1}
    deferred = note_model.objects.only("id").get(pk=note.pk)
    assert deferred.text == "Mila" and deferred.report == {"a": 1}
    without_row = note_model.objects.defer("vault_row").get(pk=note.pk)
    assert without_row.text == "Mila"
    note.text = "veranderd in het geheugen"
    note.refresh_from_db()
    assert note.text == "Mila"
    assert note_model.objects.filter(report__isnull=True).count() == 0


def test_a_queryset_update_encrypts_per_row_and_keeps_its_filter(note_model):
    first = note_model.objects.create(text="een", summary="x")
    second = note_model.objects.create(text="twee", summary="y")
    assert note_model.objects.all().update(text="voor iedereen") == 2
    assert note_model.objects.filter(pk=first.pk, summary="").update(text="niet: filter past niet") == 0
    assert raw_column(note_model, "text", first.pk) != raw_column(note_model, "text", second.pk)
    assert [n.text for n in note_model.objects.order_by("pk")] == ["voor iedereen", "voor iedereen"]


def test_writing_plaintext_without_knowing_the_row_is_refused(note_model):
    note = note_model.objects.create(text="een")
    plain_queryset = models.QuerySet(note_model)  # not the model's own RowBoundQuerySet
    with pytest.raises(UnboundWriteError), transaction.atomic():
        plain_queryset.filter(pk=note.pk).update(text="zonder rij")
    assert plain_queryset.filter(pk=note.pk).update(text="") == 1  # empty needs no key and no row


def test_a_model_with_encrypted_fields_but_no_row_identity_fails_the_system_check():
    with isolate_apps("vault") as registry:
        class Loose(models.Model):
            text = EncryptedTextField()

            class Meta:
                app_label = "vault"

        config = registry.get_app_config("vault")
        errors = encrypted_models_have_a_row_identity(app_configs=[config])
    assert {error.id for error in errors} == {"vault.E001", "vault.E002"}
    assert all(error.level == checks.ERROR for error in errors)


def test_the_real_models_pass_the_system_check():
    assert encrypted_models_have_a_row_identity() == []


def test_a_dump_from_before_the_upgrade_loads_and_reads_after_rotate_keys(note_model):
    from django.core import serializers

    old = crypto.encrypt(b"uit een oude dump", column_aad("vault_test_note", "text"), version=crypto.V1)
    dump = f'[{{"model": "vault.note", "pk": 7, "fields": {{"text": "{old}", "summary": "", "report": null}}}}]'
    for obj in serializers.deserialize("json", dump):
        obj.save()
    with pytest.raises(DecryptionError, match="v1"):
        note_model.objects.get(pk=7)
    out = io.StringIO()
    call_command("rotate_keys", stdout=out, stderr=io.StringIO())
    assert "1 waarden hadden nog het oude formaat" in out.getvalue()
    assert note_model.objects.get(pk=7).text == "uit een oude dump"
