"""Dates people type: only years the app can reason about.

A year like 1 or 9999 is a typing slip, never a real date in a dossier, and it breaks whatever comes next:
converting 0001-01-01 00:00 Amsterdam time to UTC falls before year 1 (an OverflowError, a 500), and so does
adding a term to 9999-12-31. So every date and date-time field of every form refuses years outside
1900-2100 with a Dutch message (see CoreConfig.ready).
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

FIRST_YEAR, LAST_YEAR = 1900, 2100


def plausible_year(value):
    if isinstance(value, (datetime.date, datetime.datetime)) and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(_("Vul een datum in tussen %(first)s en %(last)s."), code="implausible_year",
                              params={"first": FIRST_YEAR, "last": LAST_YEAR})


def refuse_implausible_years():
    """Make `plausible_year` part of Django's own date and date-time form fields, so no form can forget it.

    Model forms, filter forms and entry forms all build on these two classes; a subclass that sets its own
    `default_validators` would need to add it itself (none in this app does).
    """
    for field in (forms.DateField, forms.DateTimeField):
        if plausible_year not in field.default_validators:
            field.default_validators = [*field.default_validators, plausible_year]
