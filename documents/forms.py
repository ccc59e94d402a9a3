from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from core.concurrency import GuardedEditMixin
from documents.models import AccessRequest, InspectionGround, TrainingRecord

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WithholdingMixin:
    """Per journal entry of a copy made for someone outside the school: give it, or withhold it on a ground with a
    reason. Used by the parent's inspection copy and by the answer to an information request; each brings its grounds.

    The parent has a right to the whole dossier (AVG art. 15): everything is given unless withheld, with a reason.
    An answer to an information request gives no more than the question needs (AVG art. 5(1)(c)): nothing is given
    unless chosen (`gives_by_choice`), and what is left out is left out as not needed unless another ground is chosen;
    only another ground needs a reason."""

    withhold_grounds: list = []
    gives_by_choice = False
    ground_by_default = None  # with gives_by_choice: the ground of whatever is not chosen

    def add_withholding_fields(self, entries):
        self.entries = list(entries)
        # The last entry the page showed (Entry.seq grows with every save, corrections too): an entry saved while
        # the coordinator was reviewing would otherwise be given without anyone having seen it.
        self.latest = max((doc.number or 0 for doc in _with_corrections(self.entries)), default=0)
        self.fields["seen_up_to"] = forms.IntegerField(
            label=_("Laatst bekeken onderdeel"), widget=forms.HiddenInput, required=False, initial=self.latest)
        for entry in self.entries:
            if self.gives_by_choice:
                self.fields[f"give_{entry.entry_id}"] = forms.BooleanField(label=_("Meegeven in het antwoord"),
                                                                           required=False)
                self.fields[f"ground_{entry.entry_id}"] = forms.ChoiceField(
                    label=_("Grond als u het niet meegeeft"), required=False, choices=self.withhold_grounds,
                    initial=self.ground_by_default)
                self.fields[f"reason_{entry.entry_id}"] = forms.CharField(
                    label=_("Reden (alleen intern vastgelegd; nodig bij een andere grond dan ‘niet nodig’)"),
                    required=False, widget=forms.Textarea(attrs={"rows": 2}))
                continue
            self.fields[f"withhold_{entry.entry_id}"] = forms.BooleanField(label=_("Achterhouden"), required=False)
            self.fields[f"ground_{entry.entry_id}"] = forms.ChoiceField(
                label=_("Grond"), required=False, choices=[("", "—"), *self.withhold_grounds])
            self.fields[f"reason_{entry.entry_id}"] = forms.CharField(
                label=_("Reden (alleen intern vastgelegd)"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def _choice_name(self, entry):
        return f"give_{entry.entry_id}" if self.gives_by_choice else f"withhold_{entry.entry_id}"

    def rows(self):
        """(entry, give-or-withhold field, ground field, reason field) for the template."""
        return [(e, self[self._choice_name(e)], self[f"ground_{e.entry_id}"], self[f"reason_{e.entry_id}"])
                for e in self.entries]

    def _is_withheld(self, data, entry) -> bool:
        chosen = bool(data.get(self._choice_name(entry)))
        return not chosen if self.gives_by_choice else chosen

    def _ground(self, data, entry) -> str:
        ground = data.get(f"ground_{entry.entry_id}") or ""
        return ground or (self.ground_by_default if self.gives_by_choice else "")

    def clean(self):
        data = super().clean()
        seen = data.get("seen_up_to")
        if seen is not None and seen < self.latest:
            self.add_error(None, _("Er is intussen iets aan het dossier toegevoegd. Bekijk het nieuwe onderdeel "
                                   "hieronder en kies opnieuw wat u geeft."))
            # The page shown again holds the new entries; the next post answers for them.
            self.data = self.data.copy()
            self.data[self.add_prefix("seen_up_to")] = str(self.latest)
        for entry in self.entries:
            if not self._is_withheld(data, entry):
                continue
            ground = self._ground(data, entry)
            if not ground:
                self.add_error(f"ground_{entry.entry_id}", _("Kies de grond waarop u dit achterhoudt."))
            if self.gives_by_choice and ground == self.ground_by_default:
                continue  # not needed for the question: the ground says why
            if not (data.get(f"reason_{entry.entry_id}") or "").strip():
                self.add_error(f"reason_{entry.entry_id}", _("Leg vast waarom u dit achterhoudt."))
        return data

    def withheld(self) -> list[tuple[int, str, str]]:
        """(entry id, ground, reason) for every entry to withhold."""
        data = self.cleaned_data
        return [(e.entry_id, self._ground(data, e), (data.get(f"reason_{e.entry_id}") or "").strip())
                for e in self.entries if self._is_withheld(data, e)]


def _with_corrections(entries):
    for entry in entries:
        yield entry
        yield from _with_corrections(entry.corrections)


class InspectionReviewForm(WithholdingMixin, forms.Form):
    """Per journal entry: give it to the parent, or withhold it on a ground with a reason."""

    withhold_grounds = InspectionGround.choices
    for_whom = forms.CharField(label=_("Voor wie is de inzage?"), max_length=200,
                               help_text=_("Naam en rol, bijv. ‘Anna Bos, moeder’ of ‘de leerling zelf (16 jaar)’."))

    answers = forms.TypedChoiceField(
        label=_("Is dit het antwoord op een inzageverzoek?"), required=False, coerce=int, empty_value=None,
        help_text=_("Het verzoek telt dan als beantwoord; de termijn verdwijnt uit de taken."))

    def __init__(self, *args, entries=(), open_requests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.add_withholding_fields(entries)
        requests = list(open_requests)
        if requests:
            self.fields["answers"].choices = [("", _("Nee, geen geregistreerd verzoek"))] + [
                (r.pk, _("%(who)s, ontvangen %(day)s") % {"who": r.requester,
                                                         "day": date_format(r.received_on, "j F Y")})
                for r in requests]
        else:
            del self.fields["answers"]


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


def not_in_the_future(day):
    if day and day > timezone.localdate():
        raise forms.ValidationError(_("Deze datum ligt in de toekomst."), code="future")
    return day


class AccessRequestForm(forms.ModelForm):
    """A parent's (or a pupil's from 16) request to inspect the dossier, as the school received it."""

    class Meta:
        model = AccessRequest
        fields = ["requester", "received_on"]
        widgets = {"requester": forms.TextInput(), "received_on": DATE_WIDGET}
        help_texts = {"received_on": _("De dag waarop de school het verzoek kreeg (mondeling, per brief of "
                                       "e-mail). Vanaf die dag loopt de termijn van een maand.")}

    def clean_received_on(self):
        return not_in_the_future(self.cleaned_data.get("received_on"))


class AccessRequestExtensionForm(forms.Form):
    """At most two more months, with reasons, told to the requester within the first month (AVG art. 12(3))."""

    extended_until = forms.DateField(label=_("Nieuwe uiterste datum"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("Waarom is meer tijd nodig?"), widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Bijvoorbeeld: het dossier is omvangrijk, of er zijn meer verzoeken "
                                         "tegelijk. Deze reden deelt u ook met de verzoeker."))
    told_on = forms.DateField(label=_("Wanneer heeft u de verzoeker dit laten weten?"), widget=DATE_WIDGET)

    def __init__(self, *args, access_request: AccessRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.access_request = access_request

    def clean_told_on(self):
        told_on = not_in_the_future(self.cleaned_data.get("told_on"))
        request = self.access_request
        if told_on and told_on < request.received_on:
            raise forms.ValidationError(_("Deze datum ligt vóór de ontvangst van het verzoek."), code="before_request")
        if told_on and told_on > request.first_deadline:
            raise forms.ValidationError(
                _("Een verlenging moet binnen een maand na ontvangst aan de verzoeker zijn gemeld (uiterlijk "
                  "%(day)s). Dat is te laat; beantwoord het verzoek zo snel mogelijk.")
                % {"day": date_format(request.first_deadline, "j F Y")}, code="too_late")
        return told_on

    def clean_extended_until(self):
        day = self.cleaned_data.get("extended_until")
        request = self.access_request
        if day and day <= request.deadline:
            raise forms.ValidationError(_("Kies een datum na de huidige termijn (%(day)s).")
                                        % {"day": date_format(request.deadline, "j F Y")}, code="not_later")
        if day and day > request.latest_possible_deadline:
            raise forms.ValidationError(
                _("De termijn kan met ten hoogste twee maanden worden verlengd: uiterlijk %(day)s.")
                % {"day": date_format(request.latest_possible_deadline, "j F Y")}, code="too_long")
        return day
