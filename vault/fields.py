"""Model fields whose content is stored encrypted (see vault.crypto).

The database only ever sees ``v1:<key-id>:<data>`` tokens; the model instance only ever sees
plaintext. The associated data is ``<table>.<column>``, so a token copied into another column
does not open. Consequence: renaming the table or column of an encrypted field needs a data
migration that decrypts under the old name and encrypts under the new one.
"""

import json

from django import forms
from django.core.exceptions import FieldError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.lookups import Exact, IsNull

from vault import crypto


class _EmptyOnlyExact(Exact):
    """`field=""` is allowed (empty values stay empty); comparing to real content is not."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            raise FieldError(self.lhs.output_field.not_searchable_message("exact"))
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    description = "Text, stored encrypted with AES-256-GCM"

    def aad(self) -> bytes:
        return f"{self.model._meta.db_table}.{self.column}".encode()

    # Conversion between the plaintext the app uses and the token the database stores.

    def to_plaintext_bytes(self, value) -> bytes:
        return str(value).encode("utf-8")

    def from_plaintext_bytes(self, data: bytes):
        return data.decode("utf-8")

    def encrypt_value(self, value):
        if value is None or value == "":
            return value
        return crypto.encrypt(self.to_plaintext_bytes(value), self.aad())

    def decrypt_value(self, token):
        if token is None or token == "":
            return token
        return self.from_plaintext_bytes(crypto.decrypt(token, self.aad()))

    def from_db_value(self, value, expression, connection):
        return self.decrypt_value(value)

    def get_db_prep_value(self, value, connection, prepared=False):
        if prepared:  # a lookup value (only "" / None get this far)
            return value
        value = self.get_prep_value(value)
        return self.encrypt_value(value)

    def value_to_string(self, obj):
        # Serialised dumps (dumpdata) carry the token, never the plaintext.
        return self.encrypt_value(self.get_prep_value(self.value_from_object(obj)))

    def to_python(self, value):
        if crypto.is_token(value):  # loaddata of a value written by value_to_string
            return self.decrypt_value(value)
        return super().to_python(value)

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

    def encrypt_value(self, value):
        if value is None:
            return None
        return crypto.encrypt(self.to_plaintext_bytes(value), self.aad())

    def decrypt_value(self, token):
        if token is None:
            return None
        return self.from_plaintext_bytes(crypto.decrypt(token, self.aad()))

    def get_prep_value(self, value):
        return value  # not a string yet: serialised in encrypt_value

    def to_python(self, value):
        if crypto.is_token(value):
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
