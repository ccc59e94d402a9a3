"""Checking the audit trail from raw rows (fast: no ORM objects, one streaming query).

Chained events: the hash chain, gapless from 1, ending at the chain head; optionally through anchors
written down outside the database. Events not yet chained: each one's MAC, and their age.
"""

import datetime
import hashlib
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from audit import chain


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str
    head_seq: int | None = None
    head_hash: str = ""
    unchained: int = 0
    oldest_unchained_seconds: float | None = None
    anchors_checked: int = 0
    notes: list = field(default_factory=list)


NULLABLE_NUMBERS = ("actor_id", "school_id", "case_id")


def _at_sql(vendor: str) -> str:
    """`at` as canonical UTC text, formatted by the database itself."""
    if vendor == "postgresql":
        return "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
    if vendor == "sqlite":
        # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC; whole seconds lack the fraction.
        return "CASE WHEN length(at) = 19 THEN at || '.000000' ELSE at END"
    raise NotImplementedError(f"audit_verify does not support the {vendor} database backend yet.")


def _separator(vendor: str) -> str:
    return "char(31)" if vendor == "sqlite" else "chr(31)"


def own_text_sql(vendor: str) -> str:
    """The event's own fields as one text (see chain.own_text), built by the database.

    Building the text in SQL keeps the rows small, which is what makes verification fast.
    """
    cast = "::text" if vendor == "postgresql" else ""
    parts = []
    for name in chain.MAC_COLUMNS:
        if name == "at":
            parts.append(_at_sql(vendor))
        elif name in NULLABLE_NUMBERS:
            parts.append(f"COALESCE({name}{cast}, 'None')")
        else:
            # NOT NULL columns; should one hold NULL anyway, the whole text is NULL and the event fails.
            parts.append(name)
    return f" || {_separator(vendor)} || ".join(parts)


def _chained_sql(vendor: str) -> str:
    separator = _separator(vendor)
    cast = "::text" if vendor == "postgresql" else ""
    text = f"'v1' || {separator} || seq{cast} || {separator} || {own_text_sql(vendor)} || {separator} || prev_hash"
    return f"SELECT seq, {text}, prev_hash, hash FROM audit_auditevent WHERE seq IS NOT NULL ORDER BY seq"  # noqa: S608


def _unchained_sql(vendor: str) -> str:
    return (f"SELECT id, {own_text_sql(vendor)}, mac, at FROM audit_auditevent "  # noqa: S608
            "WHERE seq IS NULL ORDER BY id")


def unchained_rows(connection, limit: int | None = None):
    sql = _unchained_sql(connection.vendor)
    if limit:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _as_aware(value):
    if isinstance(value, str):
        value = datetime.datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = value.replace(tzinfo=datetime.UTC)
    return value


def verify_chain(using: str = "default", batch_size: int = 20000, anchors: tuple[str, ...] = (),
                 max_unchained_seconds: float | None = None) -> VerifyResult:
    connection = connections[using]
    sha256 = hashlib.sha256
    separators = chain.SEPARATORS_PER_EVENT
    expected_seq = 1
    previous_hash = chain.GENESIS
    checked = 0
    wanted = {anchor.strip().lower() for anchor in anchors if anchor.strip()}
    found = set()

    def bad(seq, problem):
        return VerifyResult(False, checked, seq, problem)

    # One transaction: a consistent snapshot, and PostgreSQL needs it for the server-side cursor.
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
            head = cursor.fetchone()
        cursor = connection.chunked_cursor()
        try:
            cursor.execute(_chained_sql(connection.vendor))
            while True:
                rows = cursor.fetchmany(batch_size)
                if not rows:
                    break
                for seq, text, prev_hash, digest in rows:
                    if seq != expected_seq:
                        if seq > expected_seq:
                            return bad(expected_seq, f"Gebeurtenis {expected_seq} ontbreekt (na {expected_seq - 1} "
                                                     f"volgt {seq}): verwijderd of omgenummerd.")
                        return bad(seq, f"Gebeurtenis {seq} komt dubbel of in de verkeerde volgorde voor.")
                    if prev_hash != previous_hash:
                        return bad(seq, f"Gebeurtenis {seq} sluit niet aan op de vorige: er is een gebeurtenis "
                                        "ingevoegd, verwijderd of verplaatst.")
                    if text is None or text.count("\x1f") != separators or sha256(text.encode()).hexdigest() != digest:
                        return bad(seq, f"Gebeurtenis {seq} is na het vastleggen gewijzigd.")
                    if wanted and digest in wanted:
                        found.add(digest)
                    previous_hash = digest
                    expected_seq += 1
                    checked += 1
        finally:
            cursor.close()
        pending = unchained_rows(connection)

    last_seq = expected_seq - 1
    if head is None:
        if checked:
            return bad(last_seq, "De kop van de keten ontbreekt terwijl er gebeurtenissen zijn.")
    else:
        head_seq, head_hash = head
        if head_seq > last_seq:
            return bad(last_seq + 1, f"De laatste gebeurtenissen ontbreken: de keten eindigt bij {last_seq}, "
                                     f"maar de kop verwacht {head_seq}.")
        if head_seq < last_seq or head_hash != previous_hash:
            return bad(head_seq + 1 if head_seq < last_seq else last_seq,
                       "De kop van de keten klopt niet met de laatste gebeurtenis: er is iets toegevoegd of gewijzigd.")
    missing = wanted - found
    if missing:
        anchor = sorted(missing)[0]
        return VerifyResult(False, checked, None,
                            f"De vastgelegde ankerhash {anchor[:16]}… komt niet (meer) in de keten voor: gebeurtenissen "
                            "zijn verwijderd of herschreven en de kop is teruggezet.")

    oldest = None
    for event_id, own, mac, at in pending:
        if own is None or not chain.mac_matches(own, mac):
            return VerifyResult(False, checked, None,
                                f"Gebeurtenis met id {event_id} (nog niet in de keten) is na het vastleggen gewijzigd.",
                                unchained=len(pending))
        age = (timezone.now() - _as_aware(at)).total_seconds()
        oldest = age if oldest is None else max(oldest, age)
    limit = max_unchained_seconds if max_unchained_seconds is not None else getattr(
        settings, "AUDIT_MAX_UNCHAINED_SECONDS", 60)
    if oldest is not None and oldest > limit:
        return VerifyResult(False, checked, None,
                            f"{len(pending)} gebeurtenissen wachten nog op de keten; de oudste al {oldest:.0f} s "
                            f"(grens {limit:.0f} s). Draait de sequencer (audit_sequence)?",
                            unchained=len(pending), oldest_unchained_seconds=oldest)
    return VerifyResult(True, checked, None, "", head_seq=last_seq or None, head_hash=previous_hash if checked else "",
                        unchained=len(pending), oldest_unchained_seconds=oldest, anchors_checked=len(found))
