"""Encrypted dossier content is bound to its row (issue 12), and the migration that did it (0006)."""

import io
import uuid

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.roles import Role
from cases.models import BreakGlass, CaseSibling, Entry, Signature
from schools.models import Pupil
from vault import crypto
from vault.crypto import DecryptionError
from vault.models import RewritePermit, StoredFile


def raw(table, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE id = %s', [pk])  # noqa: S608
        return cursor.fetchone()[0]


def copy_column(table, column, source_pk, target_pk):
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET "{column}" = (SELECT "{column}" FROM "{table}" WHERE id = %s) '  # noqa: S608
                       "WHERE id = %s", [source_pk, target_pk])


def sibling_of(pupil, name):
    return Pupil.objects.create(school=pupil.school, first_name=name, last_name=pupil.last_name,
                                date_of_birth=pupil.date_of_birth, group="3")


def trigger_names():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                           "AND tgrelid IN ('cases_entry'::regclass, 'cases_signature'::regclass)")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                           "AND tbl_name IN ('cases_entry', 'cases_signature')")
        return {name for (name,) in cursor.fetchall()}


EXPECTED_TRIGGERS = {
    "postgresql": {"cases_entry_append_only", "cases_signature_append_only"},
    "sqlite": {"cases_entry_no_update", "cases_entry_no_delete", "cases_signature_no_update",
               "cases_signature_no_delete"},
}


def test_journal_content_copied_into_another_entry_of_another_case_does_not_open(make_case, pupil, people,
                                                                                 add_entry):
    ib = people[Role.IB]
    secret = add_entry(make_case(pupil), ib, content={"observation": "Sanne vertelde over klappen thuis."})
    other_case = make_case(sibling_of(pupil, "Noor"))
    draft = add_entry(other_case, ib, content={"observation": "Noor was stil."}, saved=False)
    copy_column("cases_entry", "content", secret.pk, draft.pk)
    with pytest.raises(DecryptionError, match="integrity"):
        Entry.objects.get(pk=draft.pk)
    with pytest.raises(DecryptionError):
        list(other_case.entries.values_list("content", flat=True))
    assert Entry.objects.get(pk=secret.pk).content["observation"] == "Sanne vertelde over klappen thuis."


def test_a_siblings_role_copied_into_another_sibling_row_does_not_open(make_case, pupil):
    case = make_case(pupil)
    victim = CaseSibling.objects.create(case=case, pupil=sibling_of(pupil, "Noor"), role="Ook slachtoffer.")
    witness = CaseSibling.objects.create(case=case, pupil=sibling_of(pupil, "Daan"), role="Getuige.")
    copy_column("cases_casesibling", "role", victim.pk, witness.pk)
    with pytest.raises(DecryptionError):
        CaseSibling.objects.get(pk=witness.pk)
    assert CaseSibling.objects.get(pk=victim.pk).role == "Ook slachtoffer."


def test_related_encrypted_values_read_through_select_related(make_case, pupil, people, add_entry):
    stored = StoredFile.objects.create(original_name="verslag-sanne.pdf", purpose="attachment",
                                       content_type="application/pdf", size=1, sha256="0" * 64,
                                       blob_name="bb/verslag.bin", key_id=crypto.current_key_id())
    entry = add_entry(make_case(pupil), people[Role.IB], saved=False)
    entry.attachment = stored
    entry.save()
    loaded = Entry.objects.select_related("attachment").get(pk=entry.pk)
    assert loaded.attachment.original_name == "verslag-sanne.pdf"
    assert loaded.content == {"observation": "Een blauwe plek op de arm."}
    assert Entry.objects.filter(pk=entry.pk).values_list("attachment__original_name", flat=True).get() == \
        "verslag-sanne.pdf"


def test_the_append_only_triggers_are_installed_and_keep_the_row_identity_fixed(make_case, pupil, people,
                                                                               add_entry, settings):
    assert EXPECTED_TRIGGERS[connection.vendor] <= trigger_names()
    ib = people[Role.IB]
    entry = add_entry(make_case(pupil), ib, kind="conversation")
    signature = Signature.objects.create(entry=entry, participant="Moeder", recorded_by=ib,
                                         refusal_reason="Wilde niet tekenen.")
    for table, pk in (("cases_entry", entry.pk), ("cases_signature", signature.pk)):
        # Even with key rotation's permit present, the identity the ciphertext is bound to cannot change.
        with pytest.raises(DatabaseError), transaction.atomic():
            RewritePermit.objects.create()
            with connection.cursor() as cursor:
                cursor.execute(f'UPDATE "{table}" SET vault_row = %s WHERE id = %s',  # noqa: S608
                               [uuid.uuid4().hex, pk])
    # The rewrite that key rotation needs is still allowed.
    settings.ENCRYPTION_KEYS = [crypto.generate_key(), *settings.ENCRYPTION_KEYS]
    call_command("rotate_keys", stdout=io.StringIO(), stderr=io.StringIO())
    assert raw("cases_entry", "content", entry.pk).startswith(f"v2:{crypto.current_key_id()}:")
    assert Signature.objects.get(pk=signature.pk).refusal_reason == "Wilde niet tekenen."
    assert Entry.objects.get(pk=entry.pk).content == {"observation": "Een blauwe plek op de arm."}


# Migrated back to just before the row identity existed (vault 0003, cases 0006, documents 0003).
BEFORE_ROW_IDENTITY = [("vault", "0002_rewrite_permit"), ("cases", "0005_encrypt_sibling_role"),
                       ("documents", "0001_initial")]


def columns_of(table):
    with connection.cursor() as cursor:
        return {column.name for column in connection.introspection.get_table_description(cursor, table)}


@pytest.mark.django_db(transaction=True)
def test_the_migration_binds_existing_values_to_their_rows_and_reinstalls_the_triggers(make_case, pupil, people,
                                                                                      add_entry):
    from documents.models import InspectionExport, WithheldItem

    ib = people[Role.IB]
    case = make_case(pupil)
    entry = add_entry(case, ib, kind="conversation", content={"reaction": "Moeder schrok."})
    other = add_entry(case, ib, content={"observation": "Tweede regel."})
    signature = Signature.objects.create(entry=entry, participant="Moeder", recorded_by=ib,
                                         refusal_reason="Wilde niet tekenen.")
    sibling = CaseSibling.objects.create(case=case, pupil=sibling_of(pupil, "Noor"), role="Ook slachtoffer.")
    glass = BreakGlass.objects.create(case=case, user=ib, reason="Noodgeval.", until=timezone.now())
    stored = StoredFile.objects.create(original_name="verslag.pdf", purpose="attachment",
                                       content_type="application/pdf", size=1, sha256="0" * 64,
                                       blob_name="cc/verslag.bin", key_id=crypto.current_key_id())
    inspection = InspectionExport.objects.create(case=case, created_by=ib, for_whom="Anna Bos, moeder")
    withheld = WithheldItem.objects.create(export=inspection, entry=other, ground="third_party",
                                           reason="Gaat over derden.")
    values = [("cases_entry", "content", entry.pk), ("cases_entry", "content", other.pk),
              ("cases_signature", "refusal_reason", signature.pk), ("cases_casesibling", "role", sibling.pk),
              ("cases_breakglass", "reason", glass.pk), ("vault_storedfile", "original_name", stored.pk),
              ("documents_inspectionexport", "for_whom", inspection.pk),
              ("documents_withhelditem", "reason", withheld.pk)]
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        MigrationExecutor(connection).migrate(BEFORE_ROW_IDENTITY)
        # Before: tokens bound to table and column only (v1), no identity column, the triggers of then.
        assert all(raw(table, column, pk).startswith("v1:") for table, column, pk in values)
        assert "vault_row" not in columns_of("cases_entry") | columns_of("vault_storedfile")
        assert EXPECTED_TRIGGERS[connection.vendor] <= trigger_names()
        # Issue 12 as it was: a v1 token opens in any row of its column.
        token = raw("cases_entry", "content", entry.pk)
        assert crypto.decrypt(token, b"cases_entry.content", version=crypto.V1) == b'{"reaction": "Moeder schrok."}'

        MigrationExecutor(connection).migrate(leaves)
    finally:
        MigrationExecutor(connection).migrate(leaves)  # never leave the test database behind

    for table, column, pk in values:
        assert raw(table, column, pk).startswith(f"v2:{crypto.current_key_id()}:"), (table, column)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(DISTINCT vault_row), COUNT(*) FROM cases_entry")
        distinct, total = cursor.fetchone()
    assert distinct == total == 2
    assert Entry.objects.get(pk=entry.pk).content == {"reaction": "Moeder schrok."}
    assert Signature.objects.get(pk=signature.pk).refusal_reason == "Wilde niet tekenen."
    assert CaseSibling.objects.get(pk=sibling.pk).role == "Ook slachtoffer."
    assert BreakGlass.objects.get(pk=glass.pk).reason == "Noodgeval."
    assert StoredFile.objects.get(pk=stored.pk).original_name == "verslag.pdf"
    assert InspectionExport.objects.get(pk=inspection.pk).for_whom == "Anna Bos, moeder"
    assert WithheldItem.objects.get(pk=withheld.pk).reason == "Gaat over derden."

    # The triggers are back (SQLite rebuilt the tables) and do their work.
    assert EXPECTED_TRIGGERS[connection.vendor] <= trigger_names()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_entry SET occurred_at = occurred_at WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_signature WHERE id = %s", [signature.pk])
    # And a value copied into another row no longer opens.
    second = BreakGlass.objects.create(case=case, user=ib, reason="Ander noodgeval.", until=timezone.now())
    copy_column("cases_breakglass", "reason", glass.pk, second.pk)
    with pytest.raises(DecryptionError):
        BreakGlass.objects.get(pk=second.pk)
