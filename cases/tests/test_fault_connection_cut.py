"""Fault test (issue 12, finding 4): the database connection is cut while teachers save signals at the same time.

Before, entries were committed while their audit event (written over a second connection) failed, and a
resubmit after the resulting 500 duplicated the entry in the immutable journal. Now every saved entry has
exactly one audit event, and resubmitting the same form (its idempotency key) never duplicates.
"""

import random
import threading
import time

import pytest
from django.db import connection, connections
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from audit.sequencer import chain_pending
from audit.verify import verify_chain
from cases.models import Entry
from cases.tests.test_journal import SIGNAL_POST
from core.testing import with_key

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="cuts PostgreSQL backends with pg_terminate_backend"),
    pytest.mark.django_db(transaction=True),
]

WRITERS = 4
SIGNALS_EACH = 6
TRIES = 25


def test_cut_connections_during_concurrent_writes_leave_every_entry_with_one_event_and_no_duplicate(
        make_case, pupil, people, verified_client, settings):
    settings.AUDIT_CHAIN_MODE = "after_commit"  # as in production
    teacher = people[Role.LEERKRACHT]
    case = make_case(pupil, team=[teacher])
    url = reverse("cases:new_entry", args=[case.reference, "signal"])
    backends, lock = set(), threading.Lock()
    failures, errors = [], []
    writing = threading.Event()
    writing.set()

    def write(worker):
        client = verified_client(teacher)
        client.raise_request_exception = False
        try:
            for n in range(SIGNALS_EACH):
                data = with_key({**SIGNAL_POST, "observation": f"Waarneming {worker}-{n}."})
                for _ in range(TRIES):
                    connection.ensure_connection()
                    with lock:
                        backends.add(connection.connection.info.backend_pid)
                    try:
                        status = client.post(url, data).status_code
                    except Exception as error:  # noqa: BLE001 - a cut connection may surface here too
                        status = repr(error)
                    if status == 302:
                        break
                    failures.append(status)
                    connections.close_all()  # a browser would simply send the form again
                else:
                    errors.append(f"Waarneming {worker}-{n} never got through")
        finally:
            connections.close_all()

    def cut():
        with connections["default"].cursor() as cursor:  # the killer's own connection, in its own thread
            while writing.is_set():
                with lock:
                    victims = list(backends)
                if victims:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [random.choice(victims)])
                time.sleep(random.uniform(0.005, 0.04))
        connections.close_all()

    writers = [threading.Thread(target=write, args=(worker,)) for worker in range(WRITERS)]
    killer = threading.Thread(target=cut)
    killer.start()
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=300)
    writing.clear()
    killer.join(timeout=30)

    print(f"{len(failures)} requests cut and sent again")
    assert failures, "the test cut no request; it proves nothing"
    observations = [entry.content["observation"] for entry in Entry.objects.filter(case=case)]
    assert len(observations) == len(set(observations)), "a resubmitted form was saved twice"
    assert errors == []
    assert sorted(observations) == sorted(f"Waarneming {w}-{n}." for w in range(WRITERS) for n in range(SIGNALS_EACH))
    for entry in Entry.objects.filter(case=case):
        events = AuditEvent.objects.filter(action="entry.create", case_id=case.pk, object_repr__endswith=f"#{entry.pk}")
        assert events.count() == 1, f"entry #{entry.pk} has {events.count()} audit events"
    assert AuditEvent.objects.filter(action="entry.create", case_id=case.pk).count() == len(observations)
    chain_pending()
    assert verify_chain().ok
