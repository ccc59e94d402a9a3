"""The case dossier: a pupil's case under the school's meldcode, with an append-only journal.

Narrative content (what was seen, said, advised, decided and why) is encrypted at rest in
`Entry.content`; the plain `Entry.facts` hold only the structured answers the protocol engine
needs (booleans, ids, dates), so lists and overviews never decrypt anything.
"""

import dataclasses
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from protocol import engine
from vault.fields import EncryptedJSONField, EncryptedTextField
from vault.models import RowIdentity

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_reference() -> str:
    """A short reference for URLs and the audit trail that says nothing about the pupil or the count of cases."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{code[:4]}-{code[4:]}"


def _worded(label, case):
    """A choice label in the names of the case's meldcode; the case is only looked up when the label uses a name
    the meldcode may word otherwise (keeps lists free of extra queries)."""
    from protocol.wording import uses_generic_names, words_for_case

    return words_for_case(case()).say(label) if uses_generic_names(label) else str(label)


class Route(models.TextChoices):
    REGULAR = "regular", _("Stappenplan")
    ACUTE = "acute", _("Acute onveiligheid")
    STAFF = "staff", _("Medewerker als vermoedelijke pleger")


class ClosureReason(models.TextChoices):
    UNFOUNDED = "unfounded", _("Vermoeden ongegrond")
    HELP_COMPLETED = "help_completed", _("Hulp afgerond")
    HANDED_OVER = "handed_over", _("Overgedragen")
    PUPIL_LEFT = "pupil_left", _("Leerling vertrokken")


class CaseQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Case.Status.OPEN)


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Gesloten")
        DESTROYED = "destroyed", _("Inhoud vernietigd")

    reference = models.CharField(_("kenmerk"), max_length=9, unique=True, default=new_reference, editable=False)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="cases")
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="cases",
                              verbose_name=_("leerling"))
    # The version the case started under; a newer adopted meldcode applies to new cases only.
    meldcode_version = models.ForeignKey("protocol.MeldcodeVersion", on_delete=models.PROTECT, related_name="cases",
                                         verbose_name=_("meldcode"))
    route = models.CharField(_("route"), max_length=10, choices=Route.choices, default=Route.REGULAR)
    flag_fgm = models.BooleanField(_("vermoeden van meisjesbesnijdenis"), default=False)
    flag_honour = models.BooleanField(_("vermoeden van eergerelateerd geweld"), default=False)
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="coordinated_cases", verbose_name=_("coördinator"))
    # Staff-perpetrator route: the person concerned never sees the case, whatever their role.
    subject_staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+", verbose_name=_("betrokken medewerker"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("geopend op"), default=timezone.now)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # Derived from the journal by the protocol engine after every saved entry, kept for lists.
    current_step = models.CharField(_("huidige stap"), max_length=20, default="1")
    open_hypotheses = models.PositiveSmallIntegerField(_("open hypothesen"), default=0)
    last_activity_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=20, choices=ClosureReason.choices, blank=True)
    retain_until = models.DateField(_("bewaren tot"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["school", "status", "last_activity_at"]),
            models.Index(fields=["route", "school"]),
        ]

    def words(self):
        """The names of this case's meldcode (report point, care team, acute route), see protocol.wording."""
        from protocol.wording import words_for_case

        return words_for_case(self)

    def get_route_display(self):
        return _worded(dict(Route.choices).get(self.route, self.route), lambda: self)

    def __str__(self):
        return self.reference

    @property
    def is_open(self):
        return self.status == self.Status.OPEN

    def definition(self):
        return self.meldcode_version.definition()

    def saved_entries(self):
        return self.entries.filter(status=Entry.Status.SAVED)

    def case_facts(self, entries=None, today=None) -> engine.CaseFacts:
        """What the protocol engine needs to know, from saved entries; a correction replaces what it corrects."""
        today = today or timezone.localdate()
        if entries is None:
            entries = self.engine_entries()
        entries = sorted(entries, key=lambda e: (e.occurred_at, e.pk))
        corrected = {e.corrects_id for e in entries if e.corrects_id}
        records = [engine.Record(kind=e.kind, at=e.occurred_at, data=e.engine_data())
                   for e in entries if e.pk not in corrected and e.kind in ENGINE_KINDS]
        flags = frozenset(f for f, on in (("fgm", self.flag_fgm), ("honour", self.flag_honour)) if on)
        return engine.CaseFacts(route=self.route, flags=flags, pupil_age=self.pupil.age_on(today), today=today,
                                records=records, pupil_birth_date=self.pupil.date_of_birth)

    def engine_entries(self):
        """Every saved entry with just what the engine reads (content stays encrypted), and how many
        signatures each has: signing happens after a conversation report is saved."""
        return list(self.saved_entries()
                    .only("pk", "case_id", "kind", "occurred_at", "facts", "corrects_id", "refers_to_id", "status", "seq")
                    .annotate(signature_count=models.Count(
                        "signatures", filter=models.Q(signatures__signed_at__isnull=False)))
                    .order_by("occurred_at", "pk"))

    def guidance(self, entries=None):
        guidance = engine.evaluate(self.definition(), self.case_facts(entries))
        if not self.school.verwijsindex_connected:
            # The meldcode prompts to consider the Verwijsindex only for schools that are connected to it.
            guidance = dataclasses.replace(
                guidance,
                advice=tuple(a for a in guidance.advice if a.id != "verwijsindex"),
                allowed_actions=tuple(a for a in guidance.allowed_actions if a != "verwijsindex"))
        return guidance

    def refresh_step(self, entries=None):
        guidance = self.guidance(entries)
        self.current_step = guidance.current_step
        self.open_hypotheses = guidance.open_hypotheses
        self.last_activity_at = timezone.now()
        self.save(update_fields=["current_step", "open_hypotheses", "last_activity_at"])
        return guidance


class CaseMember(models.Model):
    """A person on the case team: need-to-know access to this one case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_memberships")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="unique_case_member")]


class CaseSibling(RowIdentity):
    """Another child of the family who is part of the case, with their own role in it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="siblings")
    pupil = models.ForeignKey("schools.Pupil", on_delete=models.PROTECT, related_name="+")
    # Narrative ("also a victim", "witnessed violence at home"): encrypted like the journal.
    role = EncryptedTextField(_("rol in het dossier"), help_text=_("Bijv. ook slachtoffer, getuige van geweld thuis."))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "pupil"], name="unique_case_sibling")]


class BreakGlass(RowIdentity):
    """Access to a case outside the normal rule, with a typed reason; logged and notified."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="break_glass")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = EncryptedTextField(_("reden"))
    at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField()

    DURATION = timedelta(hours=8)


class EntryKind(models.TextChoices):
    SIGNAL = "signal", _("Signaal of observatie")
    FOLLOWUP = "followup", _("Vervolgaantekening")
    CONSULTATION = "consultation", _("Consultatie")
    CONSENT = "consent", _("Toestemming ouder")
    CONVERSATION = "conversation", _("Gespreksverslag")
    EXEMPTION = "exemption", _("Afwijking: geen gesprek vooraf")
    WEIGHING = "weighing", _("Weging met het afwegingskader")
    VERWIJSINDEX = "verwijsindex", _("Verwijsindex")
    HELP = "help", _("Besluit 5a: hulp organiseren")
    HELP_EVALUATION = "help_evaluation", _("Evaluatie van de hulp")
    REPORT = "report", _("Besluit 5b: melding bij Veilig Thuis")
    FEEDBACK = "feedback", _("Terugkoppeling van Veilig Thuis")
    EMERGENCY_CONTACT = "emergency_contact", _("Noodcontact")
    DUTY = "duty", _("Plicht van het bestuur")
    CLOSURE = "closure", _("Afsluiting")
    NOTE = "note", _("Aantekening")
    # Format 2 of the meldcode: who does what, and the handelingsplan / begeleidingsplan (docs/meldcode-format.md).
    ASSIGNMENT = "assignment", _("Taakverdeling: wie doet wat")
    PLAN = "plan", _("Handelingsplan of begeleidingsplan")
    CARE_TEAM = "care_team", _("Overleg in het zorgteam")
    # Around the steps (issue 16): a complaint about the handling of the case, the parent's or pupil's own
    # statement about the dossier, and the warm handover to the next school.
    COMPLAINT = "complaint", _("Klacht")
    STATEMENT = "statement", _("Zienswijze van ouder of leerling")
    HANDOVER = "handover", _("Warme overdracht naar een andere school")


# Kinds the protocol engine reasons about (a free note is only part of the chronology).
ENGINE_KINDS = frozenset(EntryKind.values) - {EntryKind.NOTE, EntryKind.COMPLAINT, EntryKind.STATEMENT,
                                              EntryKind.HANDOVER, EntryKind.CARE_TEAM}
# Kinds only the coordinators (IB, aandachtsfunctionaris) and the directie record; anyone else gets a 404. The
# care-team meeting too: it sets the basis for discussing a pupil by name and hands out tasks to colleagues.
COORDINATOR_KINDS = frozenset({EntryKind.COMPLAINT, EntryKind.STATEMENT, EntryKind.HANDOVER, EntryKind.CARE_TEAM})


class Entry(RowIdentity):
    """One journal entry. Once saved it is never changed or deleted (the database refuses it too);
    a correction is a new entry that points to the old one, with a reason."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Concept")
        SAVED = "saved", _("Vastgelegd")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(_("soort"), max_length=20, choices=EntryKind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField(_("datum en tijd"), default=timezone.now,
                                       help_text=_("Wanneer het gebeurde of werd waargenomen."))
    created_at = models.DateTimeField(auto_now_add=True)
    saved_at = models.DateTimeField(null=True, blank=True)
    # Bumped on every draft save: two people saving the same draft get a conflict, not a silent overwrite.
    revision = models.PositiveIntegerField(default=1)
    content = EncryptedJSONField(default=dict)
    facts = models.JSONField(default=dict, blank=True)
    corrects = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="corrections")
    # A follow-up note points to the hypothesis it confirms or refutes.
    refers_to = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="followups")
    attachment = models.ForeignKey("vault.StoredFile", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    # The entry's number in its case, given when it is saved (a draft has none): 1, 2, 3 without gaps, the
    # same on screen and in every document. The database keeps it unique per case; `record_entry` takes the
    # next one under a lock on the case row, so two entries saved at the same moment never share a number.
    seq = models.PositiveIntegerField(_("volgnummer"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("journaalregel")
        verbose_name_plural = _("journaal")
        ordering = ["occurred_at", "pk"]
        indexes = [models.Index(fields=["case", "status", "occurred_at"])]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="unique_entry_seq_per_case")]

    def get_kind_display(self):
        return _worded(dict(EntryKind.choices).get(self.kind, self.kind), lambda: self.case)

    def __str__(self):
        return f"{self.get_kind_display()} ({self.case.reference})"

    @property
    def is_saved(self):
        return self.status == self.Status.SAVED

    def engine_data(self) -> dict:
        """The facts the protocol engine reads; a conversation report counts as signed once sign-off is recorded."""
        if self.kind != EntryKind.CONVERSATION:
            return self.facts or {}
        count = getattr(self, "signature_count", None)
        if count is None:
            count = self.signatures.filter(signed_at__isnull=False).count()
        return {**(self.facts or {}), "signed": count > 0}

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk, status=self.Status.SAVED).exists():
            raise ImmutableEntryError(_("Een vastgelegde journaalregel kan niet worden gewijzigd."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_saved:
            raise ImmutableEntryError(_("Een vastgelegde journaalregel kan niet worden verwijderd."))
        return super().delete(*args, **kwargs)


class ImmutableEntryError(Exception):
    pass


class Signature(RowIdentity):
    """Sign-off of a conversation report by a participant, or the recorded reason why they did not sign."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="signatures")
    participant = models.CharField(_("deelnemer"), max_length=200)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = EncryptedTextField(_("reden dat niet is getekend"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at"]


class Task(models.Model):
    """A next action with a due date. The title is generic on purpose: reminders say *that*
    something needs attention, never what is in the dossier."""

    class Kind(models.TextChoices):
        MONITOR = "monitor", _("Monitoringsmoment hulp")
        HELP_DEADLINE = "help_deadline", _("Termijn voor zichtbaar effect van de hulp")
        RECONTACT_VT = "recontact_vt", _("Opnieuw contact met Veilig Thuis als het niet verbetert")
        HYPOTHESIS = "hypothesis", _("Open hypothese bevestigen of ontkrachten")
        CONSENT = "consent", _("Toestemming van de ouder ontbreekt")
        IDLE = "idle", _("Dossier is al lange tijd stil")
        ACCESS_REQUEST = "access_request", _("Inzageverzoek beantwoorden")
        PARENTS_INFORMED = "parents_informed", _("Ouders informeren over een informatieverzoek")
        DUE = "due", _("Termijn uit de meldcode")
        CARE_TEAM = "care_team", _("Actie uit het zorgteamoverleg")
        OTHER = "other", _("Actie")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_on = models.DateField(_("uiterlijk op"))
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    source_entry = models.ForeignKey(Entry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # A deadline of the meldcode (Task.Kind.DUE): the engine's need it follows, and when the directie was told
    # that it is still overdue (cases.notifications.send_due_reminders).
    need_id = models.CharField(max_length=80, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    def get_kind_display(self):
        return _worded(dict(self.Kind.choices).get(self.kind, self.kind), lambda: self.case)

    class Meta:
        ordering = ["due_on"]
        indexes = [models.Index(fields=["done_at", "due_on"])]


class RetentionRule(models.Model):
    school = models.ForeignKey("schools.School", on_delete=models.CASCADE, related_name="retention_rules")
    closure_reason = models.CharField(_("reden van afsluiten"), max_length=20, choices=ClosureReason.choices)
    years_after_leaving = models.PositiveSmallIntegerField(_("jaren na vertrek van school"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "closure_reason"], name="unique_retention_rule")]


class PurgePermit(models.Model):
    """Written by the retention job inside its own transaction: the only thing that lets the database
    delete saved entries of a case (see the trigger in migrations)."""

    case_id = models.BigIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class DeletionRecord(models.Model):
    """What remains after retention destroyed a case's content: metadata only."""

    case_reference = models.CharField(max_length=9)
    school = models.ForeignKey("schools.School", on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True)
    closure_reason = models.CharField(max_length=20, blank=True)
    route = models.CharField(max_length=10)
    last_step = models.CharField(max_length=20)
    entry_count = models.PositiveIntegerField()
    destroyed_at = models.DateTimeField(auto_now_add=True)
    mode = models.CharField(max_length=20, default="destroyed")


def next_seq(case_id: int) -> int:
    """The next journal number of a case. Call inside a transaction: it locks the case row first, so whoever
    saves at the same moment waits here until this transaction is done and then sees its number."""
    list(Case.objects.select_for_update().filter(pk=case_id).values_list("pk", flat=True))
    highest = Entry.objects.filter(case_id=case_id).aggregate(highest=models.Max("seq"))["highest"]
    return (highest or 0) + 1


def record_entry(entry: Entry, *, when=None) -> Entry:
    """Turn a draft into a saved, immutable entry with the case's next number, and bring the step up to date."""
    with transaction.atomic():
        entry.status = Entry.Status.SAVED
        entry.saved_at = when or timezone.now()
        entry.seq = next_seq(entry.case_id)
        super(Entry, entry).save()
        entry.case.refresh_step()
    return entry
