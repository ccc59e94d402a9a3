from django import forms
from django.utils.translation import gettext_lazy as _

ACTION_CHOICES = [
    ("", _("Alle handelingen")),
    ("case", _("Dossiers (alle)")),
    ("case.view", _("Dossier bekeken")),
    ("entry.create", _("Aantekening vastgelegd")),
    ("export", _("Exports (alle)")),
    ("access.break_glass", _("Noodtoegang (break-glass)")),
    ("access.team_change", _("Wijziging in wie toegang heeft")),
    ("auth", _("Inloggen en uitloggen (alle)")),
    ("auth.login", _("Ingelogd")),
    ("auth.login_failed", _("Mislukte inlogpoging")),
    ("auth.logout", _("Uitgelogd")),
    ("auth.reauth", _("Opnieuw bevestigd")),
    ("socialmap.update", _("Sociale kaart gewijzigd")),
    ("protocol.adopt", _("Meldcode vastgesteld")),
    ("audit", _("Inzage in de audittrail")),
]


class AuditSearchForm(forms.Form):
    date_from = forms.DateField(label=_("Vanaf"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Tot en met"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("Medewerker"), required=False, max_length=200,
                            help_text=_("Een deel van de naam of het e-mailadres."))
    action = forms.ChoiceField(label=_("Handeling"), required=False, choices=ACTION_CHOICES)
    case_id = forms.IntegerField(label=_("Dossiernummer"), required=False, min_value=1)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            raise forms.ValidationError(_("De begindatum ligt na de einddatum."))
        return cleaned
