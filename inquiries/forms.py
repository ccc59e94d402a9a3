from django import forms
from django.utils.translation import gettext_lazy as _

from documents.forms import WithholdingMixin, not_in_the_future
from inquiries.models import BASIS_FOR, InformationRequest, ParentsTold, WithholdGround

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class InformationRequestForm(forms.ModelForm):
    """The request as the school received it, and whether the parents were told first (and why not)."""

    class Meta:
        model = InformationRequest
        fields = ["requester_kind", "requester", "legal_basis", "asked", "received_on", "parents_told",
                  "parents_told_on", "not_told_reason"]
        widgets = {"requester": forms.TextInput(), "asked": forms.Textarea(attrs={"rows": 4}),
                   "received_on": DATE_WIDGET, "parents_told_on": DATE_WIDGET,
                   "requester_kind": forms.RadioSelect, "legal_basis": forms.RadioSelect,
                   "parents_told": forms.RadioSelect, "not_told_reason": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "legal_basis": _("Zonder toestemming mag de school alleen informatie geven op de wettelijke grondslag "
                             "van wie het vraagt, en niet meer dan voor die vraag nodig is."),
            "parents_told": _("Normaal vertelt de school het de ouders vooraf, tenzij dat het kind in gevaar "
                              "brengt."),
            "not_told_reason": _("Verplicht als de ouders niet vooraf zijn geïnformeerd."),
            "parents_told_on": _("Bij ‘achteraf’ mag dit leeg blijven: u legt de datum vast op de pagina van het "
                                 "verzoek zodra de ouders zijn geïnformeerd."),
        }
        error_messages = {
            "requester_kind": {"required": _("Kies wie om informatie vraagt.")},
            "requester": {"required": _("Vul de naam van de organisatie en de contactpersoon in.")},
            "legal_basis": {"required": _("Kies de grondslag van het verzoek.")},
            "asked": {"required": _("Leg vast wat er wordt gevraagd.")},
            "received_on": {"required": _("Vul de datum van ontvangst in.")},
            "parents_told": {"required": _("Geef aan of de ouders zijn geïnformeerd.")},
        }

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name in ("requester_kind", "legal_basis", "parents_told"):
            self.fields[name].choices = [c for c in self.fields[name].choices if c[0]]
        # Needed with some answers only (see clean): the hint says when, so no "(niet verplicht)" beside them.
        self.fields["not_told_reason"].required_when = True
        self.fields["parents_told_on"].required_when = True

    def clean_received_on(self):
        return not_in_the_future(self.cleaned_data.get("received_on"))

    def clean_parents_told_on(self):
        return not_in_the_future(self.cleaned_data.get("parents_told_on"))

    def clean(self):
        data = super().clean()
        kind, basis = data.get("requester_kind"), data.get("legal_basis")
        if kind and basis and basis not in BASIS_FOR[kind]:
            self.add_error("legal_basis", _("Deze grondslag hoort niet bij wie het vraagt. Kies de wet van deze "
                                            "organisatie of toestemming van de ouders."))
        told = data.get("parents_told")
        # "Afterwards" is usually recorded before it happened: its date follows on the request's own page.
        if told == ParentsTold.BEFORE and not data.get("parents_told_on"):
            self.add_error("parents_told_on", _("Vul in wanneer de ouders zijn geïnformeerd."))
        if told == ParentsTold.NOT and data.get("parents_told_on"):
            self.add_error("parents_told_on", _("Er is geen datum als de ouders niet zijn geïnformeerd."))
        if told in (ParentsTold.AFTER, ParentsTold.NOT) and not (data.get("not_told_reason") or "").strip():
            self.add_error("not_told_reason", _("Leg vast waarom de ouders niet vooraf zijn geïnformeerd."))
        if (told in (ParentsTold.BEFORE, ParentsTold.AFTER) and data.get("parents_told_on") and data.get("received_on")
                and data["parents_told_on"] < data["received_on"]):
            self.add_error("parents_told_on", _("De ouders kunnen niet zijn geïnformeerd vóór het verzoek kwam."))
        return data


class ParentsToldForm(forms.Form):
    """The day the parents were told of a request that was answered before they were (AVG art. 13/14: the
    parents hear what was shared about their child, once that no longer endangers the child)."""

    told_on = forms.DateField(label=_("Datum waarop de ouders zijn geïnformeerd"), widget=DATE_WIDGET,
                              error_messages={"required": _("Vul in wanneer de ouders zijn geïnformeerd."),
                                              "invalid": _("Vul een geldige datum in.")})

    def __init__(self, *args, received_on, answered_on=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.received_on, self.answered_on = received_on, answered_on

    def clean_told_on(self):
        day = not_in_the_future(self.cleaned_data.get("told_on"))
        if day and day < self.received_on:
            raise forms.ValidationError(_("De ouders kunnen niet zijn geïnformeerd vóór het verzoek kwam."))
        if day and self.answered_on and day < self.answered_on:
            # "Achteraf, na het antwoord": a day before the answer means they were told first, which is another answer.
            raise forms.ValidationError(_("Achteraf is na het antwoord van %(day)s. Vul een latere datum in.")
                                        % {"day": self.answered_on.strftime("%d-%m-%Y")})
        return day


class PupilChoiceForm(forms.Form):
    """For a pupil without a dossier: the request opens one."""

    pupil = forms.ModelChoiceField(label=_("Leerling"), queryset=None,
                                   error_messages={"required": _("Kies de leerling over wie het verzoek gaat."),
                                                   "invalid_choice": _("Kies een leerling van deze school.")})

    def __init__(self, *args, school, **kwargs):
        from schools.models import Pupil

        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(school=school, status=Pupil.Status.ACTIVE)
        self.fields["pupil"].empty_label = _("Kies een leerling")


class AnswerForm(WithholdingMixin, forms.Form):
    """What the school gives: only the journal entries chosen for the question; the rest stays behind as not needed,
    or on another ground with a reason."""

    withhold_grounds = WithholdGround.choices
    gives_by_choice = True
    ground_by_default = WithholdGround.NOT_NEEDED

    given = forms.CharField(label=_("Wat is gegeven, en hoe"), widget=forms.Textarea(attrs={"rows": 3}),
                            help_text=_("Bijv. ‘Telefonisch toegelicht en de samenvatting hieronder per beveiligde "
                                        "mail gestuurd.’"),
                            error_messages={"required": _("Leg vast wat de school heeft gegeven en hoe.")})
    answered_on = forms.DateField(label=_("Beantwoord op"), widget=DATE_WIDGET,
                                  error_messages={"required": _("Vul de datum van het antwoord in."),
                                                  "invalid": _("Vul een geldige datum in.")})

    def __init__(self, *args, entries=(), received_on=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.received_on = received_on
        self.add_withholding_fields(entries)

    def clean_answered_on(self):
        day = not_in_the_future(self.cleaned_data.get("answered_on"))
        if day and self.received_on and day < self.received_on:
            raise forms.ValidationError(_("Het antwoord kan niet vóór het verzoek liggen."), code="before")
        return day
