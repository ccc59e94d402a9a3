"""Re-encrypting stored content under the newest key (used by `manage.py rotate_keys`).

Encrypted columns are found by walking every installed model, so fields that other apps add later
are covered without registering them here. Values are read and written with plain SQL (not through
the field), which also lets a value stored before its column was encrypted be encrypted now.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import connections, transaction

from vault import blobs, crypto
from vault.fields import EncryptedTextField


@dataclass(frozen=True)
class EncryptedColumn:
    model: type
    field: EncryptedTextField

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"


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
class ColumnPlan:
    column: EncryptedColumn
    outdated: int


class ColumnRotator:
    """Finds and rewrites the values of one column that are not under the newest key."""

    def __init__(self, column: EncryptedColumn, using: str = "default"):
        self.column = column
        self.connection = connections[using]
        self.using = using
        quote = self.connection.ops.quote_name
        meta = column.model._meta
        self.table = quote(meta.db_table)
        self.pk = quote(meta.pk.column)
        self.col = quote(column.field.column)
        self.pattern = f"{crypto.VERSION}:{crypto.current_key_id()}:%"
        self.where = f"{self.col} IS NOT NULL AND {self.col} <> '' AND {self.col} NOT LIKE %s"

    def count(self) -> int:
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.table} WHERE {self.where}", [self.pattern])  # noqa: S608
            return cursor.fetchone()[0]

    def batches(self, batch_size: int) -> Iterator[list[tuple]]:
        last_pk = None
        while True:
            sql = f"SELECT {self.pk}, {self.col} FROM {self.table} WHERE {self.where}"  # noqa: S608
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

    def rewrite(self, rows: list[tuple]) -> tuple[int, int]:
        """Re-encrypt one batch in one transaction; returns (re-encrypted, previously plain)."""
        field = self.column.field
        aad = field.aad()
        rotated = plain = 0
        with transaction.atomic(using=self.using), self.connection.cursor() as cursor:
            from vault.models import RewritePermit

            permit = RewritePermit.objects.using(self.using).create()
            for pk, stored in rows:
                if crypto.is_token(stored):
                    plaintext = crypto.decrypt(stored, aad)  # loud on an unknown key or a bad tag
                    rotated += 1
                else:
                    plaintext = stored.encode("utf-8")  # written before the column was encrypted
                    plain += 1
                # Only if nobody changed the value meanwhile; a newer write is already under the new key.
                cursor.execute(
                    f"UPDATE {self.table} SET {self.col} = %s WHERE {self.pk} = %s AND {self.col} = %s",  # noqa: S608
                    [crypto.encrypt(plaintext, aad), pk, stored],
                )
            permit.delete()
        return rotated, plain


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
    summary = {"values": 0, "plain": 0, "files": 0, "columns": {}}
    for column in encrypted_columns():
        rotator = ColumnRotator(column)
        outdated = rotator.count()
        summary["columns"][column.label] = outdated
        if dry_run or not outdated:
            continue
        bar = progress(outdated, column.label) if progress else None
        for rows in rotator.batches(batch_size):
            rotated, plain = rotator.rewrite(rows)
            summary["values"] += rotated
            summary["plain"] += plain
            if bar:
                bar.update(len(rows))
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
