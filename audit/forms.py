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
    ("pupil", _("Leerlingen (alle)")),
    ("guardian", _("Ouders/verzorgers (alle)")),
    ("schools", _("Importen van leerlingen en medewerkers")),
    ("staff", _("Medewerkers en rollen (alle)")),
    ("retention", _("Bewaartermijn (alle)")),
    # A code without a dot filters on the whole area: "socialmap" finds socialmap.organisation_created etc.
    ("socialmap", _("Sociale kaart gewijzigd")),
    ("meldcode.adopt", _("Meldcode vastgesteld")),
    ("audit", _("Inzage in de audittrail")),
]


class AuditSearchForm(forms.Form):
    date_from = forms.DateField(label=_("Vanaf"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("Tot en met"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    actor = forms.CharField(label=_("Medewerker"), required=False, max_length=200,
                            help_text=_("Een deel van de naam of het e-mailadres."))
    action = forms.ChoiceField(label=_("Handeling"), required=False, choices=ACTION_CHOICES)
    case = forms.CharField(label=_("Dossierkenmerk"), required=False, max_length=9,
                           help_text=_("Het kenmerk zoals op de dossierpagina, bijv. K7Q2-M4PX."))

    def clean_case(self):
        return self.cleaned_data["case"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("date_from") and cleaned.get("date_to") and cleaned["date_from"] > cleaned["date_to"]:
            raise forms.ValidationError(_("De begindatum ligt na de einddatum."))
        return cleaned


# Readable names for the actions in the trail (the code stays visible in the title attribute).
ACTION_LABELS = {
    **{code: label for code, label in ACTION_CHOICES if "." in code},
    "case.create": _("Dossier geopend"),
    "case.list": _("Dossieroverzicht bekeken"),
    "case.search": _("Dossiers gezocht"),
    "case.view_meta": _("Gegevens over een dossier bekeken"),
    "case.team_view": _("Team van een dossier bekeken"),
    "case.acute_view": _("Noodnummers bij een dossier bekeken"),
    "case.sibling_added": _("Broer of zus aan dossier gekoppeld"),
    "entry.form": _("Formulier in een dossier geopend"),
    "entry.draft": _("Concept bewaard"),
    "entry.correct": _("Correctie vastgelegd"),
    "entry.sign": _("Ondertekening vastgelegd"),
    "entry.rejected": _("Onvolledige invoer geweigerd"),
    "entry.conflict": _("Gelijktijdige wijziging geweigerd"),
    "entry.attachment": _("Bijlage gedownload"),
    "task.done": _("Actie afgevinkt"),
    "auth.2fa": _("Tweestapscode gebruikt"),
    "auth.2fa_failed": _("Verkeerde tweestapscode"),
    "auth.2fa_enrolled": _("Authenticator ingesteld"),
    "auth.reauth_failed": _("Herbevestiging mislukt"),
    "audit.search": _("Audittrail doorzocht"),
    "audit.verify": _("Audittrail gecontroleerd"),
    "audit.anchored": _("Anker van de audittrail vastgelegd"),
    "retention.destroy": _("Dossier vernietigd na bewaartermijn"),
    "retention.warn": _("Waarschuwing bewaartermijn verstuurd"),
    "retention.recompute": _("Bewaartermijn opnieuw berekend"),
    "export.preview": _("Voorbeeld van een export bekeken"),
    "export.dossier_pdf": _("Export gemaakt (dossier-PDF)"),
    "export.vt_summary": _("Export gemaakt (samenvatting voor Veilig Thuis)"),
    "export.anonymised": _("Export gemaakt (geanonimiseerde samenvatting)"),
    "export.inspection": _("Export gemaakt (inzage voor ouder of leerling)"),
    "export.evaluation_pdf": _("Export gemaakt (jaarevaluatie, PDF)"),
    "export.evaluation_csv": _("Export gemaakt (jaarevaluatie, CSV)"),
    "export.download": _("Export gedownload"),
    "export.rate_limited": _("Export geweigerd (te veel verzoeken)"),
    "access.break_glass_rate_limited": _("Noodtoegang geweigerd (te vaak gevraagd)"),
    "evaluation.view": _("Jaarevaluatie bekeken"),
    "training.create": _("Scholing geregistreerd"),
    "training.update": _("Scholingsregistratie gewijzigd"),
    "training.delete": _("Scholingsregistratie verwijderd"),
    "staff.role_added": _("Rol aan medewerker gegeven"),
    "staff.role_removed": _("Rol van medewerker ingetrokken"),
    "case.coordinator_change": _("Coördinator van dossier gewijzigd"),
    "school.settings_changed": _("Instellingen voor dossiers gewijzigd (toegang, Verwijsindex, bewaartermijn)"),
    "staff.role_requested": _("Rol aangevraagd (wacht op bevestiging door de directie)"),
    "staff.role_confirmed": _("Aangevraagde rol bevestigd door de directie"),
    "staff.role_refused": _("Aangevraagde rol geweigerd door de directie"),
    "staff.unlocked": _("Account van medewerker ontgrendeld"),
    "staff.two_factor_reset": _("Tweestapsverificatie van medewerker gereset"),
    "staff.password_link_sent": _("Link om wachtwoord te kiezen verstuurd"),
    "staff.change_refused": _("Wijziging aan account geweigerd (eigen account of ander schoolbestuur)"),
    "auth.locked_out": _("Account of adres tijdelijk geblokkeerd na verkeerde wachtwoorden"),
    "auth.password_set": _("Wachtwoord gekozen via link"),
    "auth.password_reset_requested": _("Link voor nieuw wachtwoord aangevraagd (wachtwoord vergeten)"),
    "auth.password_reset_rate_limited": _("Wachtwoord vergeten geweigerd (te veel verzoeken)"),
    "auth.invitation_sent": _("Uitnodiging verstuurd aan eerste directie of functioneel beheerder"),
    "setup.board_created": _("Schoolbestuur aangemaakt"),
    "setup.school_created": _("School aangemaakt"),
    "pupil.created": _("Leerling toegevoegd"),
    "pupil.updated": _("Leerlinggegevens gewijzigd"),
    "guardian.created": _("Ouder/verzorger toegevoegd"),
    "guardian.updated": _("Gegevens van ouder/verzorger gewijzigd"),
    "guardian.deleted": _("Ouder/verzorger verwijderd"),
    "schools.pupils_imported": _("Leerlingen geïmporteerd"),
    "schools.staff_imported": _("Medewerkers geïmporteerd"),
    "meldcode.upload": _("Nieuwe versie van de meldcode geüpload"),
    "socialmap.organisation_created": _("Organisatie aan sociale kaart toegevoegd"),
    "socialmap.organisation_updated": _("Organisatie op sociale kaart gewijzigd"),
    "socialmap.organisation_deleted": _("Organisatie van sociale kaart verwijderd"),
    "socialmap.imported": _("Sociale kaart geïmporteerd"),
}
