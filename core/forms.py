"""Form conventions that hold for every form in the product (NL Design System / GOV.UK patterns)."""

from functools import wraps

from django import forms


def labels_without_colons():
    """Labels end without a colon, in every form: Django's default label_suffix ':' becomes ''.

    A form or a call that passes its own label_suffix keeps it.
    """
    original = forms.BaseForm.__init__
    if getattr(original, "_meldcode_no_colon", False):
        return

    @wraps(original)
    def init(self, *args, **kwargs):
        # label_suffix is BaseForm's 7th parameter; ModelForm passes it on by position.
        given = kwargs.get("label_suffix", args[6] if len(args) > 6 else None)
        original(self, *args, **kwargs)
        if given is None:
            self.label_suffix = ""

    init._meldcode_no_colon = True
    forms.BaseForm.__init__ = init
