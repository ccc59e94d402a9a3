"""Events are stored unchained (with a MAC) and chained by the sequencer: seq and hashes become nullable.

On SQLite the column changes rebuild the table, which drops its triggers: they are taken off first and
put back (in their new form, which lets the sequencer chain an event once) at the end.
"""

from django.db import migrations, models


def remove_triggers(apps, schema_editor):
    from audit import triggers

    triggers.remove(schema_editor.connection)


def install_triggers(apps, schema_editor):
    from audit import triggers

    triggers.install(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(remove_triggers, install_triggers),
        migrations.AlterModelOptions(
            name="auditevent",
            options={"default_permissions": ("view",), "ordering": ["id"], "verbose_name": "auditgebeurtenis",
                     "verbose_name_plural": "audittrail"},
        ),
        migrations.AddField(
            model_name="auditevent",
            name="mac",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.BigIntegerField(blank=True, editable=False, null=True, unique=True, verbose_name="volgnummer"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditevent",
            index=models.Index(condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_unchained"),
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
