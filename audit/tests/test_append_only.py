import pytest
from django.db import DatabaseError, connection, transaction

from audit.log import record
from audit.models import AppendOnlyError, AuditEvent, ChainHead

pytestmark = pytest.mark.django_db


def refused_by_the_database(action):
    with pytest.raises(DatabaseError, match="append-only|only moves forward"), transaction.atomic():
        action()


def raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_model_refuses_to_save_an_existing_event_again(events):
    event = AuditEvent.objects.get(seq=2)
    event.object_repr = "iets anders"
    with pytest.raises(AppendOnlyError):
        event.save()


def test_the_model_refuses_to_delete_an_event(events):
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.get(seq=2).delete()


def test_the_database_refuses_an_orm_update(events):
    refused_by_the_database(lambda: AuditEvent.objects.filter(seq=2).update(object_repr="iets anders"))
    assert AuditEvent.objects.get(seq=2).object_repr == "Dossier 11"


def test_the_database_refuses_an_orm_delete(events):
    refused_by_the_database(lambda: AuditEvent.objects.filter(seq=2).delete())
    assert AuditEvent.objects.count() == 5


def test_the_database_refuses_raw_sql_update_and_delete(events):
    refused_by_the_database(lambda: raw("UPDATE audit_auditevent SET reason = 'x' WHERE seq = 1"))
    refused_by_the_database(lambda: raw("DELETE FROM audit_auditevent"))
    assert AuditEvent.objects.count() == 5


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="TRUNCATE exists only on PostgreSQL")
def test_the_database_refuses_truncate(events):
    refused_by_the_database(lambda: raw("TRUNCATE audit_auditevent"))


def test_the_chain_head_cannot_be_moved_back_or_removed(events):
    refused_by_the_database(lambda: ChainHead.objects.update(seq=2))
    refused_by_the_database(lambda: ChainHead.objects.all().delete())
    assert ChainHead.objects.get().seq == 5


def test_new_events_can_still_be_appended(events):
    assert record("auth.logout").seq == 6
