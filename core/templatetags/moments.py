"""Dates and times in the reader's language, one way everywhere: `{{ at|moment }}` gives
"2 december 2026, 14:05", `{{ day|day }}` gives "2 december 2026" (formats in meldcode/formats/)."""

import datetime

from django import template
from django.utils import formats, timezone

register = template.Library()


@register.filter
def moment(value):
    """A date with time, in the local time zone; empty for no value."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return formats.date_format(value, "DATETIME_FORMAT")
    return formats.date_format(value, "DATE_FORMAT")


@register.filter
def day(value):
    """A date without time (the local date of a moment); empty for no value."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATE_FORMAT")
