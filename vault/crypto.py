"""Authenticated encryption (AES-256-GCM) of narrative dossier content.

Tokens look like ``<version>:<key-id>:<base64(nonce + ciphertext + tag)>``. The key id is the first
8 hex characters of sha256(key), so a token names the key that can open it and old keys keep working
during a rotation. The associated data (``aad``) binds a token to where it is stored, so a token
copied elsewhere fails to decrypt instead of leaking. The version says what the caller put in the
associated data (vault.fields: ``v1`` = table and column, ``v2`` = table, column and row identity)
and is itself part of it, so relabelling a token's version makes it fail too.

Keys come from ``settings.ENCRYPTION_KEYS`` (newest first), never from SECRET_KEY.
"""

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

V1 = "v1"  # fields: associated data <table>.<column> (only read by rotate_keys and migrations now)
V2 = "v2"  # fields: associated data <table>.<column>.<row identity>
VERSION = V1  # what encrypt() writes unless told otherwise (kept for callers written before v2)
NONCE_BYTES = 12
KEY_BYTES = 32
TOKEN_PATTERN = re.compile(r"^(v1|v2):([0-9a-f]{8}):([A-Za-z0-9+/]+={0,2})$")
# Every token's associated data starts with this, so tokens from another purpose or format version never open.
AAD_PREFIX = b"meldcode:v1|"
AAD_PREFIXES = {V1: AAD_PREFIX, V2: b"meldcode:v2|"}


class DecryptionError(Exception):
    """A token could not be opened: unknown key, wrong place (aad), damaged or not a token at all.

    Raised loudly on purpose: returning ciphertext or an empty value would hide data loss.
    """


def key_id_for(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


@dataclass(frozen=True)
class Keyring:
    """The configured keys, newest first. Only the newest encrypts; all of them decrypt."""

    keys: tuple[tuple[str, bytes], ...]

    @classmethod
    def from_settings(cls, encoded_keys=None) -> "Keyring":
        if encoded_keys is None:
            encoded_keys = getattr(settings, "ENCRYPTION_KEYS", None)
        if isinstance(encoded_keys, str):
            encoded_keys = [encoded_keys]
        if not encoded_keys:
            raise ImproperlyConfigured(
                "ENCRYPTION_KEYS is empty: configure at least one key (MELDCODE_ENCRYPTION_KEYS, newest first)."
            )
        keys = []
        for position, encoded in enumerate(encoded_keys, start=1):
            try:
                key = base64.b64decode(str(encoded).strip(), validate=True)
            except (binascii.Error, ValueError):
                raise ImproperlyConfigured(
                    f"ENCRYPTION_KEYS entry {position} is not valid base64 "
                    f"(create one with: python -c \"import os, base64; print(base64.b64encode(os.urandom(32)).decode())\")."
                ) from None
            if len(key) != KEY_BYTES:
                raise ImproperlyConfigured(
                    f"ENCRYPTION_KEYS entry {position} is {len(key)} bytes; AES-256 needs exactly {KEY_BYTES} bytes."
                )
            keys.append((key_id_for(key), key))
        ids = [key_id for key_id, _ in keys]
        if len(set(ids)) != len(ids):
            raise ImproperlyConfigured("ENCRYPTION_KEYS contains the same key more than once.")
        return cls(keys=tuple(keys))

    @property
    def current_key_id(self) -> str:
        return self.keys[0][0]

    @property
    def key_ids(self) -> list[str]:
        return [key_id for key_id, _ in self.keys]

    def key(self, key_id: str) -> bytes:
        for candidate_id, key in self.keys:
            if candidate_id == key_id:
                return key
        raise DecryptionError(
            f"Encrypted with key {key_id}, which is not among the configured ENCRYPTION_KEYS "
            f"({', '.join(self.key_ids)}). Add the old key back (after the new one) and run rotate_keys."
        )

    def encrypt(self, plaintext: bytes, aad: bytes, *, version: str = VERSION) -> str:
        key_id, key = self.keys[0]
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(key).encrypt(nonce, plaintext, AAD_PREFIXES[version] + aad)
        return f"{version}:{key_id}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, aad: bytes, *, version: str | None = None) -> bytes:
        """Open a token; with `version`, a token of any other version is refused before it is opened."""
        match = TOKEN_PATTERN.match(token) if isinstance(token, str) else None
        if not match:
            raise DecryptionError("Value is not an encrypted token (expected 'v2:<key-id>:<data>').")
        token_version, key_id, payload = match.groups()
        if version is not None and token_version != version:
            raise DecryptionError(
                f"Encrypted value has format {token_version} where {version} is required "
                "(a v1 value is not bound to its row; run manage.py rotate_keys to upgrade it)."
            )
        key = self.key(key_id)
        raw = base64.b64decode(payload)
        if len(raw) < NONCE_BYTES + 16:
            raise DecryptionError("Encrypted token is truncated.")
        try:
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], AAD_PREFIXES[token_version] + aad)
        except InvalidTag:
            raise DecryptionError(
                f"Encrypted value failed its integrity check (key {key_id}): it was changed, "
                "or it belongs to another record or column."
            ) from None


_cache: dict[tuple, Keyring] = {}


def keyring() -> Keyring:
    """The keyring for the current settings (cached per configured key list, so overrides in tests apply)."""
    configured = getattr(settings, "ENCRYPTION_KEYS", None)
    cache_key = tuple(configured) if isinstance(configured, list | tuple) else (configured,)
    ring = _cache.get(cache_key)
    if ring is None:
        ring = Keyring.from_settings(configured)
        _cache.clear()
        _cache[cache_key] = ring
    return ring


def encrypt(plaintext: bytes, aad: bytes, *, version: str = VERSION) -> str:
    return keyring().encrypt(plaintext, aad, version=version)


def decrypt(token: str, aad: bytes, *, version: str | None = None) -> bytes:
    return keyring().decrypt(token, aad, version=version)


def current_key_id() -> str:
    return keyring().current_key_id


def is_token(value) -> bool:
    return isinstance(value, str) and TOKEN_PATTERN.match(value) is not None


def token_key_id(token: str) -> str | None:
    match = TOKEN_PATTERN.match(token) if isinstance(token, str) else None
    return match.group(2) if match else None


def token_version(token: str) -> str | None:
    match = TOKEN_PATTERN.match(token) if isinstance(token, str) else None
    return match.group(1) if match else None


def generate_key() -> str:
    """A fresh key in the form ENCRYPTION_KEYS expects."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")
