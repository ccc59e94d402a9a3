"""Entry forms for what happens around the steps of the meldcode: the care-team meeting, complaints about the
handling of the case, the parent's own statement, and the handover to a new school or a care provider. Only the
coordinators and the directie record them (cases.models.COORDINATOR_KINDS)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.entry_form_base import DATE_WIDGET, TEXT, EntryForm, jsonable
from cases.models import EntryKind


class CareTeamForm(EntryForm):
    """A meeting of the zorgteam (ZAT, ondersteuningsteam, MDO) where the pupil was discussed: who attended, on what
    basis the pupil was discussed by name, what was discussed, and the agreed actions as tasks with an owner.

    Discussing a pupil by name with people outside the school needs a basis: the consent of the parents with
    gezag, or, without it, a reason that asking would endanger the child (AVG art. 6; Landelijk model meldcode
    2019, stap 2: anonymous consultation is always possible)."""

    kind = EntryKind.CARE_TEAM
    fact_fields = ("basis", "actions")
    ACTIONS = 3

    meeting = forms.CharField(label=_("Welk overleg"), max_length=200, initial=_("Zorgteam"),
                              help_text=_("Bijv. zorgteam, ZAT, ondersteuningsteam of multidisciplinair overleg."))
    attendees = forms.CharField(label=_("Wie waren erbij"), widget=TEXT,
                                help_text=_("Naam en functie of organisatie, één per regel."))
    basis = forms.ChoiceField(label=_("Hoe is de leerling besproken?"), widget=forms.RadioSelect, choices=[
        ("anonymous", _("Anoniem: zonder naam of gegevens waaraan het kind te herkennen is")),
        ("consent", _("Met naam, met toestemming van de ouder(s) met gezag")),
        ("no_consent", _("Met naam, zonder toestemming: toestemming vragen zou de veiligheid van het kind "
                         "in gevaar brengen")),
    ])
    basis_reason = forms.CharField(label=_("Waarom zonder toestemming"), widget=TEXT, required=False,
                                   help_text=_("Alleen bij bespreken met naam zonder toestemming."))
    discussed = forms.CharField(label=_("Wat is besproken"), widget=TEXT,
                                help_text=_("Feiten en afspraken; geen meningen over de ouders."))

    # Declared on the class (not added per instance) so that the dossier shows them with their labels.
    action_1 = forms.CharField(label=_("Afgesproken actie 1"), max_length=300, required=False)
    owner_1 = forms.ChoiceField(label=_("Wie doet actie 1"), required=False)
    due_1 = forms.DateField(label=_("Actie 1 klaar op"), widget=DATE_WIDGET, required=False)
    action_2 = forms.CharField(label=_("Afgesproken actie 2"), max_length=300, required=False)
    owner_2 = forms.ChoiceField(label=_("Wie doet actie 2"), required=False)
    due_2 = forms.DateField(label=_("Actie 2 klaar op"), widget=DATE_WIDGET, required=False)
    action_3 = forms.CharField(label=_("Afgesproken actie 3"), max_length=300, required=False)
    owner_3 = forms.ChoiceField(label=_("Wie doet actie 3"), required=False)
    due_3 = forms.DateField(label=_("Actie 3 klaar op"), widget=DATE_WIDGET, required=False)
    external_agreements = forms.CharField(
        label=_("Afspraken met partners buiten de school"), widget=TEXT, required=False,
        help_text=_("Wat bijvoorbeeld het wijkteam of de jeugdarts doet; zij krijgen hier geen taak."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        owners = [("", _("Kies wie"))] + self.owner_choices()
        for n in range(1, self.ACTIONS + 1):
            self.fields[f"owner_{n}"].choices = owners

    def owner_choices(self) -> list[tuple[str, str]]:
        """Only people who can open this dossier: a task for someone who cannot would lead to a closed door."""
        if self.case is None:
            return []
        from accounts.models import User

        ids = set(self.case.members.values_list("user_id", flat=True))
        if self.case.coordinator_id:
            ids.add(self.case.coordinator_id)
        people = User.objects.filter(pk__in=ids, is_active=True).order_by("full_name")
        return [(str(person.pk), person.full_name or person.email) for person in people]

    def clean(self):
        data = super().clean()
        if data.get("basis") == "no_consent" and not (data.get("basis_reason") or "").strip():
            self.add_error("basis_reason", _("Schrijf op waarom de leerling zonder toestemming met naam is besproken."))
        if data.get("basis") == "consent" and self.case is not None and not consent_given(self.case):
            self.add_error("basis", _("In dit dossier is geen geldende toestemming van de ouders vastgelegd. Leg die "
                                      "eerst vast, of kies hoe de leerling anders is besproken."))
        start = data.get("occurred_at")
        for n in range(1, self.ACTIONS + 1):
            action, owner, due = data.get(f"action_{n}"), data.get(f"owner_{n}"), data.get(f"due_{n}")
            if not (action or owner or due):
                continue
            if not action:
                self.add_error(f"action_{n}", _("Beschrijf de actie, of maak ook wie en wanneer leeg."))
            if not owner:
                self.add_error(f"owner_{n}", _("Kies wie deze actie doet."))
            if not due:
                self.add_error(f"due_{n}", _("Kies wanneer deze actie klaar moet zijn."))
            elif start and due < timezone.localtime(start).date():
                self.add_error(f"due_{n}", _("Deze datum ligt vóór het overleg."))
        return data

    def actions(self) -> list[dict]:
        return [{"owner": int(self.cleaned_data[f"owner_{n}"]), "due": self.cleaned_data[f"due_{n}"].isoformat()}
                for n in range(1, self.ACTIONS + 1) if self.cleaned_data.get(f"action_{n}")]

    def content(self):
        content = super().content()
        names = dict(self.fields["owner_1"].choices) if self.ACTIONS else {}
        for n in range(1, self.ACTIONS + 1):
            if content.get(f"owner_{n}"):
                content[f"owner_{n}"] = str(names.get(content[f"owner_{n}"], ""))
        return content

    def facts(self):
        return {"basis": self.cleaned_data.get("basis"), "actions": self.actions()}


def consent_given(case) -> bool:
    """Whether the latest consent that counts stands: given by a parent with gezag, and not refused or withdrawn
    since (cases.journal.consent_status)."""
    from cases.journal import consent_status

    return consent_status(case) == "given"
def _readable_content(form, skip=()) -> dict:
    """All answers as the dossier shows them: the structured ones too (also kept as facts), dates as 31-12-2026."""
    content = {}
    for name, value in form.cleaned_data.items():
        if name in form.meta_fields or name in skip or value in (None, "", []):
            continue
        content[name] = value.strftime("%d-%m-%Y") if hasattr(value, "strftime") else jsonable(value)
    return content


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise forms.ValidationError(_("Deze datum ligt in de toekomst."))
    return value


class ComplaintForm(EntryForm):
    """A complaint about the handling of the case: to the school, to the Landelijke Klachtencommissie, or raised
    through the vertrouwenspersoon. A later step (hearing, decision) is a new complaint entry that follows it."""

    kind = EntryKind.COMPLAINT
    fact_fields = ("channel", "received_on", "handled_on", "decided_on", "outcome", "follows")
    CHANNELS = [("school", _("Bij de school (interne klachtenregeling)")),
                ("lkc", _("Bij de Landelijke Klachtencommissie (LKC)")),
                ("vertrouwenspersoon", _("Via de vertrouwenspersoon"))]
    OUTCOMES = [("pending", _("Nog in behandeling")), ("founded", _("Gegrond")),
                ("partly_founded", _("Deels gegrond")), ("unfounded", _("Ongegrond")),
                ("inadmissible", _("Niet-ontvankelijk")), ("withdrawn", _("Ingetrokken")),
                ("settled", _("Opgelost in overleg"))]

    follows = forms.ChoiceField(label=_("Vervolg op een eerder vastgelegde klacht"), required=False)
    complainant = forms.CharField(label=_("Door wie"), max_length=200,
                                  help_text=_("Naam en rol, bijv. ‘Marieke de Vries, moeder’."))
    channel = forms.ChoiceField(label=_("Bij wie ingediend"), choices=CHANNELS, widget=forms.RadioSelect)
    received_on = forms.DateField(label=_("Datum van ontvangst"), widget=DATE_WIDGET)
    subject = forms.CharField(label=_("Waarover gaat de klacht?"), widget=TEXT,
                              help_text=_("Over de behandeling van het dossier, niet een herhaling van de inhoud."))
    handled_on = forms.DateField(label=_("Datum van behandeling of hoorzitting"),
                                 widget=DATE_WIDGET, required=False)
    handling = forms.CharField(label=_("Hoe is de klacht behandeld?"), widget=TEXT, required=False)
    outcome = forms.ChoiceField(label=_("Uitkomst"), choices=OUTCOMES, initial="pending")
    decided_on = forms.DateField(label=_("Datum van de uitspraak of het besluit"),
                                 widget=DATE_WIDGET, required=False)
    decision = forms.CharField(label=_("Uitspraak of besluit en wat de school ermee doet"),
                               widget=TEXT, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        earlier = []
        if self.case is not None and self.case.pk:
            earlier = self.case.saved_entries().filter(kind=EntryKind.COMPLAINT).order_by("occurred_at", "pk")
        self.fields["follows"].choices = [("", _("(nee, een nieuwe klacht)"))] + [
            (str(e.pk), _("Klacht %(n)s van %(date)s") % {
                "n": e.seq, "date": timezone.localtime(e.occurred_at).strftime("%d-%m-%Y")}) for e in earlier]

    def clean_follows(self):
        value = self.cleaned_data.get("follows")
        return int(value) if value else None

    def content(self):
        content = _readable_content(self, skip=("follows",))
        if self.cleaned_data.get("follows"):
            content["follows"] = dict(self.fields["follows"].choices)[str(self.cleaned_data["follows"])]
        return content

    def clean_received_on(self):
        return _not_in_future(self.cleaned_data.get("received_on"))

    def clean_handled_on(self):
        return _not_in_future(self.cleaned_data.get("handled_on"))

    def clean_decided_on(self):
        return _not_in_future(self.cleaned_data.get("decided_on"))

    def clean(self):
        data = super().clean()
        received, handled, decided = data.get("received_on"), data.get("handled_on"), data.get("decided_on")
        if received and handled and handled < received:
            self.add_error("handled_on", _("De behandeling ligt vóór de ontvangst van de klacht."))
        if received and decided and decided < received:
            self.add_error("decided_on", _("De uitspraak ligt vóór de ontvangst van de klacht."))
        if data.get("outcome") not in (None, "", "pending") and not decided:
            self.add_error("decided_on", _("Vul de datum van de uitspraak of het besluit in."))
        return data


class StatementForm(EntryForm):
    """The parent's or pupil's own statement (zienswijze) about entries of the dossier, in their words. It is kept
    with the dossier and goes along in every document that holds an entry it is about (documents.dossier)."""

    kind = EntryKind.STATEMENT
    fact_fields = ("concerns", "by_whom")

    by_whom = forms.ChoiceField(label=_("Van wie"), choices=[("parent", _("Ouder")), ("pupil", _("Leerling"))],
                                widget=forms.RadioSelect)
    name = forms.CharField(label=_("Naam"), max_length=200, help_text=_("Bijv. ‘Marieke de Vries, moeder’."))
    received_on = forms.DateField(label=_("Ontvangen op"), widget=DATE_WIDGET)
    concerns = forms.MultipleChoiceField(label=_("Over welke journaalregels?"), widget=forms.CheckboxSelectMultiple,
                                         help_text=_("De zienswijze gaat mee in elk document met deze regels."))
    text = forms.CharField(label=_("De zienswijze, in de woorden van de ouder of leerling"),
                           widget=forms.Textarea(attrs={"rows": 8}),
                           help_text=_("Neem de tekst letterlijk over. Na vastleggen verandert niemand hem; een fout in het "
                                       "overnemen herstelt u met een correctie, het origineel blijft staan."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        entries = []
        if self.case is not None and self.case.pk:
            entries = (self.case.saved_entries().exclude(kind=EntryKind.STATEMENT).filter(corrects__isnull=True)
                       .order_by("seq"))
        self.entry_labels = {str(e.pk): f"{e.seq}. {e.get_kind_display()} "
                             f"({timezone.localtime(e.occurred_at).strftime('%d-%m-%Y')})" for e in entries}
        self.fields["concerns"].choices = list(self.entry_labels.items())

    def clean_received_on(self):
        return _not_in_future(self.cleaned_data.get("received_on"))

    def clean(self):
        data = super().clean()
        data["concerns"] = [int(pk) for pk in data.get("concerns") or ()]
        return data

    def content(self):
        content = _readable_content(self, skip=("concerns",))
        content["concerns_list"] = "; ".join(self.entry_labels[str(pk)] for pk in self.cleaned_data["concerns"])
        return content


class HandoverForm(EntryForm):
    """The warm handover when a pupil leaves mid-case or goes to secondary school. Nothing is sent from here: the
    school talks to the receiving school, and the dossier itself stays at the school."""

    kind = EntryKind.HANDOVER
    fact_fields = ("basis", "discussed_on")
    BASES = [("consent", _("Toestemming van de ouder(s) met gezag")),
             ("legal_duty", _("Wettelijke plicht: onderwijskundig rapport (art. 42 WPO)")),
             ("vital_interest", _("Zwaarwegend belang van het kind (veiligheid), zonder toestemming"))]

    receiving_school = forms.CharField(label=_("Ontvangende school"), max_length=200)
    discussed_with = forms.CharField(label=_("Besproken met"), max_length=200,
                                     help_text=_("Naam en functie bij de ontvangende school."))
    discussed_on = forms.DateField(label=_("Datum van het gesprek"), widget=DATE_WIDGET)
    basis = forms.ChoiceField(label=_("Op welke grond"), choices=BASES, widget=forms.RadioSelect)
    shared = forms.CharField(label=_("Wat is gedeeld"), widget=TEXT,
                             help_text=_("Alleen wat de ontvangende school nodig heeft voor de veiligheid van het kind."))
    parents_told = forms.CharField(label=_("Wat is de ouders verteld"), widget=TEXT)
    safety_paragraph = forms.CharField(
        label=_("Veiligheidsparagraaf voor het onderwijskundig rapport"), widget=TEXT,
        help_text=_("Deze tekst komt in het document; de ouders krijgen er een kopie van."))

    def clean_discussed_on(self):
        return _not_in_future(self.cleaned_data.get("discussed_on"))

    def content(self):
        return _readable_content(self)
