"""Model fields whose content is stored encrypted (see vault.crypto), each value bound to its row.

The database only ever sees ``v2:<key-id>:<data>`` tokens; the model instance only ever sees
plaintext. The associated data is ``<table>.<column>.<row identity>``, where the row identity is
the model's random ``vault_row`` UUID (vault.models.RowIdentity, required by check vault.E001). So
a token copied into another column *or into another row* does not open.

How the row reaches the crypto without changing how the ORM is used:

- Reading: ``from_db_value`` does not see the row, so the column is selected together with its
  row's identity: ``SELECT content || '|' || CAST(vault_row AS TEXT)`` (``RowBoundCol``). This
  covers model loading, ``values()``, ``values_list()``, ``select_related``, deferred fields and
  ``refresh_from_db`` alike. A token read without its identity (raw SQL, an expression around the
  column) fails loudly.
- Writing: ``pre_save`` sees the instance and encrypts for its ``vault_row`` (save, create,
  bulk_create); ``RowBoundQuerySet`` does the same per row for ``update()`` and ``bulk_update()``.
  Any other write of plaintext into a row-bound column (which would not know the row) is refused.

``v1`` tokens (bound to table and column only, written before rows had an identity) are refused on
reading; ``rotate_keys`` and the migrations that introduced ``vault_row`` upgrade them. A model
*without* ``vault_row`` (only the historical models inside migrations that ran before it existed)
keeps the v1 behaviour, so those migrations replay unchanged.

Renaming the table or column of an encrypted field needs a data migration that decrypts under the
old name and encrypts under the new one.
"""

import json
import uuid

from django import forms
from django.core.exceptions import FieldDoesNotExist, FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.expressions import Col
from django.db.models.lookups import Exact, IsNull
from django.utils.functional import cached_property

from vault import crypto

ROW_FIELD = "vault_row"
ROW_SEPARATOR = "|"  # never part of a token (base64, hex and ':' only)


def column_aad(table: str, column: str) -> bytes:
    """Associated data of a v1 token."""
    return f"{table}.{column}".encode()


def row_aad(table: str, column: str, row) -> bytes:
    """Associated data of a v2 token; `row` may be a UUID or its text in any form the databases return."""
    try:
        identity = row if isinstance(row, uuid.UUID) else uuid.UUID(str(row))
    except ValueError:
        raise crypto.DecryptionError(f"Row identity {row!r} of {table}.{column} is not a UUID.") from None
    return f"{table}.{column}.{identity}".encode()


class SealedToken(str):
    """A token that is already encrypted for its row; written to the database as it is."""


class UnboundWriteError(FieldError):
    """Plaintext for a row-bound column was about to be written without knowing the row."""


class _EmptyOnlyExact(Exact):
    """`field=""` is allowed (empty values stay empty); comparing to real content is not."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError(self.lhs.output_field.not_searchable_message("exact"))
        return super().get_prep_lookup()


class RowBoundCol(Col):
    """The column, selected together with its row's identity (``token|uuid``) for from_db_value."""

    def select_format(self, compiler, sql, params):
        sql, params = super().select_format(compiler, sql, params)
        row = self.target.row_field()
        if row is None:
            return sql, params
        row_sql, row_params = compiler.compile(row.get_col(self.alias))
        # NULL stays NULL on both SQLite and PostgreSQL (NULL || x is NULL).
        return (f"({sql} || '{ROW_SEPARATOR}' || CAST({row_sql} AS TEXT))",
                (*params, *row_params))


class EncryptedTextField(models.TextField):
    description = "Text, stored encrypted with AES-256-GCM"

    # Which model field holds the row identity (None: a historical model from before it existed).

    def row_field(self):
        try:
            field = self.model._meta.get_field(ROW_FIELD)
        except FieldDoesNotExist:
            return None
        return field if field.concrete else None

    def is_row_bound(self) -> bool:
        return self.row_field() is not None

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.name}"

    def legacy_aad(self) -> bytes:
        return column_aad(self.model._meta.db_table, self.column)

    def aad(self, row) -> bytes:
        return row_aad(self.model._meta.db_table, self.column, row)

    # Conversion between the plaintext the app uses and the token the database stores.

    def to_plaintext_bytes(self, value) -> bytes:
        return str(value).encode("utf-8")

    def from_plaintext_bytes(self, data: bytes):
        return data.decode("utf-8")

    def is_empty(self, value) -> bool:
        return value is None or value == ""

    def encrypt_value(self, value, row=None):
        """The token for `value` in row `row` (empty values stay as they are)."""
        if self.is_empty(value):
            return value
        if not self.is_row_bound():
            return crypto.encrypt(self.to_plaintext_bytes(value), self.legacy_aad(), version=crypto.V1)
        if row is None:
            raise UnboundWriteError(
                f"{self.label} is encrypted for its row; write it through the model (save(), create(), "
                "bulk_create()) or through QuerySet.update()/bulk_update() of its own model."
            )
        return crypto.encrypt(self.to_plaintext_bytes(value), self.aad(row), version=crypto.V2)

    def decrypt_value(self, token, row=None):
        if self.is_empty(token):
            return token
        if not self.is_row_bound():
            return self.from_plaintext_bytes(crypto.decrypt(token, self.legacy_aad(), version=crypto.V1))
        if row is None:
            raise crypto.DecryptionError(
                f"{self.label} was read without its row identity (raw SQL, or an expression around the "
                "column); select the field itself."
            )
        return self.from_plaintext_bytes(crypto.decrypt(token, self.aad(row), version=crypto.V2))

    def seal(self, value, row):
        """`value` encrypted for `row`, marked so that it is written as it is."""
        if isinstance(value, SealedToken):  # from to_python: must already belong to this row
            value = self.decrypt_value(value, row)
        token = self.encrypt_value(self.get_prep_value(value), row)
        return SealedToken(token) if isinstance(token, str) and token else token

    def from_db_value(self, value, expression, connection):
        if value is None or not self.is_row_bound():
            return self.decrypt_value(value)
        token, separator, row = value.rpartition(ROW_SEPARATOR)
        if not separator:
            return self.decrypt_value(value, None)  # loud: the row identity was not selected
        return self.decrypt_value(token, row)

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if not self.is_row_bound():
            return value
        return self.seal(value, getattr(model_instance, ROW_FIELD))

    def get_db_prep_value(self, value, connection, prepared=False):
        if prepared:  # a lookup value (only "" / None get this far)
            return value
        if isinstance(value, SealedToken):
            return str(value)
        return self.encrypt_value(self.get_prep_value(value))

    def value_to_string(self, obj):
        # Serialised dumps (dumpdata) carry the token, never the plaintext; the dump holds vault_row too.
        value = self.value_from_object(obj)
        if isinstance(value, SealedToken):
            return str(value)
        row = getattr(obj, ROW_FIELD) if self.is_row_bound() else None
        return self.encrypt_value(self.get_prep_value(value), row)

    def to_python(self, value):
        if crypto.is_token(value):  # loaddata of a value written by value_to_string
            if self.is_row_bound():
                return SealedToken(value)  # opened when the instance (and so its row) is known
            return self.decrypt_value(value)
        return super().to_python(value)

    # Reading goes through RowBoundCol, which selects the row identity along with the column.

    def get_col(self, alias, output_field=None):
        if alias == self.model._meta.db_table and (output_field is None or output_field == self):
            return self.cached_col
        return RowBoundCol(alias, self, output_field)

    @cached_property
    def cached_col(self):
        return RowBoundCol(self.model._meta.db_table, self)

    # Encrypted content cannot be searched or compared in the database.

    def not_searchable_message(self, lookup_name: str) -> str:
        return (f"{self.model.__name__}.{self.name} is encrypted and cannot be searched or compared "
                f"in the database (lookup '{lookup_name}'); filter on plain metadata instead.")

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        if lookup_name == "exact":
            return _EmptyOnlyExact
        raise FieldError(self.not_searchable_message(lookup_name))

    def get_transform(self, lookup_name):
        raise FieldError(self.not_searchable_message(lookup_name))


class EncryptedJSONField(EncryptedTextField):
    """Structured narrative (e.g. a conversation report), serialised as JSON and then encrypted."""

    description = "JSON, stored encrypted with AES-256-GCM"

    def __init__(self, *args, encoder=DjangoJSONEncoder, **kwargs):
        self.encoder = encoder
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.encoder is not DjangoJSONEncoder:
            kwargs["encoder"] = self.encoder
        return name, path, args, kwargs

    def to_plaintext_bytes(self, value) -> bytes:
        return json.dumps(value, cls=self.encoder, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def from_plaintext_bytes(self, data: bytes):
        return json.loads(data)

    def is_empty(self, value) -> bool:
        return value is None

    def get_prep_value(self, value):
        return value  # not a string yet: serialised in encrypt_value

    def to_python(self, value):
        if crypto.is_token(value):
            if self.is_row_bound():
                return SealedToken(value)
            return self.decrypt_value(value)
        return value

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(self.not_searchable_message(lookup_name))

    def formfield(self, **kwargs):
        return super(models.TextField, self).formfield(
            **{"form_class": forms.JSONField, "encoder": self.encoder, **kwargs}
        )
