import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import isolate_apps

from vault.crypto import generate_key
from vault.fields import EncryptedJSONField, EncryptedTextField
from vault.models import RowIdentity

OLD_KEY = generate_key()
NEW_KEY = generate_key()


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    settings.ENCRYPTION_KEYS = [OLD_KEY]


_CREATE_NOTE_TABLE = {
    "sqlite": 'CREATE TABLE "vault_test_note" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, '
              '"vault_row" char(32) NOT NULL UNIQUE, '
              '"text" text NOT NULL, "summary" text NOT NULL, "report" text NULL)',
    "postgresql": 'CREATE TABLE "vault_test_note" ("id" bigserial PRIMARY KEY, "vault_row" uuid NOT NULL UNIQUE, '
                  '"text" text NOT NULL, "summary" text NOT NULL, "report" text NULL)',
}


@pytest.fixture
def note_model(db):
    """A model with encrypted fields, as other apps will declare them; installed for one test only.

    It is added to the app registry for the duration of the test, so that rotate_keys finds it the
    same way it finds fields of the real apps.
    """
    with isolate_apps("vault"):
        class Note(RowIdentity):
            text = EncryptedTextField(blank=True)
            summary = EncryptedTextField(blank=True)
            report = EncryptedJSONField(null=True, blank=True)

            class Meta:
                app_label = "vault"
                db_table = "vault_test_note"

            def __str__(self):
                return f"Note {self.pk}"

    with connection.cursor() as cursor:
        cursor.execute(_CREATE_NOTE_TABLE[connection.vendor])
    apps.all_models["vault"]["note"] = Note
    apps.clear_cache()
    yield Note
    del apps.all_models["vault"]["note"]
    apps.clear_cache()


def raw_column(model, column, pk):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{model._meta.db_table}" WHERE id = %s', [pk])
        return cursor.fetchone()[0]
