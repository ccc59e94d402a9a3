"""Issue 12, finding 9: truncating the newest events and rewinding the chain head was not detected.

A daily anchor writes the newest hash outside the database (a log file, the privacy officer's mailbox);
`audit_verify --anchor HASH` proves the anchored event still exists unchanged.
"""

import io

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.roles import Role
from audit.anchor import read_anchor_file, take_anchor
from audit.log import record
from audit.verify import verify_chain

pytestmark = pytest.mark.django_db


def test_the_anchor_is_appended_to_the_file_and_mailed_to_the_privacy_officers(events, tmp_path, make_user, school):
    officer = make_user(Role.PRIVACY, school)
    make_user(Role.LEERKRACHT, school)
    anchor = take_anchor(tmp_path / "ankers.log")
    assert anchor.seq == 5 and anchor.hash == events[-1].hash
    assert read_anchor_file(tmp_path / "ankers.log") == [events[-1].hash]
    assert [message.to for message in mail.outbox] == [[officer.email]]
    assert events[-1].hash in mail.outbox[0].body
    take_anchor(tmp_path / "ankers.log")
    assert len(read_anchor_file(tmp_path / "ankers.log")) == 2  # appended, never overwritten


def test_an_anchor_still_in_the_chain_verifies(events):
    result = verify_chain(anchors=(events[2].hash,))
    assert result.ok and result.anchors_checked == 1


def test_removing_the_newest_events_and_rewinding_the_head_is_caught_by_the_anchor(events, tamper):
    anchored = events[-1].hash
    tamper("DELETE FROM audit_auditevent WHERE seq >= 4")
    tamper("UPDATE audit_chainhead SET seq = 3, hash = %s WHERE id = 1", [events[2].hash])
    assert verify_chain().ok, "without the anchor the shortened chain looks whole: that is the hole"
    result = verify_chain(anchors=(anchored,))
    assert not result.ok and "ankerhash" in result.problem


def test_the_command_checks_every_anchor_in_the_file(events, tamper, tmp_path):
    take_anchor(tmp_path / "ankers.log")
    out = io.StringIO()
    call_command("audit_verify", "--anchor-file", str(tmp_path / "ankers.log"), stdout=out)
    assert "Ankers gevonden: 1 van 1" in out.getvalue()
    tamper("DELETE FROM audit_auditevent WHERE seq >= 5")
    tamper("UPDATE audit_chainhead SET seq = 4, hash = %s WHERE id = 1", [events[3].hash])
    with pytest.raises(SystemExit):
        call_command("audit_verify", "--anchor-file", str(tmp_path / "ankers.log"), stdout=io.StringIO(),
                     stderr=io.StringIO())


def test_anchoring_is_itself_recorded(events, tmp_path):
    take_anchor(tmp_path / "ankers.log")
    assert record("case.view").seq == 7  # 5 events, the anchoring event, then this one
