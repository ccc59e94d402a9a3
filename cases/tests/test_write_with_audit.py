"""Issue 12, finding 4: an entry is never saved without its audit event (they commit together)."""

import pytest
from django.db import DatabaseError
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Entry
from cases.tests.test_journal import SIGNAL_POST
from core.testing import with_key

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def case(make_case, pupil, people):
    return make_case(pupil, team=[people[Role.LEERKRACHT]])


def test_when_the_audit_event_cannot_be_written_the_entry_is_not_saved_either(case, people, verified_client,
                                                                              monkeypatch):
    client = verified_client(people[Role.LEERKRACHT])
    client.raise_request_exception = False

    def connection_lost(self, *args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(AuditEvent, "save", connection_lost)
    response = client.post(reverse("cases:new_entry", args=[case.reference, "signal"]), with_key(SIGNAL_POST))
    assert response.status_code == 500
    assert not Entry.objects.filter(case=case).exists()


def test_a_saved_entry_has_exactly_one_audit_event(case, people, verified_client):
    client = verified_client(people[Role.LEERKRACHT])
    response = client.post(reverse("cases:new_entry", args=[case.reference, "signal"]), with_key(SIGNAL_POST))
    assert response.status_code == 302
    entry = Entry.objects.get(case=case)
    assert AuditEvent.objects.filter(action="entry.create", case_id=case.pk,
                                     object_repr__endswith=f"#{entry.pk}").count() == 1
