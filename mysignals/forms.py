from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import SignalForm


class OwnSignalForm(SignalForm):
    """The teacher's signal form, with the pupil it is about: for staff who record signals but hold no dossier."""

    field_order = ["pupil"]

    pupil = forms.ModelChoiceField(label=_("Leerling"), queryset=None,
                                   error_messages={"required": _("Kies de leerling over wie het signaal gaat."),
                                                   "invalid_choice": _("Kies een leerling van deze school.")})

    def __init__(self, *args, school, **kwargs):
        from schools.models import Pupil

        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(school=school, status=Pupil.Status.ACTIVE)
        self.fields["pupil"].empty_label = _("Kies een leerling")
        self.order_fields(["pupil"])

    def content(self) -> dict:
        content = super().content()
        content.pop("pupil", None)
        return content
