from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import Role
from core.concurrency import GuardedEditMixin
from schools.models import Guardian, Pupil
from schools.pupils import birth_date_problem

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PupilSearchForm(forms.Form):
    STATUS_CHOICES = [("active", _("Ingeschreven")), ("left", _("Uitgeschreven")), ("all", _("Alle"))]

    q = forms.CharField(label=_("Zoek op naam of groep"), required=False, max_length=100,
                        widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)


class PupilForm(GuardedEditMixin, forms.ModelForm):
    class Meta:
        model = Pupil
        fields = ["student_number", "first_name", "last_name", "date_of_birth", "group", "status", "left_on"]
        widgets = {"date_of_birth": DateInput(), "left_on": DateInput()}

    def __init__(self, *args, school, **kwargs):
        self.school = school
        super().__init__(*args, **kwargs)

    def clean_student_number(self):
        number = self.cleaned_data["student_number"].strip()
        if number and Pupil.objects.filter(school=self.school, student_number=number).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Er is al een leerling met dit leerlingnummer op deze school."))
        return number

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        problem = birth_date_problem(value)
        if problem:
            raise forms.ValidationError(_("De geboortedatum %(problem)s") % {"problem": problem})
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Pupil.Status.LEFT and not cleaned.get("left_on"):
            self.add_error("left_on", _("Vul in wanneer de leerling de school verliet."))
        if cleaned.get("status") == Pupil.Status.ACTIVE:
            cleaned["left_on"] = None
        return cleaned

    def save(self, commit=True):
        self.instance.school = self.school
        return super().save(commit)


class GuardianForm(GuardedEditMixin, forms.ModelForm):
    class Meta:
        model = Guardian
        fields = ["name", "relation", "has_authority", "phone", "email", "address"]


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Bestand"),
        help_text=_("CSV (puntkomma of komma), Excel (.xlsx) of een EDEX-export (.xml) uit ParnasSys of ESIS. "
                    "Andere kolomnamen dan hieronder? Dan vraagt de volgende stap welke kolom wat bevat."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xml,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = min(MAX_IMPORT_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if upload.size > limit:
            raise forms.ValidationError(_("Het bestand is te groot (maximaal %(mb)s MB).") % {"mb": limit // (1024 * 1024)})
        return upload


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices)


class StaffMemberForm(forms.Form):
    """One person with one role; an existing account (same e-mail) just gets the role."""

    full_name = forms.CharField(label=_("Naam"), max_length=200)
    email = forms.EmailField(label=_("E-mailadres"), max_length=254)  # the account's column (PostgreSQL enforces it)
    role = forms.ChoiceField(label=_("Rol"), choices=Role.choices)
    job_title = forms.CharField(label=_("Functie"), max_length=200, required=False,
                                help_text=_("Bijv. leerkracht groep 5, orthopedagoog."))

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def existing_user(self):
        return User.objects.filter(email=self.cleaned_data["email"]).first()


class ColumnMappingForm(forms.Form):
    """Which column of the uploaded file holds which field of the import (schools.mapping)."""

    def __init__(self, *args, kind, header, initial_mapping=None, **kwargs):
        from schools import mapping

        super().__init__(*args, **kwargs)
        self.kind = kind
        choices = [("", _("— niet gebruiken —"))] + [(str(i), name or _("(kolom %(n)s zonder naam)") % {"n": i + 1})
                                                     for i, name in enumerate(header)]
        initial_mapping = initial_mapping or {}
        self.targets = mapping.target_fields(kind)
        for target, label, required in self.targets:
            self.fields[f"map_{target}"] = forms.TypedChoiceField(
                label=label, choices=choices, required=required, coerce=int, empty_value=None,
                initial=str(initial_mapping[target]) if target in initial_mapping else "")
            if required:
                self.fields[f"map_{target}"].error_messages["required"] = _("Kies de kolom met: %(label)s.") % {
                    "label": label}
        if kind == "staff":
            self.fields["default_role"] = forms.ChoiceField(
                label=_("Rol voor rijen zonder rol"), choices=[("", _("— geen: rol is verplicht per rij —")),
                                                             *Role.choices],
                required=False, initial=Role.LEERKRACHT,
                help_text=_("Bijv. leerkracht voor een lijst uit het leerlingvolgsysteem. Andere rollen geeft u "
                            "daarna op de medewerkerspagina."))

    def clean(self):
        cleaned = super().clean()
        if self.kind == "staff" and cleaned.get("map_naam") is None and cleaned.get("map_achternaam") is None:
            self.add_error("map_naam", _("Kies de kolom met de naam, of die met de achternaam."))
        return cleaned

    def mapping(self) -> dict[str, int]:
        return {target: self.cleaned_data[f"map_{target}"] for target, _l, _r in self.targets
                if self.cleaned_data.get(f"map_{target}") is not None}
