"""Forms about a case rather than an entry in its journal: opening it, its team, break-glass, signatures, siblings,
a correction's reason, the school's dossier settings, and the quick signal with its pupil choice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from cases.access import TEAM_ROLES
from cases.entry_form_base import TEXT, WordedForm
from cases.forms import SignalForm
from cases.models import ClosureReason, RetentionRule, Route
from core.concurrency import GuardedEditMixin
from schools.models import School


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=_("Reden van de correctie"), widget=TEXT)


class OpenCaseForm(WordedForm):
    pupil = forms.ModelChoiceField(label=_("Leerling"), queryset=None)
    route = forms.ChoiceField(label=_("Route"), choices=Route.choices, widget=forms.RadioSelect, initial=Route.REGULAR,
                              help_text=_("Kies ‘Medewerker als vermoedelijke pleger’ als het vermoeden een collega betreft: "
                                          "dan ziet alleen de directie en het bestuur dit dossier."))
    subject_staff = forms.ModelChoiceField(label=_("Betrokken medewerker"), queryset=None, required=False)
    flag_fgm = forms.BooleanField(label=_("Vermoeden van meisjesbesnijdenis"), required=False)
    flag_honour = forms.BooleanField(label=_("Vermoeden van eergerelateerd geweld"), required=False)
    coordinator = forms.ModelChoiceField(label=_("Coördinator (aandachtsfunctionaris)"), queryset=None, required=False)

    def __init__(self, *args, school, **kwargs):
        from accounts.models import User
        from schools.models import Pupil

        kwargs.setdefault("label_suffix", "")
        self.school = school
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = Pupil.objects.filter(school=school, status=Pupil.Status.ACTIVE)
        self.fields["pupil"].empty_label = _("Kies een leerling")
        self.fields["subject_staff"].empty_label = _("Alleen bij een vermoeden over een medewerker")
        self.fields["coordinator"].empty_label = _("De eerste intern begeleider van de school")
        # The school's name for the attention officer (the meldcode's `names.attention_officer`).
        self.fields["coordinator"].label = _("Coördinator (%(attention_officer)s)") % {
            "attention_officer": self.words.attention_officer}
        staff = User.objects.filter(memberships__school=school).distinct()
        self.fields["subject_staff"].queryset = staff
        self.fields["coordinator"].queryset = staff.filter(
            memberships__role__in=(Role.IB, Role.AANDACHTSFUNCTIONARIS)).distinct()

    def clean(self):
        data = super().clean()
        if data.get("route") == Route.STAFF and not data.get("subject_staff"):
            self.add_error("subject_staff", _("Kies de medewerker om wie het gaat, zodat die het dossier nooit ziet."))
        return data


class TeamMemberForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Medewerker"), queryset=None)

    def __init__(self, *args, school, exclude=(), **kwargs):
        from accounts.models import User

        super().__init__(*args, **kwargs)
        # The functioneel beheerder and the privacy officer never read content, so they cannot join a team.
        self.fields["user"].queryset = (User.objects.filter(memberships__school=school,
                                                            memberships__role__in=TEAM_ROLES)
                                        .exclude(pk__in=exclude).distinct())


class BreakGlassForm(forms.Form):
    reason = forms.CharField(label=_("Waarom moet u dit dossier nu openen?"), widget=TEXT, min_length=15,
                             help_text=_("De reden komt blijvend in het auditlog en de coördinator van het dossier krijgt "
                                         "bericht. Noem waarom u toegang nodig heeft, niet wat er in het dossier staat."))


class SignForm(forms.Form):
    participant = forms.CharField(label=_("Deelnemer"), max_length=200)
    signed = forms.TypedChoiceField(label=_("Ondertekening"), choices=[
        ("1", _("Heeft getekend")), ("0", _("Heeft niet getekend"))], coerce=lambda v: v == "1",
        widget=forms.RadioSelect)
    refusal_reason = forms.CharField(label=_("Reden dat niet is getekend"), widget=TEXT, required=False)

    def clean(self):
        data = super().clean()
        if data.get("signed") is False and not data.get("refusal_reason"):
            self.add_error("refusal_reason", _("Leg vast waarom deze deelnemer niet heeft getekend."))
        return data


class SiblingForm(forms.Form):
    sibling = forms.ModelChoiceField(label=_("Broer of zus"), queryset=None)
    role = forms.CharField(label=_("Rol in het dossier"), max_length=120,
                           help_text=_("Bijv. ook slachtoffer, getuige van geweld thuis."))

    def __init__(self, *args, case, **kwargs):
        from schools.models import Pupil

        super().__init__(*args, **kwargs)
        taken = [case.pupil_id, *case.siblings.values_list("pupil_id", flat=True)]
        self.fields["sibling"].queryset = Pupil.objects.filter(school=case.school).exclude(pk__in=taken)


MAX_RETENTION_YEARS = 20


class DossierSettingsForm(GuardedEditMixin, forms.ModelForm):
    """The school's own policy for dossiers: who sees which cases, the Verwijsindex, how long closed cases are
    kept (per closure reason, when it differs from the school's period)."""

    class Meta:
        model = School
        fields = ["ib_sees_all_cases", "directie_sees_all_cases", "verwijsindex_connected",
                  "retention_years_after_leaving"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        school_period = self.fields["retention_years_after_leaving"]
        self.fields["retention_years_after_leaving"] = forms.IntegerField(
            label=school_period.label, help_text=school_period.help_text, min_value=0, max_value=MAX_RETENTION_YEARS)
        current = dict(RetentionRule.objects.filter(school=self.instance).values_list(
            "closure_reason", "years_after_leaving"))
        for reason, label in ClosureReason.choices:
            self.fields[f"retention_{reason}"] = forms.IntegerField(
                label=_("Bewaartermijn na vertrek bij '%(reason)s' (jaren)") % {"reason": label}, required=False,
                min_value=0, max_value=MAX_RETENTION_YEARS, initial=current.get(reason),
                help_text=_("Leeg: de bewaartermijn van de school."))

    def state_values(self, instance) -> dict:
        rules = dict(RetentionRule.objects.filter(school=instance).values_list("closure_reason",
                                                                               "years_after_leaving"))
        return {**super().state_values(instance), "rules": rules}

    def rules(self) -> dict[str, int | None]:
        return {reason: self.cleaned_data.get(f"retention_{reason}") for reason in ClosureReason.values}

    def retention_changed(self) -> bool:
        return any(name.startswith("retention") for name in self.changed_data)

    def save(self, commit=True):
        school = super().save(commit)
        for reason, years in self.rules().items():
            if years is None:
                RetentionRule.objects.filter(school=school, closure_reason=reason).delete()
            else:
                RetentionRule.objects.update_or_create(school=school, closure_reason=reason,
                                                       defaults={"years_after_leaving": years})
        return school



class QuickSignalForm(SignalForm):
    """A first signal on a phone (issue 14): what was seen and heard, fact or hypothesis, and when. The dossier
    around it is the coordinator's business; only acute danger is the teacher's to mark at once."""

    meta_fields = ("occurred_at", "revision", "acute")

    acute = forms.BooleanField(
        label=_("Het kind is nu in acuut gevaar"), required=False,
        help_text=_("Alleen als er nu direct iets moet gebeuren. U ziet dan meteen de noodnummers."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("categories", "direction", "diagnosis"):
            self.fields.pop(name, None)
        self.fields["place"].required = False
        self.fields["situation"].required = False
        self.order_fields(["observation", "is_hypothesis", "source", "occurred_at", "place", "situation",
                           "others_present", "acute"])


class PupilPickForm(forms.Form):
    """The pupil of a new signal, among the school's enrolled pupils."""

    leerling = forms.ModelChoiceField(label=_("Leerling"), queryset=None, widget=forms.RadioSelect,
                                      error_messages={"required": _("Zoek en kies de leerling."),
                                                      "invalid_choice": _("Zoek en kies de leerling.")})

    def __init__(self, *args, school, **kwargs):
        from schools.models import Pupil

        super().__init__(*args, **kwargs)
        self.fields["leerling"].queryset = Pupil.objects.filter(school=school, status=Pupil.Status.ACTIVE)
