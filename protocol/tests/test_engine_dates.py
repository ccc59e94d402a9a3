"""Dates the engine writes in its guidance are the school's days (Europe/Amsterdam), not UTC's: a decision saved just
after midnight is of the day it was saved on."""

import datetime

from django.utils import timezone

from protocol import engine


def test_a_record_saved_just_after_midnight_is_dated_on_the_schools_day(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    # 23:49 UTC on 4 December is 00:49 on 5 December in Amsterdam (winter time, UTC+1).
    moment = datetime.datetime(2026, 12, 4, 23, 49, tzinfo=datetime.UTC)
    record = engine.Record(kind="weighing", at=moment, data={})
    with timezone.override("Europe/Amsterdam"):
        assert engine._date(record) == "05-12-2026"
        assert engine._as_date(moment) == datetime.date(2026, 12, 5)
