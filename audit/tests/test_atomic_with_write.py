"""A write and its audit event commit together or not at all; a read's event commits before the content is sent.

Issue 12, finding 4: with the database connection cut during writes, entries were committed while their audit
event failed. Now the event is written in the request's own transaction (ATOMIC_REQUESTS).
"""

import pytest
from django.db import connection, transaction

from audit.log import record
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_request_runs_in_one_transaction(settings):
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True


def test_an_event_recorded_in_a_transaction_that_rolls_back_is_gone_with_it():
    class WriteFailed(Exception):
        pass

    with pytest.raises(WriteFailed), transaction.atomic():
        record("entry.create", case=12)
        raise WriteFailed
    assert not AuditEvent.objects.filter(case_id=12).exists()


def test_an_event_recorded_outside_a_transaction_is_committed_at_once():
    record("case.view", case=13)
    assert not connection.in_atomic_block
    assert AuditEvent.objects.filter(case_id=13).count() == 1
