"""The hash chain over audit events, and the MAC that guards an event until it is chained.

Each event's hash is sha256 over a canonical text of all its fields plus the previous event's hash
(the first event follows GENESIS). The text is built the same way when an event is written and
when the trail is verified from raw database rows, so verification needs no ORM objects:

    "v1" US seq US at US actor_id US actor_label US action US school_id US case_id US object_repr
         US reason US ip US user_agent US details US prev_hash

with US = the ASCII unit separator (0x1f), which record() never lets into a field; `at` is UTC
"YYYY-MM-DD HH:MM:SS.ffffff"; missing numbers are "None"; details is canonical JSON (sorted keys).
"""

import datetime
import hashlib
import hmac
import json
import re

from django.core.serializers.json import DjangoJSONEncoder

GENESIS = "0" * 64
SEPARATOR = "\x1f"
FORMAT = SEPARATOR.join(["v1"] + ["%s"] * 13)
SEPARATORS_PER_EVENT = 13
# Columns in hashing order; the verifier selects exactly these (with `at` formatted by the database).
HASHED_COLUMNS = ("seq", "at", "actor_id", "actor_label", "action", "school_id", "case_id", "object_repr",
                  "reason", "ip", "user_agent", "details", "prev_hash")
# The event's own fields, in hashing order: everything but seq and prev_hash (known only once chained).
MAC_COLUMNS = HASHED_COLUMNS[1:-1]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_EXCEPT_NEWLINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def canonical_json(value) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def parse_details(text):
    if text is None or text == "":
        return {}
    return json.loads(text)


def canonical_time(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def clean_line(value, max_length: int) -> str:
    """One-line text for the trail: no control characters (so no separator), truncated."""
    return _CONTROL.sub(" ", str(value or ""))[:max_length]


def clean_text(value, max_length: int) -> str:
    return _CONTROL_EXCEPT_NEWLINES.sub(" ", str(value or ""))[:max_length]


def payload(values: tuple) -> str:
    """`values` in HASHED_COLUMNS order, `at` already canonical text."""
    return FORMAT % values


def event_hash(values: tuple) -> str:
    return hashlib.sha256((FORMAT % values).encode("utf-8")).hexdigest()


def own_text(values: tuple) -> str:
    """The event's own fields (MAC_COLUMNS order, `at` already canonical) as the text both MAC and hash use."""
    return SEPARATOR.join(str(value) for value in values)


def hash_of(seq: int, own: str, prev_hash: str) -> str:
    """The same digest as event_hash(), from the event's own text (as built by own_text or in SQL)."""
    return hashlib.sha256(f"v1{SEPARATOR}{seq}{SEPARATOR}{own}{SEPARATOR}{prev_hash}".encode()).hexdigest()


def _mac_key() -> bytes:
    from django.conf import settings

    configured = getattr(settings, "AUDIT_MAC_KEY", "")
    if configured:
        return configured.encode()
    # Derived from SECRET_KEY, which lives in the environment, never in the database.
    return hmac.new(settings.SECRET_KEY.encode(), b"meldcode audit mac v1", hashlib.sha256).digest()


def mac_of(own: str) -> str:
    return hmac.new(_mac_key(), f"m1{SEPARATOR}{own}".encode(), hashlib.sha256).hexdigest()


def mac_matches(own: str, mac: str) -> bool:
    return hmac.compare_digest(mac_of(own), mac or "")
