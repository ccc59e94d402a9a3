"""One form per journal entry kind of the meldcode's steps, and `ENTRY_FORMS`, the form for every kind.

Each form splits what it collects in two: `content()` is narrative and is stored encrypted;
`facts()` are the few structured answers the protocol engine reasons about, stored plain (cases.entry_form_base).
The forms around the steps are in cases.around_forms, the forms about a case itself in cases.case_forms.
"""

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role
from cases.around_forms import CareTeamForm, ComplaintForm, HandoverForm, StatementForm
from cases.entry_form_base import (
    DATE_WIDGET,
    TEXT,
    EntryForm,
    WordedForm,
    jsonable,
)
from cases.models import ClosureReason, EntryKind
from protocol import engine
from protocol.definition import ABSENCE_CATEGORY, LEGAL_GROUNDS


class SignalForm(EntryForm):
    kind = EntryKind.SIGNAL
    fact_fields = ("is_hypothesis", "has_source")

    place = forms.CharField(label=_("Plaats"), max_length=200)
    situation = forms.CharField(label=_("Situatie"), widget=TEXT,
                                help_text=_("Wat was er aan de hand, wat ging eraan vooraf?"))
    others_present = forms.CharField(label=_("Overige aanwezigen"), max_length=300, required=False)
    observation = forms.CharField(
        label=_("Wat heeft u gezien, gehoord of geroken?"), widget=TEXT,
        help_text=_("Beschrijf zo feitelijk mogelijk, in de woorden van het kind als het iets vertelde."))
    is_hypothesis = forms.TypedChoiceField(
        label=_("Feit of hypothese?"), choices=[("0", _("Feit: zelf waargenomen")),
                                                ("1", _("Hypothese of veronderstelling"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="0",
        help_text=_("Een hypothese blijft op het dossier openstaan tot een vervolgaantekening haar bevestigt of ontkracht."))
    source = forms.CharField(label=_("Bron"), max_length=300, required=False,
                             help_text=_("Vul in als de informatie van iemand anders komt (wie, in welke rol)."))
    categories = forms.MultipleChoiceField(label=_("Categorieën uit de signalenlijst"), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    direction = forms.ChoiceField(label=_("Bevestigt of ontkracht dit het vermoeden?"), choices=[
        ("confirms", _("Bevestigt")), ("refutes", _("Ontkracht")), ("unclear", _("Nog onduidelijk"))],
        initial="unclear")
    diagnosis = forms.CharField(label=_("Diagnose"), widget=TEXT, required=False,
                                help_text=_("Alleen door een medewerker die daarvoor geschoold is (bijv. orthopedagoog)."))

    has_source = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.definition is not None:
            self.fields["categories"].choices = [(c.id, c.title) for c in self.definition.signal_list]
        if not (self.user and self.user.qualified_for_diagnosis):
            del self.fields["diagnosis"]

    def clean(self):
        data = super().clean()
        data["has_source"] = bool(data.get("source"))
        return data

    def facts(self):
        facts = super().facts()
        if ABSENCE_CATEGORY in (self.cleaned_data.get("categories") or ()):
            facts["absence"] = True  # only this, not the other categories: facts are stored unencrypted
        if self.cleaned_data.get("diagnosis"):
            # The mark as it stood when recorded: the directie may withdraw it later (qualifications).
            facts["diagnosis_qualified"] = bool(self.user and self.user.qualified_for_diagnosis)
        return facts


class FollowupForm(EntryForm):
    kind = EntryKind.FOLLOWUP
    fact_fields = ("resolves_hypothesis",)

    hypothesis = forms.ChoiceField(label=_("Welke hypothese?"), required=False)
    # No answer chosen in advance: confirming or refuting a hypothesis is the person's own judgement.
    outcome = forms.ChoiceField(label=_("Uitkomst"), choices=[
        ("", _("— Kies de uitkomst —")), ("confirmed", _("Bevestigd")), ("refuted", _("Ontkracht")),
        ("none", _("Nog niet: aanvulling"))], error_messages={"required": _("Kies de uitkomst.")})
    text = forms.CharField(label=_("Vervolgaantekening"), widget=TEXT)
    resolves_hypothesis = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, open_hypotheses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hypothesis"].choices = [("", _("(geen)"))] + [
            (str(e.pk), _("%(kind)s van %(date)s") % {"kind": e.get_kind_display(),
                                                       "date": timezone.localtime(e.occurred_at).strftime("%d-%m-%Y %H:%M")})
            for e in open_hypotheses]

    def clean(self):
        data = super().clean()
        resolves = bool(data.get("hypothesis")) and data.get("outcome") in ("confirmed", "refuted")
        if data.get("outcome") in ("confirmed", "refuted") and not data.get("hypothesis"):
            self.add_error("hypothesis", _("Kies de hypothese die u bevestigt of ontkracht."))
        data["resolves_hypothesis"] = resolves
        return data


class ConsultationForm(EntryForm):
    kind = EntryKind.CONSULTATION
    fact_fields = ("with", "anonymous")

    with_ = forms.ChoiceField(label=_("Met wie?"), choices=[
        ("colleague", _("Een collega")), ("care_team", _("Het zorgteam")),
        ("veilig_thuis", _("Veilig Thuis")), ("organisation", _("Een organisatie van de sociale kaart")),
        ("injury_expert", _("Een letseldeskundige"))])
    colleague_role = forms.ChoiceField(label=_("Rol van de collega"), required=False,
                                       choices=[("", "—")] + list(Role.choices))
    organisation = forms.ChoiceField(label=_("Organisatie"), required=False)
    contact_person = forms.CharField(label=_("Contactpersoon"), max_length=200, required=False)
    anonymous = forms.TypedChoiceField(label=_("Besproken"), choices=[
        ("1", _("Anoniem (zonder naam van het kind)")), ("0", _("Met naam"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="1")
    party = forms.ChoiceField(label=_("Partij uit de meldcode"), required=False,
                              help_text=_("Kies de partij als de meldcode die noemt (bijv. de jeugdarts in stap 4)."))
    question = forms.CharField(label=_("Vraag of zorg die u voorlegde"), widget=TEXT)
    advice = forms.CharField(label=_("Ontvangen advies"), widget=TEXT)

    def __init__(self, *args, organisations=(), consent_given=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent_given = consent_given
        self.fields["organisation"].choices = [("", "—")] + [(str(o.pk), o.name) for o in organisations]
        self.organisation_names = {str(o.pk): o.name for o in organisations}
        if self.has_parties:  # format 2: with which party of the meldcode
            self.fields["party"].choices = [("", "—")] + self.party_choices(roles=False)
        else:
            del self.fields["party"]

    def facts(self):
        facts = super().facts()
        if "party" in self.fields:
            facts["party"] = self.cleaned_data.get("party") or ""
        return facts

    def content(self):
        content = super().content()
        if content.get("party"):  # the dossier shows the party's name
            content["party"] = self.definition.who(content["party"])
        return content

    def clean(self):
        data = super().clean()
        data["with"] = data.pop("with_", None)
        named = data.get("anonymous") is False
        # Veilig Thuis may always be consulted by name; others need the parent's written consent.
        if named and data["with"] in ("care_team", "organisation", "injury_expert") and not self.consent_given:
            self.add_error("anonymous", _(
                "Zonder schriftelijke toestemming van de ouder bespreekt u het kind alleen anoniem "
                "in het zorgteam of met externe deskundigen."))
        if data.get("organisation"):
            data["organisation_name"] = self.organisation_names.get(data["organisation"], "")
        return data


# Art. 1:377c BW: a parent without gezag has a right to information, not a say. Shown where guardians are chosen.
NO_AUTHORITY_HELP = _(
    "Een ouder zonder gezag geeft geen geldige toestemming. Wel heeft hij of zij recht op informatie: op verzoek "
    "geeft de school belangrijke feiten en omstandigheden over het kind door, tenzij dat niet in het belang van het "
    "kind is (art. 1:377c BW).")


class GuardianChoiceField(forms.ModelMultipleChoiceField):
    """The pupil's own guardians (never another pupil's), each shown with whether they hold gezag."""

    def __init__(self, **kwargs):
        from schools.models import Guardian

        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("error_messages", {
            "invalid_choice": _("Kies alleen ouders of verzorgers van deze leerling."),
            "invalid_pk_value": _("Kies alleen ouders of verzorgers van deze leerling."),
            "required": _("Kies de ouder of ouders om wie het gaat."),
        })
        super().__init__(queryset=Guardian.objects.none(), **kwargs)

    def label_from_instance(self, obj):
        authority = _("heeft gezag") if obj.has_authority else _("geen gezag")
        return f"{obj.name} ({obj.relation}, {authority})"


class GuardianChoiceMixin:
    """Limits the `guardians` field to the case's pupil, and records the choice.

    Content (encrypted) keeps the names as chosen, with their gezag at that moment; facts (for the engine) keep
    only row ids: the chosen guardians, those of them holding gezag, and every guardian of the pupil who held gezag
    then (BW 1:245, 1:251: the parents who exercise gezag, jointly where both have it)."""

    def _limit_guardians(self):
        field = self.fields["guardians"]
        if self.case is not None:
            field.queryset = self.case.pupil.guardians.current().order_by("pk")

    def guardian_content(self, content: dict) -> dict:
        chosen = list(self.cleaned_data.get("guardians") or ())
        if chosen:
            content["guardians"] = [self.fields["guardians"].label_from_instance(g) for g in chosen]
        else:
            content.pop("guardians", None)
        return content

    def guardian_facts(self, facts: dict) -> dict:
        chosen = list(self.cleaned_data.get("guardians") or ())
        if not chosen:
            return facts
        holders = [g.pk for g in self.fields["guardians"].queryset if g.has_authority]
        facts["guardians"] = [g.pk for g in chosen]
        facts["guardians_with_authority"] = [g.pk for g in chosen if g.has_authority]
        facts["authority_holders"] = holders
        return facts


class ConsentForm(GuardianChoiceMixin, EntryForm):
    kind = EntryKind.CONSENT
    fact_fields = ("status",)

    # No answer chosen in advance: "given" by default would record consent nobody gave.
    status = forms.ChoiceField(label=_("Toestemming"), choices=[
        ("", _("— Kies —")), ("given", _("Gegeven")), ("refused", _("Geweigerd")), ("withdrawn", _("Ingetrokken"))],
        error_messages={"required": _("Kies of de ouder toestemming gaf, weigerde of introk.")})
    guardians = GuardianChoiceField(label=_("Door welke ouder(s)"), help_text=NO_AUTHORITY_HELP)
    scope = forms.CharField(label=_("Waarvoor"), max_length=300,
                            initial=_("Het kind met naam bespreken in het zorgteam en met externe deskundigen"))
    evidence = forms.FileField(label=_("Schriftelijk bewijs (pdf of foto)"), required=False,
                               help_text=_("Of laat de ouder hieronder ondertekenen."))
    signed_in_app = forms.BooleanField(label=_("De ouder heeft hier in de app ondertekend"), required=False)
    notes = forms.CharField(label=_("Toelichting"), widget=TEXT, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._limit_guardians()

    def clean_evidence(self):
        from vault.uploads import validate_upload

        upload = self.cleaned_data.get("evidence")
        if upload:
            validate_upload(upload)
            upload.seek(0)
        return upload

    def clean(self):
        data = super().clean()
        if data.get("status") == "given" and not (data.get("evidence") or data.get("signed_in_app")):
            self.add_error("evidence", _("Leg het schriftelijk bewijs vast: upload het of laat de ouder in de app tekenen."))
        return data

    def content(self):
        content = super().content()
        content.pop("evidence", None)
        return self.guardian_content(content)

    def facts(self):
        return self.guardian_facts(super().facts())


class ConversationForm(GuardianChoiceMixin, EntryForm):
    kind = EntryKind.CONVERSATION
    # Whether it is signed follows from the sign-off recorded afterwards (Entry.engine_data).
    fact_fields = ("purpose", "roles_present", "child_present")

    purpose = forms.ChoiceField(label=_("Soort gesprek"), choices=[
        ("parent", _("Gesprek met de ouder (stap 3)")), ("pre_report", _("Gesprek over de voorgenomen melding (5b)")),
        ("other", _("Ander gesprek"))])
    participants = forms.CharField(label=_("Deelnemers"), widget=forms.Textarea(attrs={"rows": 3}),
                                   help_text=_("Eén per regel: naam en rol (bijv. ‘Anna Bos, moeder’)."))
    guardians = GuardianChoiceField(
        label=_("Welke ouder(s) waren erbij (niet verplicht)"), required=False,
        help_text=format_lazy("{} {}", _("Hebben beide ouders het gezag, betrek dan ook de andere ouder of informeer "
                                         "hem of haar."), NO_AUTHORITY_HELP))
    roles_present = forms.MultipleChoiceField(label=_("Aanwezige rollen van school"), choices=Role.choices,
                                              widget=forms.CheckboxSelectMultiple, required=False)
    child_present = forms.BooleanField(label=_("Het kind was (een deel van het gesprek) aanwezig"), required=False)
    purpose_explained = forms.CharField(label=_("Doel van het gesprek uitgelegd"), widget=TEXT)
    facts_presented = forms.CharField(label=_("Feiten en waarnemingen die zijn besproken"), widget=TEXT)
    reaction = forms.CharField(label=_("Reactie van de ouder (en het kind)"), widget=TEXT)
    interpretation = forms.CharField(label=_("Interpretatie (pas na de reactie)"), widget=TEXT, required=False)
    objections = forms.CharField(label=_("Bezwaren tegen de melding en hoe die zijn gewogen"), widget=TEXT,
                                 required=False)
    agreements = forms.CharField(label=_("Afspraken"), widget=TEXT, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.definition is not None and getattr(self.definition, "format", 1) >= 2:
            # Format 2: the conversations with the parent are distinct by moment.
            self.fields["purpose"].choices = [
                ("early", _("Eerste, informeel gesprek met de ouder (stap 1)")),
                ("parent", _("Gesprek met de ouder (stap 3)")),
                ("pre_report", _("Gesprek over de voorgenomen melding (5b)")),
                ("post_decision", _("Gesprek na het besluit (hulp of melding)")),
                ("other", _("Ander gesprek"))]
        if self.has_parties:
            field = self.fields["roles_present"]
            field.choices = self.party_choices(roles=False) + list(Role.choices)
            field.label = _("Aanwezige rollen van school en partijen")
        self._limit_guardians()

    def content(self):
        return self.guardian_content(super().content())

    def facts(self):
        return self.guardian_facts(super().facts())

    def clean(self):
        data = super().clean()
        if data.get("purpose") == "pre_report" and not data.get("objections"):
            self.add_error("objections", _("Leg vast of er bezwaren waren en hoe u die heeft gewogen (ook als er geen waren)."))
        return data


class DecisionForm(EntryForm):
    """A decision (weighing, help, report, waiver, closure). It records who took it (their roles at the school)
    and, where the meldcode gives final responsibility to someone else, who approved it: the approver picks
    themselves when they record or correct it; someone else names the approver. The engine lists a decision
    still without approval (protocol.engine.decision_facts / _missing_approvals)."""

    DECISION_FACTS = ("decided_by_roles", "approved_by_role")
    approval_required = False  # the closure cannot wait: a closed dossier is read-only
    asks_approval = True

    approved_by = forms.ChoiceField(label=_("Goedgekeurd door (eindverantwoordelijk)"), required=False)
    parties = forms.MultipleChoiceField(label=_("Samen besloten met"), required=False,
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.author_roles = self.user.roles_at(self.case.school) if self.user is not None and self.case else set()
        if self.has_parties:  # format 2: a decision the meldcode has taken together with a party
            self.fields["parties"].choices = self.party_choices(roles=False)
        else:
            del self.fields["parties"]
        deciding = self.definition is not None and self.case is not None
        needed = engine.approval_needed(self.definition, self.author_roles) if deciding else ()
        self.approvers = {}
        if needed and self.asks_approval and self.case is not None:
            from accounts.models import User

            users = (User.objects.filter(memberships__school=self.case.school, memberships__role__in=needed,
                                         is_active=True).exclude(pk=getattr(self.user, "pk", None))
                     .distinct().order_by("full_name"))
            self.approvers = {str(u.pk): u for u in users}
        if not self.approvers:
            del self.fields["approved_by"]
            return
        field = self.fields["approved_by"]
        field.required = self.approval_required
        field.choices = [("", _("Nog niet goedgekeurd"))] + [(pk, u.full_name) for pk, u in self.approvers.items()]
        field.help_text = _("Volgens de meldcode is %(roles)s eindverantwoordelijk. Kies wie dit besluit heeft "
                            "goedgekeurd; zonder goedkeuring blijft die in het dossier openstaan.") % {
            "roles": ", ".join(needed)}
        # A draft or correction stores the approver's name: show it selected again.
        named = {u.full_name: pk for pk, u in self.approvers.items()}
        if self.initial.get("approved_by") in named:
            self.initial["approved_by"] = named[self.initial["approved_by"]]

    def clean(self):
        data = super().clean()
        approver = self.approvers.get(data.get("approved_by") or "")
        approver_roles = approver.roles_at(self.case.school) if approver is not None else ()
        if self.definition is not None and self.case is not None:
            data.update(engine.decision_facts(self.definition, self.author_roles, approver_roles))
        if "approved_by" in self.fields:
            data["approved_by"] = approver.full_name if approver is not None else ""
        return data

    def content(self):
        content = super().content()
        for name in self.DECISION_FACTS:
            content.pop(name, None)
        if content.get("parties"):  # the dossier shows the parties by name
            content["parties"] = [self.definition.who(p) for p in content["parties"]]
        return content

    def facts(self):
        facts = super().facts()
        facts.update({name: jsonable(self.cleaned_data[name]) for name in self.DECISION_FACTS
                      if name in self.cleaned_data})
        if "parties" in self.fields:
            facts["parties"] = list(self.cleaned_data.get("parties") or [])
        return facts


class ExemptionForm(DecisionForm):
    kind = EntryKind.EXEMPTION
    fact_fields = ("applies_to", "ground")

    applies_to = forms.ChoiceField(label=_("Welk gesprek vindt niet plaats?"), choices=[
        ("parent_conversation", _("Het gesprek met de ouder (stap 3)")),
        ("pre_report_conversation", _("Het gesprek over de voorgenomen melding (5b)"))])
    ground = forms.ChoiceField(label=_("Grond"))
    explanation = forms.CharField(label=_("Toelichting"), widget=TEXT,
                                  help_text=_("Verplicht: waarom geldt deze grond in deze situatie?"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        grounds = {}
        for per_obligation in (getattr(self.definition, "exemption_grounds", None) or {}).values():
            grounds.update({g.id: g.text for g in per_obligation if g.id in LEGAL_GROUNDS})
        self.fields["ground"].choices = list(grounds.items())

    def clean(self):
        data = super().clean()
        # Only the grounds the law allows, even if an older stored meldcode lists more (the engine ignores those).
        allowed = (getattr(self.definition, "exemption_grounds", None) or {}).get(data.get("applies_to"), ())
        if data.get("ground") and data["ground"] not in {g.id for g in allowed if g.id in LEGAL_GROUNDS}:
            self.add_error("ground", _("Deze grond geldt volgens uw meldcode niet voor dit gesprek."))
        return data


class WeighingForm(DecisionForm):
    kind = EntryKind.WEIGHING
    fact_fields = ("answers",)
    consulted = forms.CharField(label=_("Met wie is de weging besproken?"), max_length=300, required=False)
    instrument = forms.CharField(label=_("Gebruikt risicotaxatie-instrument (als dat is gebruikt)"),
                                 max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(getattr(self.definition, "afwegingskader", None) or [])
        # A draft or a correction (e.g. to add the approval) starts from the stored answers.
        stored = self.initial.get("answers")
        if isinstance(stored, dict):
            for qid, answer in stored.items():
                self.initial.setdefault(f"q_{qid}", "yes" if answer else "no")
        for q in self.questions:
            self.fields[f"q_{q.id}"] = forms.ChoiceField(
                label=f"{q.number}. {q.text}", required=False, widget=forms.RadioSelect, help_text=q.hint,
                choices=[("yes", _("Ja")), ("no", _("Nee"))])
            self.fields[f"r_{q.id}"] = forms.CharField(
                label=_("Onderbouwing bij vraag %(number)d") % {"number": q.number},
                widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean(self):
        data = super().clean()
        answers, stopped = {}, False
        for q in self.questions:
            answer = data.get(f"q_{q.id}")
            if stopped:
                continue
            if not answer:
                stopped = True
                continue
            if not data.get(f"r_{q.id}"):
                self.add_error(f"r_{q.id}", _("Onderbouw dit antwoord."))
            answers[q.id] = answer == "yes"
        if not answers:
            self.add_error(None, _("Beantwoord ten minste de eerste vraag van het afwegingskader."))
        else:
            from protocol.engine import walk_afwegingskader

            # The answers must follow the framework's own path: no answer to a question it never reaches.
            reached = {qid for qid, _answer in walk_afwegingskader(self.definition, answers).answered}
            for qid in set(answers) - reached:
                self.add_error(f"q_{qid}", _("Deze vraag komt na uw eerdere antwoorden niet meer aan de orde."))
        data["answers"] = answers
        return data

    def content(self):
        content = super().content()
        return {k: v for k, v in content.items() if not k.startswith("q_")}


class WeighingStepForm(WordedForm):
    """One question of the afwegingskader, as the guided walk asks it (cases.weigh_walk): the school's question
    with its explanation, yes or no, and the reasoning the weighing needs for every answer. Once the kader has
    reached an outcome, the next question may wait (the answer is not known yet: the help has yet to work, or
    it is answered with Veilig Thuis after the report)."""

    LATER = "later"

    answer = forms.ChoiceField(widget=forms.RadioSelect, error_messages={
        "required": _("Kies een antwoord op deze vraag."), "invalid_choice": _("Kies een antwoord op deze vraag.")})
    reason = forms.CharField(label=_("Onderbouwing van uw antwoord"), widget=forms.Textarea(attrs={"rows": 4}),
                             required=False, error_messages={"required": _("Onderbouw dit antwoord.")},
                             help_text=_("Waarop baseert u dit antwoord? Nodig bij ja of nee; niet als u de vraag "
                                         "later beantwoordt."))

    def __init__(self, *args, question, may_wait=False, definition=None, **kwargs):
        self.question, self.may_wait, self.definition = question, may_wait, definition
        super().__init__(*args, **kwargs)
        field = self.fields["answer"]
        field.label = f"{question.number}. {question.text}"
        field.help_text = question.hint
        field.choices = [("yes", _("Ja")), ("no", _("Nee"))] + (
            [(self.LATER, _("Nog niet: deze vraag beantwoord ik later"))] if may_wait else [])
        if not may_wait:  # every answer needs its reasoning (as on the one-page form)
            self.fields["reason"].required = True
            self.fields["reason"].help_text = _("Waarop baseert u dit antwoord?")

    def clean(self):
        data = super().clean()
        if data.get("answer") in ("yes", "no") and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Onderbouw dit antwoord."))
        return data


class VerwijsindexForm(EntryForm):
    kind = EntryKind.VERWIJSINDEX
    fact_fields = ("registered",)
    registered = forms.TypedChoiceField(label=_("Geregistreerd in de Verwijsindex?"), choices=[
        ("1", _("Ja, geregistreerd")), ("0", _("Nee, bewust niet"))], coerce=lambda v: v == "1",
        widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Toelichting"), widget=TEXT, required=False)


class HelpForm(DecisionForm):
    kind = EntryKind.HELP
    asks_approval = False  # organising help follows the weighing, which carries the approval
    fact_fields = ("deadline",)
    help_description = forms.CharField(label=_("Welke hulp?"), widget=TEXT)
    provider = forms.ChoiceField(label=_("Door wie (sociale kaart)"), required=False)
    provider_other = forms.CharField(label=_("Of: andere hulpverlener"), max_length=200, required=False)
    case_manager = forms.CharField(label=_("Casusregisseur"), max_length=200)
    plan = forms.CharField(label=_("Handelingsplan"), widget=TEXT)
    deadline = forms.DateField(label=_("Termijn waarbinnen effect zichtbaar moet zijn"), widget=DATE_WIDGET)
    monitoring = forms.CharField(label=_("Monitoringsmomenten"), widget=forms.Textarea(attrs={"rows": 2}),
                                 help_text=_("Eén datum per regel (dd-mm-jjjj), met wie en hoe."), required=False)

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [("", "—")] + [(str(o.pk), o.name) for o in organisations]
        self.organisation_names = {str(o.pk): o.name for o in organisations}

    def clean(self):
        data = super().clean()
        if data.get("deadline") and data["deadline"] <= timezone.localdate():
            self.add_error("deadline", _("De termijn moet in de toekomst liggen."))
        if not data.get("provider") and not data.get("provider_other"):
            self.add_error("provider", _("Kies een organisatie of vul een andere hulpverlener in."))
        if data.get("provider"):
            data["provider_name"] = self.organisation_names.get(data["provider"], "")
        return data


class HelpEvaluationForm(EntryForm):
    kind = EntryKind.HELP_EVALUATION
    fact_fields = ("reached", "effective")
    reached = forms.TypedChoiceField(label=_("Is het gezin bij de hulp aangekomen?"), choices=[
        ("1", _("Ja")), ("0", _("Nee"))], coerce=lambda v: v == "1", widget=forms.RadioSelect)
    effective = forms.TypedChoiceField(label=_("Zijn de afgesproken resultaten voor veiligheid en welzijn bereikt?"),
                                       choices=[("1", _("Ja")), ("0", _("Nee"))], coerce=lambda v: v == "1",
                                       widget=forms.RadioSelect)
    evaluation = forms.CharField(label=_("Evaluatie"), widget=TEXT)


class ReportForm(DecisionForm):
    kind = EntryKind.REPORT
    reported_by = forms.CharField(label=_("Gemeld door"), max_length=200)
    channel = forms.ChoiceField(label=_("Hoe"), choices=[("phone", _("Telefonisch (eerst bellen)")),
                                                         ("written", _("Schriftelijk, na telefonisch contact"))])
    contact_person = forms.CharField(label=_("Contactpersoon bij Veilig Thuis"), max_length=200)
    vt_reference = forms.CharField(label=_("Kenmerk van Veilig Thuis"), max_length=100, required=False)
    what_reported = forms.CharField(label=_("Wat is gemeld (feiten en gebeurtenissen)"), widget=TEXT)
    from_others = forms.CharField(label=_("Informatie van anderen (met bron)"), widget=TEXT, required=False)
    school_role = forms.CharField(label=_("Afspraken over de rol van school na de melding"), widget=TEXT)


class FeedbackForm(EntryForm):
    kind = EntryKind.FEEDBACK
    from_whom = forms.CharField(label=_("Van wie bij Veilig Thuis"), max_length=200)
    feedback = forms.CharField(label=_("Terugkoppeling"), widget=TEXT)
    next_steps = forms.CharField(label=_("Wat betekent dit voor school?"), widget=TEXT, required=False)


class EmergencyContactForm(EntryForm):
    kind = EntryKind.EMERGENCY_CONTACT
    contacted = forms.CharField(label=_("Wie is gebeld?"), max_length=200, initial="Veilig Thuis")
    summary = forms.CharField(label=_("Wat is er gezegd en afgesproken?"), widget=TEXT, required=False,
                              help_text=_("Mag later worden aangevuld met een vervolgaantekening."))


def _yes_no_unknown(label, help_text=""):
    return forms.TypedChoiceField(label=label, help_text=help_text, required=False, empty_value=None,
                                  coerce=lambda v: v == "1", widget=forms.RadioSelect,
                                  choices=[("1", _("Ja")), ("0", _("Nee"))])


class DutyForm(EntryForm):
    """A duty of the staff route. WPO art. 4a ties duties to conditions: informing the board says whether it may
    be a sexual offence (then the consultation of the vertrouwensinspecteur is required), the consultation says
    whether it gave reasonable grounds (then, and only then, the parents and the accused are informed and the
    police report follows). The engine reads both (protocol.engine._duty_applies)."""

    kind = EntryKind.DUTY
    fact_fields = ("duty", "sexual_offence", "reasonable_grounds")
    duty = forms.ChoiceField(label=_("Welke plicht?"))
    account = forms.CharField(label=_("Wat is er gedaan?"), widget=TEXT)
    sexual_offence = _yes_no_unknown(_("Gaat het (mogelijk) om een zedendelict tegen een minderjarige leerling?"),
                                     _("Vul in bij het informeren van het bevoegd gezag."))
    reasonable_grounds = _yes_no_unknown(_("Gaf het overleg met de vertrouwensinspecteur een redelijk vermoeden "
                                           "van een strafbaar feit?"),
                                         _("Vul in bij het overleg met de vertrouwensinspecteur. Alleen bij ja "
                                           "volgen het inlichten van ouders en medewerker en de aangifte."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        duties = getattr(self.definition, "staff_duties", None) or []
        self.fields["duty"].choices = [(d.id, d.title) for d in duties]

    def clean(self):
        data = super().clean()
        asks = {"inform_board": "sexual_offence", "consult_inspector": "reasonable_grounds"}
        for duty, name in asks.items():
            if data.get("duty") == duty and data.get(name) is None:
                self.add_error(name, _("Beantwoord deze vraag: de wet verbindt de volgende plichten eraan."))
            elif data.get("duty") != duty:
                data[name] = None
        return data


class ClosureForm(DecisionForm):
    """Closing is a coordinator's decision with final responsibility's approval. Where the weighing says report
    and none was made, only with a reasoned deviation; after a report, open follow-up only with a reason. The rule
    itself is the engine's (protocol.engine.closure_problems)."""

    kind = EntryKind.CLOSURE
    fact_fields = ("reason", "deviation", "waived")
    approval_required = True
    reason = forms.ChoiceField(label=_("Reden van afsluiten"), choices=ClosureReason.choices)
    explanation = forms.CharField(label=_("Toelichting"), widget=TEXT, help_text=_(
        "Bij een ongegrond vermoeden: zeg dat hier uitdrukkelijk, met de reden."))
    deviation_reason = forms.CharField(
        label=_("Afwijking van het afwegingskader: waarom meldt de school niet?"), widget=TEXT, required=False,
        help_text=_("Het afwegingskader zegt: melden. Zonder melding sluit u alleen af met een onderbouwde "
                    "afwijking, goedgekeurd door wie eindverantwoordelijk is."))
    followup_waiver = forms.CharField(
        label=_("Waarom stopt de opvolging na de melding?"), widget=TEXT, required=False,
        help_text=_("Bijv. Veilig Thuis heeft de regie en de situatie is verbeterd."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.guidance = self.case.guidance() if self.case is not None else None
        if self.guidance is None:
            return
        labels = dict(ClosureReason.choices)
        self.fields["reason"].choices = [(r, labels[r]) for r in self.guidance.closure_reasons if r in labels]
        if not self.guidance.deviation_needed:
            del self.fields["deviation_reason"]
        if not self.guidance.followups:
            del self.fields["followup_waiver"]
        else:
            self.fields["followup_waiver"].help_text = " ".join(n.message for n in self.guidance.followups)

    def clean(self):
        data = super().clean()
        if self.guidance is not None and self.definition is not None:
            for name, message in engine.closure_problems(self.definition, self.guidance, data, self.author_roles):
                self.add_error(name if name in self.fields else None, message)
        data["deviation"] = bool(data.get("deviation_reason"))
        data["waived"] = [n.id for n in self.guidance.followups] if self.guidance and data.get("followup_waiver") else []
        return data


class NoteForm(EntryForm):
    kind = EntryKind.NOTE
    text = forms.CharField(label=_("Aantekening"), widget=TEXT)


class AssignmentForm(EntryForm):
    """Format 2: who does what. A party of the meldcode (or a school role) takes a step or one of its tasks; the
    guidance then names them (protocol.engine: Need.who)."""

    kind = EntryKind.ASSIGNMENT
    fact_fields = ("task", "party")

    task = forms.ChoiceField(label=_("Welke taak?"))
    party = forms.ChoiceField(label=_("Wie doet het?"))
    agreement = forms.CharField(label=_("Afspraak"), widget=TEXT, required=False,
                                help_text=_("Bijv. wat het expertiseteam heeft besloten, en tot wanneer."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tasks = []
        if self.definition is not None:
            for step in self.definition.steps:
                tasks.append((step.id, _("Stap %(step)s: %(title)s") % {"step": step.id, "title": step.title}))
                tasks += [(r.id, f"— {r.need}") for r in step.requires if r.record]
            if self.definition.requires_plan:
                tasks.append(("plan_evaluation", _("Evaluaties van het handelingsplan")))
        self.fields["task"].choices = tasks
        self.fields["party"].choices = self.party_choices()

    def content(self):
        """The dossier shows the task and who took it in words; the ids are the facts the engine reads."""
        content = super().content()
        tasks = dict(self.fields["task"].choices)
        content["task"] = str(tasks.get(self.cleaned_data["task"], self.cleaned_data["task"])).lstrip("— ")
        content["party"] = self.definition.who(self.cleaned_data["party"])
        return content


class PlanForm(EntryForm):
    """Format 2: a handelingsplan or begeleidingsplan (goals, actions, who, evaluation dates). Its evaluation dates
    become due needs in the guidance and tasks for the coordinator."""

    kind = EntryKind.PLAN
    fact_fields = ("evaluate_on", "who")

    goals = forms.CharField(label=_("Doelen"), widget=TEXT)
    actions = forms.CharField(label=_("Acties"), widget=TEXT, help_text=_("Wat er gebeurt, door wie en wanneer."))
    who = forms.ChoiceField(label=_("Wie houdt de regie op het plan?"))
    evaluation_1 = forms.DateField(label=_("Eerste evaluatie op"), widget=DATE_WIDGET)
    evaluation_2 = forms.DateField(label=_("Tweede evaluatie op"), widget=DATE_WIDGET, required=False)
    evaluation_3 = forms.DateField(label=_("Derde evaluatie op"), widget=DATE_WIDGET, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["who"].choices = self.party_choices()

    def content(self):
        content = super().content()
        content["who"] = self.definition.who(self.cleaned_data["who"])
        return content

    def clean(self):
        data = super().clean()
        days = sorted(d for d in (data.get(f"evaluation_{n}") for n in (1, 2, 3)) if d)
        start = data.get("occurred_at")
        if start and any(day < timezone.localtime(start).date() for day in days):
            self.add_error("evaluation_1", _("Een evaluatiedatum ligt vóór de datum van het plan."))
        data["evaluate_on"] = days
        return data


ENTRY_FORMS = {form.kind: form for form in (
    SignalForm, FollowupForm, ConsultationForm, ConsentForm, ConversationForm, ExemptionForm, WeighingForm,
    VerwijsindexForm, HelpForm, HelpEvaluationForm, ReportForm, FeedbackForm, EmergencyContactForm, DutyForm,
    ClosureForm, NoteForm, AssignmentForm, PlanForm, CareTeamForm, ComplaintForm, StatementForm, HandoverForm)}
