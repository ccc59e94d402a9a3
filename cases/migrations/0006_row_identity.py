# Binds every encrypted value to its row (issue 12): a random identity per row, and the existing
# values re-encrypted as row-bound (v2) tokens by key rotation. Reversible (back to v1 tokens).
#
# cases_entry and cases_signature are append-only by triggers, and on SQLite the AlterField below
# rebuilds the tables, which drops their triggers. So the triggers are dropped first and installed
# again last, in this same migration; from now on they also keep vault_row fixed.

import uuid

from django.db import migrations, models

from cases import triggers
from vault import rotation

MODELS = ["CaseSibling", "BreakGlass", "Entry", "Signature"]
ENCRYPTED_COLUMNS = [
    ("cases_casesibling", "role"),
    ("cases_breakglass", "reason"),
    ("cases_entry", "content"),
    ("cases_signature", "refusal_reason"),
]


def give_rows_an_identity(apps, schema_editor):
    for name in MODELS:
        rotation.give_rows_an_identity(apps.get_model("cases", name), schema_editor.connection.alias)


def bind_to_rows(apps, schema_editor):
    rotation.bind_columns(ENCRYPTED_COLUMNS, schema_editor.connection.alias)


def unbind_from_rows(apps, schema_editor):
    rotation.unbind_columns(ENCRYPTED_COLUMNS, schema_editor.connection.alias)


def _identity(null):
    if null:
        return models.UUIDField(editable=False, null=True)
    return models.UUIDField(default=uuid.uuid4, editable=False, unique=True)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0005_encrypt_sibling_role'),
        ('vault', '0002_rewrite_permit'),
    ]

    operations = [
        migrations.RunPython(triggers.drop, triggers.create),
        *[migrations.AddField(model_name=name.lower(), name='vault_row', field=_identity(null=True))
          for name in MODELS],
        migrations.RunPython(give_rows_an_identity, migrations.RunPython.noop),
        migrations.RunPython(bind_to_rows, unbind_from_rows),
        *[migrations.AlterField(model_name=name.lower(), name='vault_row', field=_identity(null=False))
          for name in MODELS],
        migrations.RunPython(triggers.create, triggers.drop),
    ]
