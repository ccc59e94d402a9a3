import hashlib
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from vault import blobs
from vault.fields import EncryptedTextField


class StoredFile(models.Model):
    """An uploaded or generated file, kept encrypted on disk under MEDIA_ROOT/vault/ with a random name.

    Only metadata (type, size, checksum, dates) is plain; the original name and the content are encrypted.
    """

    original_name = EncryptedTextField(_("oorspronkelijke bestandsnaam"), blank=True)
    purpose = models.CharField(_("doel"), max_length=40)
    content_type = models.CharField(_("bestandstype"), max_length=100)
    size = models.PositiveBigIntegerField(_("grootte in bytes"))
    sha256 = models.CharField(_("controlegetal (SHA-256)"), max_length=64)
    blob_name = models.CharField(max_length=100, unique=True, editable=False)
    # The key the blob is encrypted with, so that rotate_keys finds outdated blobs without opening them.
    key_id = models.CharField(max_length=8, editable=False, db_index=True)
    created_at = models.DateTimeField(_("opgeslagen op"), auto_now_add=True)

    class Meta:
        verbose_name = _("versleuteld bestand")
        verbose_name_plural = _("versleutelde bestanden")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.content_type}, {self.size} bytes"

    @property
    def path(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "vault" / self.blob_name

    def read(self) -> bytes:
        """The decrypted content; raises vault.crypto.DecryptionError when it cannot be opened or was altered."""
        data = blobs.read_blob(self.path, self.blob_name)
        if hashlib.sha256(data).hexdigest() != self.sha256:
            from vault.crypto import DecryptionError

            raise DecryptionError(f"Stored file {self.pk} does not match its recorded checksum.")
        return data


@receiver(post_delete, sender=StoredFile)
def _delete_blob(sender, instance, **kwargs):
    from vault.files import delete_blob_after_commit

    delete_blob_after_commit(instance)


class RewritePermit(models.Model):
    """Exists only inside rotate_keys' own transaction, while it re-encrypts a batch.

    Append-only tables (saved journal entries, signatures) refuse every UPDATE unless this permit is
    present and nothing but the ciphertext changes, so key rotation is the one rewrite they allow.
    """

    created_at = models.DateTimeField(auto_now_add=True)
