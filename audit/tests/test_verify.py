import io
import sqlite3

import pytest
from django.core.management import call_command
from django.db import connection

from audit import chain
from audit.log import record
from audit.models import AuditEvent
from audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def test_an_intact_trail_verifies(events):
    result = verify_chain()
    assert (result.ok, result.checked, result.first_bad_seq) == (True, 5, None)
    assert result.head_hash == events[-1].hash


def test_an_empty_trail_verifies():
    assert verify_chain().ok


def test_events_recorded_in_whole_seconds_verify_too(events, monkeypatch):
    import datetime

    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: datetime.datetime(2025, 3, 1, 8, 30, tzinfo=datetime.UTC))
    record("case.view", case=1)
    assert verify_chain().ok


def test_a_changed_event_is_named(events, tamper):
    tamper("UPDATE audit_auditevent SET actor_label = 'iemand anders' WHERE seq = 3")
    result = verify_chain()
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 3, 2)
    assert "gewijzigd" in result.problem


def test_a_changed_timestamp_is_noticed(events, tamper):
    tamper("UPDATE audit_auditevent SET at = %s WHERE seq = 4", [events[0].at])
    assert verify_chain().first_bad_seq == 4


def test_a_removed_event_is_named(events, tamper):
    tamper("DELETE FROM audit_auditevent WHERE seq = 2")
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 2)
    assert "ontbreekt" in result.problem


def test_removing_the_newest_events_is_noticed(events, tamper):
    tamper("DELETE FROM audit_auditevent WHERE seq >= 4")
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_reordered_events_are_noticed(events, tamper):
    tamper("UPDATE audit_auditevent SET seq = -1 WHERE seq = 2")
    tamper("UPDATE audit_auditevent SET seq = 2 WHERE seq = 3")
    tamper("UPDATE audit_auditevent SET seq = 3 WHERE seq = -1")
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 2)


def test_an_inserted_event_with_a_valid_hash_is_noticed_at_the_next_event(events, tamper):
    tamper("UPDATE audit_auditevent SET seq = seq + 100 WHERE seq >= 3")
    tamper("UPDATE audit_auditevent SET seq = seq - 99 WHERE seq >= 103")
    forged = (3, "2025-01-01 12:00:00.000000", None, "", "case.view", 1, 99, "", "", "", "", "{}", events[1].hash)
    tamper(
        "INSERT INTO audit_auditevent (seq, at, actor_id, actor_label, action, school_id, case_id, object_repr, "
        "reason, ip, user_agent, details, prev_hash, hash, mac) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '')",
        [3, "2025-01-01 12:00:00", *forged[2:], chain.event_hash(forged)],
    )
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 4)
    assert "sluit niet aan" in result.problem


def test_an_event_appended_behind_the_apps_back_is_noticed(events, tamper):
    forged = (6, "2025-01-01 12:00:00.000000", None, "", "case.view", 1, 99, "", "", "", "", "{}", events[-1].hash)
    tamper(
        "INSERT INTO audit_auditevent (seq, at, actor_id, actor_label, action, school_id, case_id, object_repr, "
        "reason, ip, user_agent, details, prev_hash, hash, mac) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, '')",
        [6, "2025-01-01 12:00:00", *forged[2:], chain.event_hash(forged)],
    )
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 6)


def test_moving_text_between_fields_with_a_separator_is_noticed(events, tamper):
    # Same hashed text, different fields: only possible by smuggling in the separator.
    tamper("UPDATE audit_auditevent SET object_repr = %s, reason = %s WHERE seq = 2",
           [f"Dossier 11{chain.SEPARATOR}x", ""])
    original = AuditEvent.objects.filter(seq=2).values_list("reason", flat=True).get()
    assert original == ""
    assert verify_chain().first_bad_seq == 2


def test_the_command_exits_0_on_an_intact_trail(events):
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audittrail in orde: 5 gebeurtenissen" in out.getvalue()


def test_the_command_exits_1_and_names_the_first_bad_event(events, tamper):
    tamper("UPDATE audit_auditevent SET reason = 'weggepoetst' WHERE seq = 2")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_code:
        call_command("audit_verify", stdout=io.StringIO(), stderr=err)
    assert exit_code.value.code == 1
    assert "NIET in orde bij gebeurtenis 2" in err.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_change_made_outside_the_app_is_detected():
    """Someone opens the database with their own client, drops the trigger and edits a row."""
    for n in range(4):
        record("case.view", case=n)
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        # A file database, or the test run's shared in-memory database, opened with the sqlite3 module.
        outsider = sqlite3.connect(settings_dict["NAME"], uri=settings_dict["NAME"].startswith("file:"))
        outsider.executescript("DROP TRIGGER audit_event_no_update; "
                               "UPDATE audit_auditevent SET case_id = 999 WHERE seq = 3;")
        outsider.commit()
        outsider.close()
    else:
        import psycopg

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        with psycopg.connect(**params, autocommit=True) as outsider:
            outsider.execute("DROP TRIGGER audit_event_append_only ON audit_auditevent")
            outsider.execute("UPDATE audit_auditevent SET case_id = 999 WHERE seq = 3")
    result = verify_chain()
    assert (result.ok, result.first_bad_seq) == (False, 3)
