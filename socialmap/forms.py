from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from core.concurrency import GuardedEditMixin
from socialmap import parser
from socialmap.models import Kind, Organisation, PhoneNumber
from socialmap.readers import MAX_BYTES, SUPPORTED_EXTENSIONS


def _clean_website(value: str) -> str:
    return parser.normalise_website(value) if value.strip() else ""


class OrganisationForm(GuardedEditMixin, forms.ModelForm):
    """One entry of the sociale kaart: the school's own, or one its board shares with all its schools.

    `may_keep` (the coordinator or directie) allows entries of the school itself, `may_share` (the bestuur)
    entries of the board; someone holding both chooses with the `shared` box.
    """

    shared = forms.BooleanField(
        label=_("Delen met alle scholen van het bestuur"), required=False,
        help_text=_("Elke school van het bestuur ziet de organisatie dan op haar sociale kaart en in het dossier; "
                    "alleen het bestuur kan haar wijzigen."))

    class Meta:
        model = Organisation
        fields = ["name", "kind", "contact_person", "address", "email", "website", "notes", "on_emergency_sheet"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3}), "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school, may_keep=True, may_share=False, **kwargs):
        self.school = school
        self.may_keep, self.may_share = may_keep, may_share
        super().__init__(*args, **kwargs)
        if not (may_keep and may_share):
            del self.fields["shared"]
        elif self.instance.pk:
            self.initial.setdefault("shared", self.instance.is_shared)

    def is_shared_entry(self) -> bool:
        if self.may_keep and self.may_share:
            return bool(self.cleaned_data.get("shared"))
        return self.may_share

    def state_values(self, instance) -> dict:
        return {**super().state_values(instance), "owner": (instance.school_id, instance.board_id),
                "phones": [(phone.number, phone.note) for phone in instance.phones.all()]}

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not parser.normalise_name(name):
            raise forms.ValidationError(_("Vul de naam van de organisatie in."))
        return name

    def clean(self):
        cleaned = super().clean()
        if name := cleaned.get("name"):
            owner = {"board_id": self.school.board_id} if self.is_shared_entry() else {"school": self.school}
            clash = (Organisation.objects.filter(normalised_name=parser.normalise_name(name), **owner)
                     .exclude(pk=self.instance.pk))
            if clash.exists():
                self.add_error("name", _("Het bestuur deelt deze organisatie al met zijn scholen.")
                               if self.is_shared_entry()
                               else _("Deze organisatie staat al op de sociale kaart van de school."))
        return cleaned

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_website(self):
        return _clean_website(self.cleaned_data["website"])

    def save(self, commit=True):
        if self.is_shared_entry():
            self.instance.school, self.instance.board = None, self.school.board
        else:
            self.instance.school, self.instance.board = self.school, None
        return super().save(commit)


class PhoneNumberForm(forms.ModelForm):
    class Meta:
        model = PhoneNumber
        fields = ["number", "note"]

    def clean_number(self):
        number = self.cleaned_data["number"]
        phones, _leftover = parser.parse_phones(number)
        if len(phones) == 1:
            return phones[0][0]
        if not any(char.isdigit() for char in number):
            raise forms.ValidationError(_("Een telefoonnummer bestaat uit cijfers."))
        return " ".join(number.split())


PhoneFormSet = inlineformset_factory(Organisation, PhoneNumber, form=PhoneNumberForm, extra=2, can_delete=True,
                                     max_num=10, validate_max=True)


class DocumentUploadForm(forms.Form):
    document = forms.FileField(
        label=_("Meldcode van de school"),
        help_text=_("Het Word-document (.docx), de PDF of een tekstbestand (.txt) met de sociale kaart; "
                    "maximaal 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED_EXTENSIONS)}),
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("Het bestand is groter dan 10 MB."))
        return upload


class PreviewRowForm(forms.Form):
    """One organisation found in the document, as the coordinator wants it saved (or skipped)."""

    decision = forms.ChoiceField(label=_("Wat doen we?"), choices=[
        ("accept", _("Opslaan")), ("skip", _("Overslaan")),
    ], widget=forms.RadioSelect, initial="accept")
    name = forms.CharField(label=_("Organisatie"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("Soort"), choices=Kind.choices)
    contact = forms.CharField(label=_("Contactpersoon"), max_length=200, required=False)
    address = forms.CharField(label=_("Adres"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    phones = forms.CharField(label=_("Telefoonnummers"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                             help_text=_("Eén per regel; een toelichting mag tussen haakjes erachter."))
    email = forms.EmailField(label=_("E-mailadres"), required=False)
    website = forms.CharField(label=_("Website"), max_length=300, required=False)
    notes = forms.CharField(label=_("Opmerkingen"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    on_emergency_sheet = forms.BooleanField(label=_("Op het noodblad"), required=False)

    @staticmethod
    def initial_for(org: parser.ParsedOrganisation) -> dict:
        return {
            "decision": "accept", "name": org.name, "kind": org.kind, "contact": org.contact,
            "address": org.address, "email": org.email, "website": org.website, "notes": org.notes,
            "phones": "\n".join(f"{number} ({note})" if note else number for number, note in org.phones),
            "on_emergency_sheet": org.on_emergency_sheet,
        }

    def clean_website(self):
        return _clean_website(self.cleaned_data["website"])

    def clean(self):
        data = super().clean()
        if data.get("decision") == "accept" and not " ".join((data.get("name") or "").split()):
            self.add_error("name", _("Vul een naam in of kies 'Overslaan'."))
        return data

    def phones_list(self) -> list[tuple[str, str]]:
        phones = []
        for line in self.cleaned_data["phones"].splitlines():
            found, leftover = parser.parse_phones(line)
            if found:
                phones.extend(found)
            elif leftover:
                phones.append((leftover[:40], ""))
        return phones

    def as_parsed(self) -> parser.ParsedOrganisation:
        data = self.cleaned_data
        return parser.ParsedOrganisation(
            name=" ".join(data["name"].split()), kind=data["kind"], contact=data["contact"].strip(),
            address=data["address"].strip(), phones=self.phones_list(), email=data["email"].strip().lower(),
            website=data["website"], notes=data["notes"].strip(), on_emergency_sheet=data["on_emergency_sheet"],
        )


PreviewFormSet = forms.formset_factory(PreviewRowForm, extra=0)
