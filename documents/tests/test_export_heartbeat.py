"""The timer heartbeat of a long export step (no database: the beat is a stand-in)."""

import threading
import time

import pytest
from django.db import transaction

from documents import tasks


def test_during_a_long_step_the_heartbeat_beats_on_a_timer_until_the_step_ends():
    beats = []
    with tasks.Heartbeat(lambda: beats.append(time.monotonic()) or True, interval=0.05):
        time.sleep(0.4)
    counted = len(beats)
    time.sleep(0.15)
    assert counted >= 3
    assert len(beats) == counted  # stopped with the step


def test_the_timer_stops_when_the_run_was_taken_over():
    beats = []
    with tasks.Heartbeat(lambda: beats.append(1) and False, interval=0.05):
        time.sleep(0.3)
    assert beats == [1]


@pytest.mark.django_db
def test_inside_a_transaction_no_timer_runs_because_another_connection_could_not_see_the_job():
    before = threading.active_count()
    with transaction.atomic(), tasks.Heartbeat(lambda: True, interval=0.01):
        assert threading.active_count() == before
