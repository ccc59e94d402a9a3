"""Edits that would overwrite someone else's change are refused, not saved.

An edit form carries a fingerprint of the record as it was when the form was loaded. On saving, the form
compares it with the record as it is now; if someone saved in between, the form is invalid, says so in Dutch
and the view answers 409 Conflict. Nothing is lost: the user's input stays in the form, the other change stays
in the database. A fingerprint (not a version column) needs no migration and covers every field the form
edits, related rows included where the form says so.
"""

import json

from django import forms
from django.db import connection
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

FIELD = "loaded_state"
CONFLICT_MESSAGE = _("Iemand anders heeft deze gegevens gewijzigd nadat u dit formulier opende. Uw invoer is niet "
                     "opgeslagen maar staat hieronder nog; open de pagina opnieuw om de nieuwe versie te zien en "
                     "breng uw wijziging daarna opnieuw aan.")


def fingerprint(values) -> str:
    # Keyed, so the hidden field reveals nothing about the values (some of them are stored encrypted).
    text = json.dumps(values, sort_keys=True, default=str)
    return salted_hmac("meldcode.concurrency", text, algorithm="sha256").hexdigest()


class GuardedEditMixin:
    """For ModelForms that edit a stored record. Views return 409 when `form.conflict` is set."""

    conflict = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[FIELD] = forms.CharField(widget=forms.HiddenInput, required=False)
        if self.instance.pk and not self.is_bound:
            self.initial[FIELD] = self.current_fingerprint()

    def state_values(self, instance) -> dict:
        """What counts as 'the record': the edited fields; override to add related rows."""
        return forms.models.model_to_dict(instance, fields=self._meta.fields)

    def current_fingerprint(self) -> str:
        rows = type(self.instance)._default_manager.filter(pk=self.instance.pk)
        if connection.in_atomic_block:
            # Holds the row until the view's transaction ends, so nobody saves between this check and our save.
            rows = rows.select_for_update()
        current = rows.first()
        return fingerprint(self.state_values(current)) if current is not None else ""

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            loaded = self.data.get(self.add_prefix(FIELD), "")
            if not constant_time_compare(loaded, self.current_fingerprint()):
                self.conflict = True
                raise forms.ValidationError(CONFLICT_MESSAGE, code="conflict")
        return cleaned


def status_for(form, method: str) -> int:
    """The status of a form page: 409 for a conflicting edit, 400 for other bad input, else 200."""
    if method != "POST":
        return 200
    if getattr(form, "conflict", False):
        return 409
    return 400 if form.errors else 200
