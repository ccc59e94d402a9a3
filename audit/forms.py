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
    "entry.confirm_view": _("Besluit ter controle getoond (nog niet vastgelegd)"),
    "pupil.search": _("Leerling gezocht voor een signaal"),
    "case.route_change": _("Route van een dossier gewijzigd (acuut gevaar)"),
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
    "auth.sso_login": _("Ingelogd met schoolaccount"),
    "auth.sso_refused": _("Inloggen met schoolaccount geweigerd"),
    "auth.sso_unreachable": _("Inlogdienst van de school niet bereikbaar"),
    "auth.sso_configured": _("Inloggen met schoolaccount ingesteld"),
    "auth.password_refused_sso": _("Wachtwoord geweigerd: schoolaccount verplicht"),
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
    "access_request.create": _("Inzageverzoek vastgelegd"),
    "meldcode.board_adopt": _("Meldcode vastgesteld door het bestuur"),
    "meldcode.board_view": _("Meldcode van het bestuur bekeken"),
    "meldcode.convert_decide": _("Voorstel uit een omgezet document beoordeeld"),
    "meldcode.convert_socialmap": _("Sociale kaart uit een omgezet document doorgegeven"),
    "meldcode.convert_upload": _("Meldcodedocument geüpload om om te zetten"),
    "meldcode.convert_view": _("Omzetting van een meldcodedocument bekeken"),
    "access_request.extend": _("Termijn van een inzageverzoek verlengd"),
    "information_request.create": _("Informatieverzoek vastgelegd (Veilig Thuis, Raad of gecertificeerde instelling)"),
    "information_request.view": _("Informatieverzoek bekeken"),
    "information_request.answer": _("Informatieverzoek beantwoord"),
    "information_request.parents_told": _("Vastgelegd dat de ouders achteraf over een informatieverzoek zijn geïnformeerd"),
    "export.information": _("Export gemaakt (antwoord op een informatieverzoek)"),
    "export.handover": _("Export gemaakt (onderwijskundig rapport: veiligheidsparagraaf)"),
    "signal.own_create": _("Signaal vastgelegd door onderwijsassistent, stagiair of vrijwilliger"),
    "signal.own_list": _("Eigen signalen bekeken"),
    "signal.own_view": _("Eigen signaal bekeken"),
    "staff.qualification_changed": _("Bevoegdheid voor diagnoses gewijzigd door de directie"),
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


# --- the details of an event, in words -------------------------------------------------------------------------
# Each key that code records in `details` has a label here (audit/tests/test_detail_labels.py reads the code to
# check); values that are codes get their label too, ids of staff become names (in the view), empty is "—".
DETAIL_LABELS = {
    "account": _("Account"),
    "guided": _("Via de afweging stap voor stap"),
    "step": _("Stap van de afweging"),
    "walk": _("Afweging stap voor stap"),
    "draft": _("Concept van de weging"),
    "provider": _("Inlogprovider"),
    "provider_mfa": _("Tweede factor door de provider"),
    "refusal": _("Reden van weigering"),
    "issuer": _("Issuer van de provider"),
    "enabled": _("Actief"),
    "required": _("Schoolaccount verplicht"),
    "brin": _("BRIN-nummer"),
    "change": _("Wijziging"),
    "hash": _("Hash"),
    "known": _("Bekend adres"),
    "mailed_to": _("Gemaild aan (aantal)"),
    "minutes": _("Minuten"),
    "new_account": _("Nieuw account"),
    "school": _("School"),
    "sent": _("Verstuurd"),
    "seq": _("Volgnummer"),
    "slug": _("Korte naam"),
    # People and roles
    "user": _("Medewerker"),
    "requested_by": _("Aangevraagd door"),
    "added_user_id": _("Toegevoegd aan het team"),
    "removed_user_id": _("Uit het team gehaald"),
    "from_user_id": _("Vorige coördinator"),
    "to_user_id": _("Nieuwe coördinator"),
    "role": _("Rol"),
    "attempted_email": _("Ingevuld e-mailadres"),
    "device": _("Tweede factor"),
    "devices": _("Verwijderde tweede factoren"),
    "cleared": _("Mislukte inlogpogingen gewist"),
    # Pupils, parents and what changed
    "pupil": _("Leerling (intern nummer)"),
    "pupil_id": _("Leerling (intern nummer)"),
    "guardian": _("Ouder/verzorger (intern nummer)"),
    "fields": _("Gewijzigde gegevens"),
    "values": _("Nieuwe instellingen"),
    # Dossiers
    "case_id": _("Dossier (intern nummer)"),
    "kind": _("Soort"),
    "route": _("Route"),
    "status": _("Getoonde dossiers"),
    "results": _("Aantal gevonden dossiers"),
    "from": _("Bewaren tot (was)"),
    "to": _("Bewaren tot (nu)"),
    "retain_until": _("Bewaren tot"),
    "recipients": _("Aantal ontvangers"),
    "deletion_record": _("Verslag van vernietiging (nummer)"),
    "entries": _("Aantal aantekeningen"),
    "mode": _("Wijze"),
    # Exports, inspection, evaluation, training
    "inspection": _("Inzage (nummer)"),
    "access_request": _("Inzageverzoek (nummer)"),
    "all_schools": _("Alle scholen"),
    "board_adoption_id": _("Vaststelling door het bestuur (nummer)"),
    "board_id": _("Bestuur (nummer)"),
    "confidence": _("Zekerheid"),
    "conversion_draft_id": _("Omzetting (nummer)"),
    "draft_id": _("Omzetting (nummer)"),
    "organisations": _("Organisaties"),
    "proposals": _("Voorstellen"),
    "quick": _("Snel vastgelegd"),
    "template": _("Sjabloon"),
    "received_on": _("Ontvangen op"),
    "deadline": _("Uiterste datum"),
    "information_request": _("Informatieverzoek (nummer)"),
    "requester_kind": _("Wie vraagt"),
    "legal_basis": _("Grondslag"),
    "parents_told": _("Ouders geïnformeerd"),
    "parents_told_on": _("Ouders geïnformeerd op"),
    "opened_case": _("Dossier hiervoor geopend"),
    "entry": _("Journaalregel (nummer)"),
    "qualified": _("Bevoegd voor diagnoses"),
    "withheld": _("Achtergehouden onderdelen"),
    "grounds": _("Gronden om achter te houden"),
    "rejected": _("Geweigerd"),
    "job": _("Export (nummer)"),
    "year": _("Schooljaar"),
    "board": _("Bestuur (intern nummer)"),
    "training": _("Scholing (nummer)"),
    # The school's meldcode
    "version_id": _("Meldcodeversie (intern nummer)"),
    "adoption_id": _("Vaststelling (intern nummer)"),
    "key": _("Meldcode"),
    "version": _("Versie"),
    "sha256": _("Vingerafdruk van het bestand (SHA-256)"),
    # Sociale kaart and imports
    "organisation": _("Organisatie (intern nummer)"),
    "shared": _("Gedeeld door het bestuur"),
    "source": _("Bron"),
    "rows": _("Aantal regels"),
    "created": _("Nieuw"),
    "updated": _("Gewijzigd"),
    "unchanged": _("Ongewijzigd"),
    "skipped": _("Overgeslagen"),
    # Looking into the trail (the search filters and the check)
    "date_from": _("Vanaf"),
    "date_to": _("Tot en met"),
    "actor": _("Medewerker"),
    "action": _("Handeling"),
    "case": _("Dossierkenmerk"),
    "ok": _("Trail volledig en ongewijzigd"),
    "checked": _("Aantal gecontroleerde gebeurtenissen"),
    "first_bad_seq": _("Eerste afwijkende gebeurtenis"),
}

# Keys whose value is the id of a staff member: the view shows the name.
USER_KEYS = frozenset({"user", "requested_by", "added_user_id", "removed_user_id", "from_user_id", "to_user_id"})
# Keys whose value is an ISO date ("2026-12-02"): shown as a Dutch date.
DATE_KEYS = frozenset({"from", "to", "retain_until", "date_from", "date_to"})
EMPTY = "—"


def _value_labels() -> dict[str, dict]:
    """Labels for values that are codes, per key (built when first used: the models load after this module)."""
    from accounts.roles import Role
    from cases.models import Case, EntryKind, Route
    from documents.models import ExportKind, InspectionGround
    from inquiries.models import LegalBasis, ParentsTold, Requester, WithholdGround

    return {
        "device": {"TOTPDevice": _("authenticator-app"), "StaticDevice": _("herstelcode"),
                   "ProviderMFADevice": _("schoolaccount met meervoudige authenticatie")},
        "role": dict(Role.choices),
        "refusal": {"unknown": _("geen medewerker met dit adres"), "unverified": _("adres niet bevestigd"),
                    "domain": _("adres op een ander domein"), "no_email": _("geen e-mailadres in het token"),
                    "token": _("token ongeldig"), "no_session": _("verlopen of al gebruikt"),
                    "provider_error": _("afgebroken bij de provider"), "unreachable": _("provider niet bereikbaar")},
        "kind": {**dict(EntryKind.choices), **dict(ExportKind.choices),
                 "inspection_review": _("Beoordeling vóór inzage"),
                 "information_request": _("Antwoord op een informatieverzoek")},
        "route": dict(Route.choices),
        "status": {**dict(Case.Status.choices), "all": _("Alle")},
        "mode": {"destroyed": _("inhoud vernietigd")},
        "source": {"import": _("import uit het meldcodedocument")},
        "grounds": {**dict(InspectionGround.choices), **dict(WithholdGround.choices)},
        "requester_kind": dict(Requester.choices),
        "legal_basis": dict(LegalBasis.choices),
        "parents_told": dict(ParentsTold.choices),
        "action": {code: label for code, label in ACTION_CHOICES if code} | ACTION_LABELS,
    }


# The model whose field names an action's "fields" and "values" list, by the area of the action code.
_FIELD_MODELS = {"pupil": "schools.Pupil", "guardian": "schools.Guardian", "school": "schools.School",
                 "socialmap": "socialmap.Organisation"}


def _field_label(action: str, name: str) -> str:
    from django.apps import apps
    from django.core.exceptions import FieldDoesNotExist

    model = _FIELD_MODELS.get(action.split(".")[0])
    if model:
        try:
            return str(apps.get_model(model)._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            pass
    return name.replace("_", " ")


def detail_value(key: str, value, *, action: str = "", names: dict | None = None) -> str:
    """One recorded value in words: "TOTPDevice" -> "authenticator-app", None -> "—", True -> "ja"."""
    from django.utils import formats
    from django.utils.dateparse import parse_date

    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return str(_("ja") if value else _("nee"))
    if isinstance(value, list):
        return ", ".join(detail_value(key, item, action=action, names=names) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_field_label(action, str(name))}: {detail_value('', item, action=action, names=names)}"
                         for name, item in value.items())
    if key in USER_KEYS and names is not None:
        return names.get(value) or names.get(str(value)) or str(_("medewerker nr. %(id)s") % {"id": value})
    if key == "fields":
        return _field_label(action, str(value))
    if key in DATE_KEYS and isinstance(value, str):
        day = parse_date(value[:10]) if len(value) >= 10 else None
        if day:
            return formats.date_format(day, "DATE_FORMAT")
    labels = _value_labels().get(key)
    if labels and value in labels:
        return str(labels[value])
    return str(value)


def describe_details(details: dict | None, *, action: str = "", names: dict | None = None) -> list[tuple[str, str]]:
    """[(label, value)] for the details of one event, in the order they were recorded."""
    return [(str(DETAIL_LABELS.get(key, key.replace("_", " "))), detail_value(key, value, action=action, names=names))
            for key, value in (details or {}).items()]
