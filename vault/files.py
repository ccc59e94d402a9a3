"""Storing files encrypted: the public entry point for attachments and generated exports."""

import hashlib
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.db import transaction

from vault import blobs
from vault.models import StoredFile
from vault.uploads import read_all, validate_upload


def save_encrypted_file(django_file, *, purpose: str) -> StoredFile:
    """Validate the file (vault.uploads), encrypt it to disk and record it.

    Raises django.core.exceptions.ValidationError (Dutch message) for a file that may not be stored.
    If the surrounding transaction rolls back, the blob is removed again.
    """
    content_type = validate_upload(django_file)
    return store_bytes(read_all(django_file), purpose=purpose, content_type=content_type,
                       original_name=(getattr(django_file, "name", "") or "")[-255:])


def store_bytes(data: bytes, *, purpose: str, content_type: str, original_name: str = "") -> StoredFile:
    """Encrypt bytes to disk under a random name and record them. For uploads call save_encrypted_file, which
    checks them first; generated files (exports) come here directly."""
    blob_name = f"{secrets.token_hex(1)}/{secrets.token_hex(16)}.bin"
    stored = StoredFile(original_name=original_name, purpose=purpose[:40], content_type=content_type,
                        size=len(data), sha256=hashlib.sha256(data).hexdigest(), blob_name=blob_name)
    stored.key_id = blobs.write_blob(stored.path, data, blob_name)
    try:
        stored.save()
    except BaseException:
        stored.path.unlink(missing_ok=True)
        raise
    return stored


def delete_blob_after_commit(stored: StoredFile) -> None:
    """Remove the blob from disk once the deletion of its record is committed."""
    path = stored.path
    transaction.on_commit(lambda: path.unlink(missing_ok=True), using=stored._state.db or "default")


def orphaned_blobs(min_age_seconds: int = 3600) -> list:
    """Blobs on disk without a record: left behind when the transaction that stored them rolled back.

    Only blobs older than `min_age_seconds` count, so a file being saved right now is never included.
    """
    root = Path(settings.MEDIA_ROOT) / "vault"
    if not root.exists():
        return []
    known = set(StoredFile.objects.values_list("blob_name", flat=True))
    cutoff = time.time() - min_age_seconds
    return [
        path for path in root.glob("*/*.bin")
        if f"{path.parent.name}/{path.name}" not in known and path.stat().st_mtime < cutoff
    ]
