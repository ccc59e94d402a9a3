"""Linking unchained audit events into the hash chain, in batches, in one writer at a time.

Requests store their events unchained (audit.log); this module gives them their place in the chain:
sequence number, previous hash, hash. It runs after a request's commit (when the advisory lock is
free; otherwise whoever holds it takes these events along), in the `audit_sequence` worker, and at
the start of `audit_verify`. Before an event is chained its MAC is checked, so an event changed
while it waited is never sealed into the chain: the chain stops there and audit_verify names it.
"""

import logging

from django.db import connections, transaction

from audit import chain
from audit.models import ChainHead
from audit.verify import unchained_rows

logger = logging.getLogger(__name__)

# Any constant works; it only has to be the same for every sequencer of the chain.
CHAIN_LOCK_ID = 0x4D454C44  # "MELD"
BATCH_SIZE = 5000
_REGISTERED = "_meldcode_audit_chain_registered"


def _lock(connection, wait: bool) -> bool:
    """Take the chain lock for this transaction; False when `wait` is off and another sequencer has it."""
    if connection.vendor != "postgresql":
        # SQLite: the transaction is IMMEDIATE (settings), so it holds the single write lock already.
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
        return bool(cursor.fetchone()[0])


class UnchainableEvent(Exception):
    """An unchained event's MAC does not match its content: it was changed while it waited."""

    def __init__(self, event_id: int):
        super().__init__(f"Audit event id {event_id} was changed before it was chained.")
        self.event_id = event_id


def chain_pending(using: str = "default", *, wait: bool = True, batch_size: int = BATCH_SIZE,
                  max_batches: int | None = None) -> int:
    """Chain every committed unchained event in id order; return how many were chained."""
    total = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        chained = _chain_batch(using, wait=wait, batch_size=batch_size)
        total += chained
        batches += 1
        if chained < batch_size:
            break
    return total


def _chain_batch(using: str, *, wait: bool, batch_size: int) -> int:
    chained, stuck_at = _chain_batch_in_transaction(using, wait=wait, batch_size=batch_size)
    if stuck_at is not None:
        raise UnchainableEvent(stuck_at)
    return chained


def _chain_batch_in_transaction(using: str, *, wait: bool, batch_size: int) -> tuple[int, int | None]:
    """Chain one batch; also return the id of a changed event that stopped it (what came before is kept)."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if not _lock(connection, wait):
            return 0, None
        head = ChainHead.objects.using(using).select_for_update().filter(pk=1).values_list("seq", "hash").first()
        previous_seq, previous_hash = head or (0, chain.GENESIS)
        pending = unchained_rows(connection, limit=batch_size)
        if not pending:
            return 0, None
        updates = []
        for event_id, own, mac, _at in pending:
            if own is None or not chain.mac_matches(own, mac):
                # Seal nothing from here on: what was changed must stay visible to audit_verify.
                logger.error("Audit event id %s does not match its MAC; the chain stops before it.", event_id)
                break
            seq = previous_seq + 1
            digest = chain.hash_of(seq, own, previous_hash)
            updates.append((seq, previous_hash, digest, event_id))
            previous_seq, previous_hash = seq, digest
        if not updates:
            return 0, pending[0][0]
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s AND seq IS NULL",
                updates,
            )
        if head:
            ChainHead.objects.using(using).filter(pk=1).update(seq=previous_seq, hash=previous_hash)
        else:
            ChainHead.objects.using(using).create(pk=1, seq=previous_seq, hash=previous_hash)
        return len(updates), (pending[len(updates)][0] if len(updates) < len(pending) else None)


def _chain_now_if_free(using: str) -> None:
    try:
        chain_pending(using, wait=False, max_batches=4)
    except UnchainableEvent:
        logger.exception("The audit chain is stuck at a changed event; run audit_verify.")
    except Exception:  # noqa: BLE001 - the request has committed already; the worker chains these later
        logger.exception("Chaining audit events after commit failed; the sequencer will take them along.")


def chain_after_commit(connection) -> None:
    """Chain this transaction's events once it commits (at once when there is no transaction)."""
    if not connection.in_atomic_block:
        _chain_now_if_free(connection.alias)
        return
    if any(getattr(callback, _REGISTERED, False) for _, callback, _ in connection.run_on_commit):
        return

    def callback():
        _chain_now_if_free(connection.alias)

    setattr(callback, _REGISTERED, True)
    transaction.on_commit(callback, using=connection.alias)
