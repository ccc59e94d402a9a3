import base64
import hashlib

import pytest
from django.core.exceptions import ImproperlyConfigured

from vault import crypto
from vault.crypto import DecryptionError, Keyring

from .conftest import NEW_KEY, OLD_KEY


def test_it_round_trips_text_under_the_same_associated_data():
    token = crypto.encrypt("Lotte had blauwe plekken op haar arm (één grote).".encode(), b"cases_entry.text")
    assert crypto.decrypt(token, b"cases_entry.text").decode() == "Lotte had blauwe plekken op haar arm (één grote)."


def test_a_token_names_the_key_by_the_first_eight_hex_characters_of_its_sha256():
    token = crypto.encrypt(b"x", b"aad")
    expected = hashlib.sha256(base64.b64decode(OLD_KEY)).hexdigest()[:8]
    assert token.startswith(f"v1:{expected}:")
    assert crypto.current_key_id() == expected


def test_the_same_plaintext_encrypts_differently_each_time():
    assert crypto.encrypt(b"zelfde tekst", b"aad") != crypto.encrypt(b"zelfde tekst", b"aad")


def test_it_refuses_a_token_under_other_associated_data():
    token = crypto.encrypt(b"geheim", b"cases_entry.text")
    with pytest.raises(DecryptionError, match="integrity"):
        crypto.decrypt(token, b"cases_entry.reason")


def test_it_refuses_a_changed_token():
    token = crypto.encrypt(b"geheim verslag", b"aad")
    raw = bytearray(base64.b64decode(token.split(":")[2]))
    raw[-1] ^= 1
    tampered = ":".join(token.split(":")[:2] + [base64.b64encode(bytes(raw)).decode()])
    with pytest.raises(DecryptionError):
        crypto.decrypt(tampered, b"aad")


def test_it_refuses_a_token_under_a_key_that_is_not_configured(settings):
    token = crypto.encrypt(b"geheim", b"aad")
    settings.ENCRYPTION_KEYS = [NEW_KEY]
    with pytest.raises(DecryptionError, match="not among the configured"):
        crypto.decrypt(token, b"aad")


def test_it_refuses_plain_text_instead_of_returning_it():
    with pytest.raises(DecryptionError, match="not an encrypted token"):
        crypto.decrypt("gewoon leesbare tekst", b"aad")


def test_the_newest_key_encrypts_and_older_keys_still_decrypt(settings):
    old_token = crypto.encrypt(b"oud", b"aad")
    settings.ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    new_token = crypto.encrypt(b"nieuw", b"aad")
    assert crypto.token_key_id(new_token) == crypto.current_key_id() != crypto.token_key_id(old_token)
    assert crypto.decrypt(old_token, b"aad") == b"oud"
    assert crypto.decrypt(new_token, b"aad") == b"nieuw"


@pytest.mark.parametrize("keys, message", [
    ([], "empty"),
    (["niet-base64!!"], "not valid base64"),
    ([base64.b64encode(b"te kort").decode()], "7 bytes"),
    ([base64.b64encode(bytes(64)).decode()], "64 bytes"),
    ([OLD_KEY, OLD_KEY], "more than once"),
])
def test_a_badly_configured_keyring_is_refused_with_a_clear_message(keys, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        Keyring.from_settings(keys)


def test_a_bad_key_in_settings_stops_encryption_loudly(settings):
    settings.ENCRYPTION_KEYS = ["dGVrb3J0"]
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(b"x", b"aad")
