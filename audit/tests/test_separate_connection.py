"""PostgreSQL: events go through their own connection, so they outlive a rolled-back request."""

import threading

import pytest
from django.db import connection, connections, transaction

from audit.log import audit_db_alias, record
from audit.models import AuditEvent
from audit.verify import verify_chain

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: on SQLite the audit log shares the request's connection (two connections "
           "would wait on the single write lock), so an event does not survive a rollback there",
)


def test_without_an_override_postgresql_uses_the_audit_alias_and_sqlite_the_default(settings):
    del settings.AUDIT_DB_ALIAS
    assert audit_db_alias() == ("audit" if connection.vendor == "postgresql" else "default")


@postgresql_only
@pytest.mark.django_db(transaction=True, databases=["default", "audit"])
def test_an_event_survives_a_rolled_back_transaction(settings):
    settings.AUDIT_DB_ALIAS = "audit"

    class RequestFailed(Exception):
        pass

    with pytest.raises(RequestFailed), transaction.atomic():
        record("case.view", case=12, object_repr="Dossier 12")
        raise RequestFailed

    assert AuditEvent.objects.using("default").filter(action="case.view", case_id=12).count() == 1
    assert verify_chain().ok


@postgresql_only
@pytest.mark.django_db(transaction=True, databases=["default", "audit"])
def test_concurrent_writers_do_not_fork_the_chain(settings):
    settings.AUDIT_DB_ALIAS = "audit"
    errors = []

    def write(worker):
        try:
            for n in range(20):
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
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 81))
    assert verify_chain().ok
