"""Events are stored unchained with a MAC and chained later, in order, by one sequencer at a time.

Issue 12 (a write and its audit event commit together) and issue 17 (no global lock in the request):
the request only inserts; the sequencer gives each event its place in the hash chain.
"""

import datetime
import threading

import pytest
from django.db import connection, connections, transaction

from audit import chain
from audit.log import record
from audit.models import AuditEvent, ChainHead
from audit.sequencer import UnchainableEvent, chain_pending
from audit.verify import verify_chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def deferred(settings):
    settings.AUDIT_CHAIN_MODE = "worker"


def test_an_event_is_stored_unchained_with_a_mac_until_the_sequencer_runs(deferred):
    event = record("case.view", case=3)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert (stored.seq, stored.prev_hash, stored.hash) == (None, None, None)
    assert len(stored.mac) == 64
    assert chain_pending() == 1
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.seq == 1 and stored.prev_hash == chain.GENESIS and ChainHead.objects.get().hash == stored.hash


def test_the_sequencer_chains_in_batches_without_gaps_and_the_trail_verifies(deferred):
    for n in range(23):
        record("case.view", case=n)
    assert chain_pending(batch_size=5) == 23
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 24))
    result = verify_chain()
    assert result.ok and result.checked == 23 and result.unchained == 0


def test_events_chained_at_once_and_later_form_one_chain(settings):
    record("auth.login")
    settings.AUDIT_CHAIN_MODE = "worker"
    record("case.view", case=1)
    record("case.view", case=2)
    assert verify_chain().ok and verify_chain().unchained == 2
    chain_pending()
    assert verify_chain().checked == 3


def test_a_change_to_a_waiting_event_is_found_by_its_mac_and_never_sealed_into_the_chain(deferred, tamper):
    record("case.view", case=1)
    second = record("case.view", case=2, object_repr="Dossier 2")
    record("case.view", case=3)
    tamper("UPDATE audit_auditevent SET object_repr = 'iets anders' WHERE id = %s", [second.pk])
    with pytest.raises(UnchainableEvent) as stopped:
        chain_pending()
    assert stopped.value.event_id == second.pk
    # What came before is chained; the changed event and what follows wait, visibly.
    assert AuditEvent.objects.filter(seq__isnull=False).count() == 1
    result = verify_chain()
    assert not result.ok and f"id {second.pk}" in result.problem and "gewijzigd" in result.problem


def test_a_waiting_event_cannot_be_changed_or_given_a_place_twice(deferred):
    event = record("case.view", case=1)
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(object_repr="iets anders")
    chain_pending()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(seq=99, prev_hash="0" * 64, hash="1" * 64)


def test_audit_verify_fails_when_events_wait_longer_than_the_limit(deferred, monkeypatch):
    from django.utils import timezone

    long_ago = timezone.now() - datetime.timedelta(minutes=5)
    monkeypatch.setattr(timezone, "now", lambda: long_ago)
    record("case.view", case=1)
    monkeypatch.undo()
    result = verify_chain(max_unchained_seconds=60)
    assert not result.ok and result.unchained == 1 and result.oldest_unchained_seconds > 250
    assert "wachten" in result.problem
    assert verify_chain(max_unchained_seconds=3600).ok


def test_the_audit_verify_command_chains_what_waits_before_it_checks(deferred):
    import io

    from django.core.management import call_command

    record("case.view", case=1)
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "Eerst 1 wachtende gebeurtenissen in de keten gezet" in out.getvalue()
    assert AuditEvent.objects.get().seq == 1


postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL writers")


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_after_commit_never_fork_the_chain(settings):
    settings.AUDIT_CHAIN_MODE = "after_commit"
    errors = []

    def write(worker):
        try:
            for n in range(25):
                with transaction.atomic():
                    record("case.view", case=worker * 100 + n)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    chain_pending()  # stragglers that committed while another sequencer held the lock
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == list(range(1, 101))
    assert verify_chain().ok
