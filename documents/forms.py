from django import forms
from django.utils.translation import gettext_lazy as _

from core.concurrency import GuardedEditMixin
from documents.models import InspectionGround, TrainingRecord

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InspectionReviewForm(forms.Form):
    """Per journal entry: give it to the parent, or withhold it on a ground with a reason."""

    for_whom = forms.CharField(label=_("Voor wie is de inzage?"), max_length=200,
                               help_text=_("Naam en rol, bijv. ‘Anna Bos, moeder’ of ‘de leerling zelf (16 jaar)’."))

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.entries = list(entries)
        for entry in self.entries:
            self.fields[f"withhold_{entry.entry_id}"] = forms.BooleanField(
                label=_("Achterhouden"), required=False)
            self.fields[f"ground_{entry.entry_id}"] = forms.ChoiceField(
                label=_("Grond"), required=False, choices=[("", "—")] + list(InspectionGround.choices))
            self.fields[f"reason_{entry.entry_id}"] = forms.CharField(
                label=_("Reden (alleen intern vastgelegd)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def rows(self):
        """(entry, withhold field, ground field, reason field) for the template."""
        return [(e, self[f"withhold_{e.entry_id}"], self[f"ground_{e.entry_id}"], self[f"reason_{e.entry_id}"])
                for e in self.entries]

    def clean(self):
        data = super().clean()
        for entry in self.entries:
            if not data.get(f"withhold_{entry.entry_id}"):
                continue
            if not data.get(f"ground_{entry.entry_id}"):
                self.add_error(f"ground_{entry.entry_id}", _("Kies de grond waarop u dit achterhoudt."))
            if not (data.get(f"reason_{entry.entry_id}") or "").strip():
                self.add_error(f"reason_{entry.entry_id}", _("Leg vast waarom u dit achterhoudt."))
        return data

    def withheld(self) -> list[tuple[int, str, str]]:
        """(entry id, ground, reason) for every entry to withhold."""
        return [(e.entry_id, self.cleaned_data[f"ground_{e.entry_id}"], self.cleaned_data[f"reason_{e.entry_id}"].strip())
                for e in self.entries if self.cleaned_data.get(f"withhold_{e.entry_id}")]


class TrainingForm(GuardedEditMixin, forms.ModelForm):
    class Meta:
        model = TrainingRecord
        fields = ["user", "course", "date", "provider", "valid_until"]
        widgets = {"date": DATE_WIDGET, "valid_until": DATE_WIDGET}
        help_texts = {"valid_until": _("Leeg laten als de cursus geen vaste geldigheid heeft.")}

    def __init__(self, *args, school, **kwargs):
        from accounts.models import User

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.filter(memberships__school=school).distinct().order_by("full_name")

    def clean(self):
        data = super().clean()
        if data.get("date") and data.get("valid_until") and data["valid_until"] < data["date"]:
            self.add_error("valid_until", _("De geldigheid kan niet eindigen vóór de cursusdatum."))
        return data
