from django.conf import settings
from django.db import models
from django.utils import timezone


class SubmittedForm(models.Model):
    """A form that created something, by the key it carried: sent again, it is not carried out twice.

    Stored in the same transaction as the write it guards (see core.idempotency), so it exists exactly when the
    write does. Unique per person: someone else's key is simply not found.
    """

    key = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    result_url = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="core_submittedform_once_per_user")]

    def __str__(self):
        return f"{self.key} ({self.user_id})"
