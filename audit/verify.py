"""Checking the audit trail's hash chain from raw rows (fast: no ORM objects, one streaming query)."""

import hashlib
from dataclasses import dataclass

from django.db import connections, transaction

from audit import chain


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str
    head_seq: int | None = None
    head_hash: str = ""


NULLABLE_NUMBERS = ("actor_id", "school_id", "case_id")


def _at_sql(vendor: str) -> str:
    """`at` as canonical UTC text, formatted by the database itself."""
    if vendor == "postgresql":
        return "to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
    if vendor == "sqlite":
        # Django stores "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC; whole seconds lack the fraction.
        return "CASE WHEN length(at) = 19 THEN at || '.000000' ELSE at END"
    raise NotImplementedError(f"audit_verify does not support the {vendor} database backend yet.")


def _select_sql(vendor: str) -> str:
    """seq, the canonical text (built by the database, see audit.chain), prev_hash, hash; in seq order.

    Building the text in SQL keeps the rows small, which is what makes verification fast.
    """
    separator = "char(31)" if vendor == "sqlite" else "chr(31)"
    cast = "::text" if vendor == "postgresql" else ""
    parts = ["'v1'"]
    for name in chain.HASHED_COLUMNS:
        if name == "at":
            parts.append(_at_sql(vendor))
        elif name in NULLABLE_NUMBERS:
            parts.append(f"COALESCE({name}{cast}, 'None')")
        else:
            # NOT NULL columns; should one hold NULL anyway, the whole text is NULL and the event fails.
            parts.append(f"{name}{cast}" if name == "seq" else name)
    text = f" || {separator} || ".join(parts)
    return f"SELECT seq, {text}, prev_hash, hash FROM audit_auditevent ORDER BY seq"  # noqa: S608


def verify_chain(using: str = "default", batch_size: int = 20000) -> VerifyResult:
    connection = connections[using]
    sha256 = hashlib.sha256
    separators = chain.SEPARATORS_PER_EVENT
    expected_seq = 1
    previous_hash = chain.GENESIS
    checked = 0

    def bad(seq, problem):
        return VerifyResult(False, checked, seq, problem)

    # One transaction: a consistent snapshot, and PostgreSQL needs it for the server-side cursor.
    with transaction.atomic(using=using):
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq, hash FROM audit_chainhead WHERE id = 1")
            head = cursor.fetchone()
        cursor = connection.chunked_cursor()
        try:
            cursor.execute(_select_sql(connection.vendor))
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
                    previous_hash = digest
                    expected_seq += 1
                    checked += 1
        finally:
            cursor.close()

    last_seq = expected_seq - 1
    if head is None:
        if checked:
            return bad(last_seq, "De kop van de keten ontbreekt terwijl er gebeurtenissen zijn.")
        return VerifyResult(True, 0, None, "")
    head_seq, head_hash = head
    if head_seq > last_seq:
        return bad(last_seq + 1, f"De laatste gebeurtenissen ontbreken: de keten eindigt bij {last_seq}, "
                                 f"maar de kop verwacht {head_seq}.")
    if head_seq < last_seq or head_hash != previous_hash:
        return bad(head_seq + 1 if head_seq < last_seq else last_seq,
                   "De kop van de keten klopt niet met de laatste gebeurtenis: er is iets toegevoegd of gewijzigd.")
    return VerifyResult(True, checked, None, "", head_seq=last_seq, head_hash=previous_hash)
