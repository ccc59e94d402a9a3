"""Encrypted file blobs on disk: ``MCV1`` + key id (8 ascii) + nonce + AES-GCM ciphertext.

The associated data is the blob's own random name, so a blob copied over another one is refused.
"""

import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vault.crypto import AAD_PREFIX, NONCE_BYTES, DecryptionError, keyring

MAGIC = b"MCV1"
HEADER_BYTES = len(MAGIC) + 8 + NONCE_BYTES


def _aad(blob_name: str) -> bytes:
    return AAD_PREFIX + b"blob:" + blob_name.encode()


def seal(data: bytes, blob_name: str) -> tuple[bytes, str]:
    ring = keyring()
    key_id, key = ring.keys[0]
    nonce = os.urandom(NONCE_BYTES)
    return MAGIC + key_id.encode("ascii") + nonce + AESGCM(key).encrypt(nonce, data, _aad(blob_name)), key_id


def blob_key_id(raw: bytes) -> str:
    if not raw.startswith(MAGIC) or len(raw) < HEADER_BYTES + 16:
        raise DecryptionError("Not an encrypted blob.")
    return raw[len(MAGIC):len(MAGIC) + 8].decode("ascii", errors="replace")


def unseal(raw: bytes, blob_name: str) -> bytes:
    key_id = blob_key_id(raw)
    key = keyring().key(key_id)
    nonce = raw[len(MAGIC) + 8:HEADER_BYTES]
    try:
        return AESGCM(key).decrypt(nonce, raw[HEADER_BYTES:], _aad(blob_name))
    except InvalidTag:
        raise DecryptionError(f"Encrypted blob {blob_name} failed its integrity check.") from None


def write_blob(path: Path, data: bytes, blob_name: str) -> str:
    """Encrypt and write atomically (temp file + rename); returns the key id used."""
    sealed, key_id = seal(data, blob_name)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(sealed)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o600)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return key_id


def read_blob(path: Path, blob_name: str) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DecryptionError(f"Encrypted blob {blob_name} is missing from storage.") from None
    return unseal(raw, blob_name)
