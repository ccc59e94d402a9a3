# Binds every encrypted value to its row (issue 12): a random identity per row, and the existing
# values re-encrypted as row-bound (v2) tokens by key rotation. Reversible (back to v1 tokens).

import uuid

from django.db import migrations, models

from vault import rotation

ENCRYPTED_COLUMNS = [("documents_inspectionexport", "for_whom"), ("documents_withhelditem", "reason")]


def give_rows_an_identity(apps, schema_editor):
    for name in ("InspectionExport", "WithheldItem"):
        rotation.give_rows_an_identity(apps.get_model("documents", name), schema_editor.connection.alias)


def bind_to_rows(apps, schema_editor):
    rotation.bind_columns(ENCRYPTED_COLUMNS, schema_editor.connection.alias)


def unbind_from_rows(apps, schema_editor):
    rotation.unbind_columns(ENCRYPTED_COLUMNS, schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('documents', '0002_export_job_heartbeat_and_attempts'),
        ('vault', '0002_rewrite_permit'),
    ]

    operations = [
        migrations.AddField(
            model_name='inspectionexport',
            name='vault_row',
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='withhelditem',
            name='vault_row',
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(give_rows_an_identity, migrations.RunPython.noop),
        migrations.RunPython(bind_to_rows, unbind_from_rows),
        migrations.AlterField(
            model_name='inspectionexport',
            name='vault_row',
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name='withhelditem',
            name='vault_row',
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
    ]
