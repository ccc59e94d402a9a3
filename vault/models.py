import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from vault import blobs
from vault.fields import ROW_FIELD, EncryptedTextField, SealedToken


def _encrypted_fields(model, names) -> list:
    fields = [model._meta.get_field(name) for name in names]
    return [field for field in fields if isinstance(field, EncryptedTextField)]


class RowBoundQuerySet(models.QuerySet):
    """update() and bulk_update() that encrypt each value for the row it goes into (see vault.fields)."""

    def update(self, **kwargs):
        # An encrypted field's name is its attname, so kwargs[field.name] is its value.
        fields = [field for field in _encrypted_fields(self.model, kwargs)
                  if not hasattr(kwargs[field.name], "resolve_expression")
                  and not isinstance(kwargs[field.name], SealedToken)]
        if not fields:
            return super().update(**kwargs)
        # One UPDATE per row, each still under the original filter: a row that stopped matching in
        # between is left alone, so optimistic checks (e.g. on a revision) keep working.
        updated = 0
        with transaction.atomic(using=self.db):
            for pk, row in list(self.order_by().values_list("pk", ROW_FIELD)):
                values = {**kwargs, **{field.name: field.seal(kwargs[field.name], row) for field in fields}}
                updated += self.filter(pk=pk).update(**values)
        return updated

    update.alters_data = True
    update.queryset_only = False

    def bulk_update(self, objs, fields, batch_size=None):
        encrypted = _encrypted_fields(self.model, fields)
        if not encrypted:
            return super().bulk_update(objs, fields, batch_size=batch_size)
        objs = list(objs)
        plaintexts = []
        try:
            for obj in objs:
                for field in encrypted:
                    value = getattr(obj, field.attname)
                    plaintexts.append((obj, field.attname, value))
                    setattr(obj, field.attname, field.seal(value, getattr(obj, ROW_FIELD)))
            return super().bulk_update(objs, fields, batch_size=batch_size)
        finally:
            for obj, attname, value in plaintexts:
                setattr(obj, attname, value)

    bulk_update.alters_data = True


class RowIdentity(models.Model):
    """For every model with encrypted fields: a random, unique, never-changing identity per row.

    The row's encrypted values are bound to it (vault.fields), so a value copied into another row
    does not open. A random UUID rather than the pk: the pk is not known before the INSERT.
    """

    vault_row = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = RowBoundQuerySet.as_manager()

    class Meta:
        abstract = True


class StoredFile(RowIdentity):
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
