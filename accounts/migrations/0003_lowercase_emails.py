from django.db import migrations


def lowercase_emails(apps, schema_editor):
    """Store every address lowercased, so that sign-in, lockout and imports treat capitalisations as one.

    Two accounts that differ only in capitalisation are left alone: merging them is for an administrator."""
    User = apps.get_model("accounts", "User")
    taken = {email.lower() for email in User.objects.values_list("email", flat=True) if email == email.lower()}
    for user in User.objects.all().only("pk", "email"):
        lowered = user.email.strip().lower()
        if lowered != user.email and lowered not in taken:
            taken.add(lowered)
            User.objects.filter(pk=user.pk).update(email=lowered)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_pending_role")]
    operations = [migrations.RunPython(lowercase_emails, migrations.RunPython.noop)]
