"""Re-encrypting stored content under the newest key (used by `manage.py rotate_keys`).

Encrypted columns are found by walking every installed model, so fields that other apps add later
are covered without registering them here. Values are read and written with plain SQL (not through
the field), which also lets a value stored before its column was encrypted be encrypted now.

Every value is rewritten as a row-bound ``v2`` token (vault.fields). Rotation is also the one place
that still opens ``v1`` tokens (bound to table and column only): it upgrades them. The migrations
that gave the encrypted models their ``vault_row`` call `bind_columns` to do that for existing rows
(and `unbind_columns` when migrating back).
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connections, transaction

from vault import blobs, crypto
from vault.fields import ROW_FIELD, EncryptedTextField, column_aad, row_aad


@dataclass(frozen=True)
class EncryptedColumn:
    model: type
    field: EncryptedTextField

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"

    def rotator(self, using: str = "default") -> "ColumnRotator":
        meta = self.model._meta
        row = self.field.row_field()
        return ColumnRotator(meta.db_table, self.field.column, pk=meta.pk.column,
                             row=row.column if row else None, using=using)


def encrypted_columns() -> list[EncryptedColumn]:
    columns = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.local_concrete_fields:
            if isinstance(field, EncryptedTextField):
                columns.append(EncryptedColumn(model, field))
    return columns


@dataclass
class Rewritten:
    values: int = 0  # tokens re-encrypted
    plain: int = 0  # values that were not encrypted yet
    legacy: int = 0  # of `values`: v1 tokens, not yet bound to their row


class ColumnRotator:
    """Finds and rewrites the values of one column that are not in the target format under the newest key.

    The target is a row-bound v2 token when the table has a row identity column (`row`), else a v1 token;
    `unbind=True` turns v2 tokens back into v1 ones (only for migrating back to before vault_row).
    """

    def __init__(self, table: str, column: str, *, pk: str = "id", row: str | None = None,
                 using: str = "default", unbind: bool = False):
        self.connection = connections[using]
        self.using = using
        self.table_name, self.column_name = table, column
        self.row_column = row
        self.target = crypto.V1 if unbind or row is None else crypto.V2
        quote = self.connection.ops.quote_name
        self.table = quote(table)
        self.pk = quote(pk)
        self.col = quote(column)
        self.row = quote(row) if row else "NULL"
        self.pattern = f"{self.target}:{crypto.current_key_id()}:%"
        self.where = f"{self.col} IS NOT NULL AND {self.col} <> '' AND {self.col} NOT LIKE %s"

    def count(self) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.table} WHERE {self.where}", [self.pattern])  # noqa: S608
            return cursor.fetchone()[0]

    def batches(self, batch_size: int) -> Iterator[list[tuple]]:
        last_pk = None
        while True:
            sql = f"SELECT {self.pk}, {self.col}, {self.row} FROM {self.table} WHERE {self.where}"  # noqa: S608
            params = [self.pattern]
            if last_pk is not None:
                sql += f" AND {self.pk} > %s"
                params.append(last_pk)
            sql += f" ORDER BY {self.pk} LIMIT {int(batch_size)}"
            with self.connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last_pk = rows[-1][0]

    def _open(self, stored: str, row, counts: Rewritten) -> bytes:
        version = crypto.token_version(stored)
        if version == crypto.V2:
            counts.values += 1
            return crypto.decrypt(stored, row_aad(self.table_name, self.column_name, row), version=crypto.V2)
        if version == crypto.V1:
            counts.values += 1
            counts.legacy += 1
            return crypto.decrypt(stored, column_aad(self.table_name, self.column_name), version=crypto.V1)
        counts.plain += 1
        return stored.encode("utf-8")  # written before the column was encrypted

    def _seal(self, plaintext: bytes, row) -> str:
        if self.target == crypto.V2:
            return crypto.encrypt(plaintext, row_aad(self.table_name, self.column_name, row), version=crypto.V2)
        return crypto.encrypt(plaintext, column_aad(self.table_name, self.column_name), version=crypto.V1)

    def rewrite(self, rows: list[tuple]) -> Rewritten:
        """Re-encrypt one batch in one transaction (loud on an unknown key, a bad tag or a missing row identity)."""
        counts = Rewritten()
        with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
            from vault.models import RewritePermit

            permit = RewritePermit.objects.using(self.using).create()
            for pk, stored, row in rows:
                plaintext = self._open(stored, row, counts)
                # Only if nobody changed the value meanwhile; a newer write is already under the new key.
                cursor.execute(
                    f"UPDATE {self.table} SET {self.col} = %s WHERE {self.pk} = %s AND {self.col} = %s",  # noqa: S608
                    [self._seal(plaintext, row), pk, stored],
                )
            permit.delete()
        return counts

    def rewrite_all(self, batch_size: int = 500, on_batch: Callable[[int], object] | None = None) -> Rewritten:
        total = Rewritten()
        for rows in self.batches(batch_size):
            counts = self.rewrite(rows)
            total.values += counts.values
            total.plain += counts.plain
            total.legacy += counts.legacy
            if on_batch:
                on_batch(len(rows))
        return total


# Used by the migrations that gave the encrypted models their row identity (vault 0003, cases 0006,
# documents 0003). They name tables and columns explicitly, so later model changes do not alter them.

def _check_constraints_now(using: str) -> None:
    # PostgreSQL refuses the ALTER TABLE that follows in the same migration while foreign key checks of
    # rows updated in this transaction are still deferred ("pending trigger events"): run them per statement.
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def give_rows_an_identity(model, using: str = "default") -> None:
    """Fill the new (still nullable) vault_row column with a random UUID per row."""
    _check_constraints_now(using)
    manager = model._base_manager.using(using)
    for pk in list(manager.filter(**{f"{ROW_FIELD}__isnull": True}).values_list("pk", flat=True)):
        manager.filter(pk=pk).update(**{ROW_FIELD: uuid.uuid4()})


def bind_columns(columns: list[tuple[str, str]], using: str = "default") -> Rewritten:
    """Rewrite every (table, column)'s values as row-bound v2 tokens under the newest key."""
    _check_constraints_now(using)
    total = Rewritten()
    for table, column in columns:
        counts = ColumnRotator(table, column, row=ROW_FIELD, using=using).rewrite_all()
        total.values += counts.values
        total.plain += counts.plain
        total.legacy += counts.legacy
    return total


def unbind_columns(columns: list[tuple[str, str]], using: str = "default") -> None:
    """Back to v1 tokens (table and column only), for migrating back to before vault_row existed."""
    _check_constraints_now(using)
    for table, column in columns:
        ColumnRotator(table, column, row=ROW_FIELD, using=using, unbind=True).rewrite_all()


def outdated_files():
    from vault.models import StoredFile

    return StoredFile.objects.exclude(key_id=crypto.current_key_id()).order_by("pk")


def rotate_file(stored) -> None:
    """Re-encrypt one blob under the newest key; the rename is atomic, so a crash leaves the old blob."""
    data = stored.read()
    stored.key_id = blobs.write_blob(stored.path, data, stored.blob_name)
    type(stored).objects.filter(pk=stored.pk).update(key_id=stored.key_id)


def rotate_all(batch_size: int = 500, dry_run: bool = False,
               progress: Callable[[int, str], object] | None = None) -> dict:
    """Bring every encrypted value and blob under the newest key. Idempotent.

    `progress(total, label)` returns an object with `update(n)` and `close()` (e.g. a tqdm bar).
    """
    crypto.keyring()  # fail early on a bad configuration
    summary = {"values": 0, "plain": 0, "legacy": 0, "files": 0, "columns": {}}
    for column in encrypted_columns():
        rotator = column.rotator()
        outdated = rotator.count()
        summary["columns"][column.label] = outdated
        if dry_run or not outdated:
            continue
        bar = progress(outdated, column.label) if progress else None
        counts = rotator.rewrite_all(batch_size, on_batch=bar.update if bar else None)
        summary["values"] += counts.values
        summary["plain"] += counts.plain
        summary["legacy"] += counts.legacy
        if bar:
            bar.close()
    files = outdated_files()
    file_count = files.count()
    summary["columns"]["vault.StoredFile (bestanden)"] = file_count
    if not dry_run and file_count:
        bar = progress(file_count, "vault.StoredFile (bestanden)") if progress else None
        for stored in files.iterator(chunk_size=batch_size):
            rotate_file(stored)
            summary["files"] += 1
            if bar:
                bar.update(1)
        if bar:
            bar.close()
    return summary
