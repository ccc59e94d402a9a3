import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from vault.crypto import DecryptionError
from vault.files import save_encrypted_file
from vault.models import StoredFile

from .conftest import NEW_KEY, raw_column
from .test_uploads import MINIMAL_PDF

REPORT = b"Gespreksverslag met moeder van Daan, 12 maart: zij vertelde over de ruzies thuis.\n"


def save(content=REPORT, name="verslag-daan.txt"):
    return save_encrypted_file(SimpleUploadedFile(name, content), purpose="attachment")


@pytest.mark.django_db
def test_a_saved_file_reads_back_and_records_plain_metadata():
    stored = save()
    assert StoredFile.objects.get(pk=stored.pk).read() == REPORT
    assert (stored.content_type, stored.size, stored.sha256) == ("text/plain", len(REPORT), hashlib.sha256(REPORT).hexdigest())
    assert StoredFile.objects.get(pk=stored.pk).original_name == "verslag-daan.txt"


@pytest.mark.django_db
def test_neither_the_blob_nor_the_database_reveals_the_content_or_the_name(settings):
    stored = save()
    blob = stored.path.read_bytes()
    assert stored.path.is_relative_to(settings.MEDIA_ROOT / "vault")
    assert b"Daan" not in blob and b"moeder" not in blob
    assert "daan" not in stored.path.name
    assert "daan" not in raw_column(StoredFile, "original_name", stored.pk)


@pytest.mark.django_db
def test_the_content_type_comes_from_the_content():
    assert save(MINIMAL_PDF, name="foto.png").content_type == "application/pdf"


@pytest.mark.django_db
def test_an_unacceptable_file_is_not_stored(settings):
    with pytest.raises(ValidationError):
        save(b"<html><script>alert(1)</script></html>", name="x.html")
    assert StoredFile.objects.count() == 0
    assert not (settings.MEDIA_ROOT / "vault").exists() or not any((settings.MEDIA_ROOT / "vault").rglob("*.bin"))


@pytest.mark.django_db
def test_a_blob_swapped_for_another_one_is_refused():
    first, second = save(b"eerste verslag"), save(b"tweede verslag")
    first.path.write_bytes(second.path.read_bytes())
    with pytest.raises(DecryptionError):
        first.read()


@pytest.mark.django_db
def test_a_changed_blob_is_refused():
    stored = save()
    raw = bytearray(stored.path.read_bytes())
    raw[-5] ^= 0xFF
    stored.path.write_bytes(bytes(raw))
    with pytest.raises(DecryptionError):
        stored.read()


@pytest.mark.django_db
def test_reading_without_the_key_is_a_loud_error(settings):
    stored = save()
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(DecryptionError):
        stored.read()


@pytest.mark.django_db
def test_a_missing_blob_is_a_loud_error():
    stored = save()
    stored.path.unlink()
    with pytest.raises(DecryptionError, match="missing"):
        stored.read()


@pytest.mark.django_db
def test_deleting_the_record_removes_the_blob_once_committed(django_capture_on_commit_callbacks):
    stored = save()
    path = stored.path
    with django_capture_on_commit_callbacks(execute=True):
        stored.delete()
    assert not path.exists()
