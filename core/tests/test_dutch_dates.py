"""Dates and times as Dutch schools write them, "2 december 2026, 14:05", through one pair of filters."""

import datetime

from django.template import Context, Template
from django.utils import translation

from core.templatetags.phones import tel_href

MOMENT = datetime.datetime(2026, 12, 2, 13, 5, tzinfo=datetime.UTC)  # 14:05 in Amsterdam


def render(text, **context):
    return Template("{% load moments %}" + text).render(Context(context))


def test_a_moment_is_written_in_dutch_in_local_time():
    with translation.override("nl"):
        assert render("{{ at|moment }}", at=MOMENT) == "2 december 2026, 14:05"
        assert render("{{ at|day }}", at=MOMENT) == "2 december 2026"
        assert render("{{ d|day }}", d=datetime.date(2026, 3, 1)) == "1 maart 2026"


def test_the_default_date_formats_are_dutch_too():
    with translation.override("nl"):
        assert Template("{{ at|date }}").render(Context({"at": MOMENT})) == "2 december 2026"
        assert Template('{{ at|date:"DATETIME_FORMAT" }}').render(Context({"at": MOMENT})) == "2 december 2026, 14:05"


def test_english_month_names_only_for_someone_who_chose_english():
    with translation.override("en"):
        assert render("{{ at|moment }}", at=MOMENT) == "2 December 2026, 14:05"
    with translation.override("nl"):
        assert "December" not in render("{{ at|moment }}", at=MOMENT)


def test_no_value_gives_an_empty_string():
    assert render("{{ at|moment }}|{{ at|day }}", at=None) == "|"


def test_phone_numbers_become_tap_to_call_links_of_digits_only():
    assert tel_href("0800-2000") == "tel:08002000"
    assert tel_href("030 - 230 62 22") == "tel:0302306222"
    assert tel_href("+31 (0)30 230 62 22") == "tel:+31302306222"
    assert tel_href("088 555 1234 (ma-vr 9-17)") == "tel:0885551234"
    assert tel_href("n.v.t.") == ""
    assert tel_href("") == ""
