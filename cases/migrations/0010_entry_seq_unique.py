# The journal number unique per case, and the append-only triggers installed again, now keeping the number fixed
# too (see 0007; a migration of its own, so that on PostgreSQL the numbering has committed before the table changes).

from django.db import migrations, models

from cases import triggers


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0009_entry_seq"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.UniqueConstraint(fields=("case", "seq"), name="unique_entry_seq_per_case"),
        ),
        migrations.RunPython(triggers.create, triggers.drop),
    ]
