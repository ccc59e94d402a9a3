import re

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 512 * 1024  # for the file and the pasted text alike: a meldcode is a few dozen kB
# YAML allows no control characters but tab and line ends; the parser would stop with an error of its own.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class UploadForm(forms.Form):
    """A new meldcode version: an uploaded YAML file, or the text pasted into the box."""

    file = forms.FileField(label=_("Meldcodebestand (YAML)"), required=False,
                           help_text=_("Een .yaml-bestand in het formaat van de handleiding."))
    text = forms.CharField(label=_("Of plak de tekst van het bestand"), required=False,
                           widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}))

    def clean(self):
        cleaned = super().clean()
        upload, text = cleaned.get("file"), (cleaned.get("text") or "").strip()
        # Checked before anything reads the text: the validator would otherwise parse megabytes of YAML.
        if len(text) > MAX_UPLOAD_BYTES or len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
            self.data = self.data.copy()
            self.data[self.add_prefix("text")] = ""  # not sent back to the browser in full
            raise forms.ValidationError(_("De geplakte tekst is groter dan 512 kB; dat is geen meldcode. Controleer "
                                          "of u het juiste bestand hebt gekopieerd."))
        if upload and text:
            raise forms.ValidationError(_("Kies een bestand óf plak de tekst, niet allebei."))
        if not upload and not text:
            raise forms.ValidationError(_("Kies een bestand of plak de tekst van de meldcode."))
        if upload:
            if upload.size > MAX_UPLOAD_BYTES:
                raise forms.ValidationError(_("Het bestand is groter dan 512 kB; dat is geen meldcode."))
            try:
                cleaned["source"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise forms.ValidationError(_("Het bestand is geen tekst in UTF-8. Sla het op als UTF-8 en probeer "
                                              "het opnieuw.")) from error
            cleaned["filename"] = upload.name
            if CONTROL.search(cleaned["source"]):
                raise forms.ValidationError(_("Het bestand bevat onzichtbare stuurtekens (zoals een nul-teken); dat "
                                              "is geen meldcodebestand. Sla het op als platte tekst in UTF-8."))
        else:
            cleaned["source"] = text + "\n"
            cleaned["filename"] = "meldcode.yaml"
        return cleaned


class AdoptForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Ik bevestig dat het bevoegd gezag deze versie heeft vastgesteld. Nieuwe dossiers volgen haar; "
                "lopende dossiers houden hun versie."),
        required=True, error_messages={"required": _("Vink de bevestiging aan om deze versie vast te stellen.")},
    )


class BoardAdoptForm(forms.Form):
    """A board adopts one version for all its schools or for the schools it ticks."""

    version = forms.ModelChoiceField(label=_("Meldcodeversie"), queryset=None,
                                     error_messages={"required": _("Kies de versie die het bestuur vaststelt."),
                                                     "invalid_choice": _("Kies een versie uit de lijst.")})
    scope = forms.ChoiceField(label=_("Voor welke scholen?"), widget=forms.RadioSelect, initial="all", choices=[
        ("all", _("Alle scholen van het bestuur")), ("some", _("Alleen de scholen die ik hieronder aanvink"))])
    schools = forms.ModelMultipleChoiceField(label=_("Scholen"), queryset=None, required=False,
                                             widget=forms.CheckboxSelectMultiple,
                                             error_messages={"invalid_choice": _("Kies scholen van dit bestuur.")})
    confirm = forms.BooleanField(
        label=_("Ik bevestig dat het bestuur (bevoegd gezag) deze versie heeft vastgesteld. Nieuwe dossiers van de "
                "gekozen scholen volgen haar; een school die daarna een eigen versie vaststelt, houdt die."),
        error_messages={"required": _("Vink de bevestiging aan om deze versie vast te stellen.")})

    def __init__(self, *args, board, **kwargs):
        from django.db.models import Q

        from protocol.models import MeldcodeVersion
        from schools.models import School

        super().__init__(*args, **kwargs)
        self.board = board
        self.fields["version"].queryset = MeldcodeVersion.objects.filter(
            Q(owner_school__isnull=True, owner_board__isnull=True) | Q(owner_board=board)).order_by("title", "-created_at")
        self.fields["schools"].queryset = School.objects.filter(board=board).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("scope") == "some" and not data.get("schools"):
            self.add_error("schools", _("Vink minstens één school aan, of kies ‘Alle scholen van het bestuur’."))
        version = data.get("version")
        if version is not None and version.legal_problems():
            self.add_error("version", _("Deze versie voldoet niet aan het wettelijk minimum en kan niet worden "
                                        "vastgesteld. Upload een verbeterde versie."))
        return data
