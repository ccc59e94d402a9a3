"""What goes into the documents made from one dossier: the entries, grouped per step, as plain data.

The templates in documents/templates/documents/ render this data for the screen preview and for the PDF
alike. Reading the dossier is the caller's business: views check `cases.access` first, the export task
runs only for jobs that a view created after that check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from cases.forms import ENTRY_FORMS
from cases.models import Case, ClosureReason, Entry, EntryKind
from cases.templatetags.dossier import entry_fields
from documents.anonymise import Anonymiser, Name, name_variants, school_name_variants

# The step a kind of entry belongs to in the chronology. Exemptions and conversations depend on what
# they are about; notes and follow-ups join the step of the entry before them.
STEP_OF_KIND = {
    EntryKind.SIGNAL: "1",
    EntryKind.CONSULTATION: "2",
    EntryKind.CONSENT: "2",
    EntryKind.VERWIJSINDEX: "2",
    EntryKind.CONVERSATION: "3",
    EntryKind.WEIGHING: "decision",
    EntryKind.HELP: "5a",
    EntryKind.HELP_EVALUATION: "5a",
    EntryKind.REPORT: "5b",
    EntryKind.FEEDBACK: "5b",
    EntryKind.EMERGENCY_CONTACT: "acute",
    EntryKind.DUTY: "staff",
    EntryKind.CLOSURE: "closure",
    EntryKind.COMPLAINT: "around",
    EntryKind.STATEMENT: "around",
    EntryKind.HANDOVER: "around",
}
WITHHELD = "withheld"
EXTRA_SECTIONS = {
    "acute": gettext_lazy("Acute onveiligheid"),
    "staff": gettext_lazy("Plichten van het bestuur (medewerker als vermoedelijke pleger)"),
    "around": gettext_lazy("Klachten, zienswijzen en overdracht"),
    "closure": gettext_lazy("Afsluiting"),
    WITHHELD: gettext_lazy("Achtergehouden onderdelen"),
}
# The word that replaces a staff member's name, by the most telling role they hold at the school.
STAFF_ROLE_WORDS = (
    (Role.IB, gettext_lazy("de intern begeleider")),
    (Role.DIRECTIE, gettext_lazy("de directeur")),
    (Role.LEERKRACHT, gettext_lazy("de leerkracht")),
    (Role.BESTUUR, gettext_lazy("het bestuur")),
    (Role.PRIVACY, gettext_lazy("de functionaris gegevensbescherming")),
    (Role.BEHEER, gettext_lazy("de functioneel beheerder")),
)


def step_of(entry: Entry, decision_step: str, previous: str | None) -> str:
    if entry.kind == EntryKind.CONVERSATION and (entry.facts or {}).get("purpose") == "pre_report":
        return "5b"
    if entry.kind == EntryKind.EXEMPTION:
        return "5b" if (entry.facts or {}).get("applies_to") == "pre_report_conversation" else "3"
    step = STEP_OF_KIND.get(entry.kind)
    if step == "decision":
        return decision_step
    return step or previous or "1"


# --- the anonymiser for one case ----------------------------------------------------------------------------

def anonymiser_for_case(case: Case) -> Anonymiser:
    """Every name the app knows around this case, each replaced by a role word.

    Names are collected from what the dossier refers to, not only from who is around now: parents and carers
    removed from the pupil since, and staff who left the school (entry authors, signers, the team, the
    coordinator, the staff member the case is about) are still in the text.
    """
    from accounts.models import Membership
    from schools.models import Guardian
    from socialmap.models import Organisation

    replacements: list[tuple[str, str]] = []
    pupil = case.pupil
    replacements += name_variants(Name(pupil.full_name, _("het kind")))
    # All of them, removed ones included (`Guardian.objects`, not `.current()`).
    for guardian in Guardian.objects.filter(pupil=pupil).order_by("pk"):
        replacements += name_variants(Name(guardian.name, guardian.relation.strip().lower() or _("de ouder")))
        if guardian.address:
            replacements.append((guardian.address, _("[adres]")))
    for sibling in case.siblings.select_related("pupil"):
        replacements += name_variants(Name(sibling.pupil.full_name, _("een broer of zus")))
    roles_by_user: dict[int, set[str]] = {}
    names: dict[int, str] = {}
    for user_id, full_name, role in (Membership.objects.filter(school=case.school)
                                     .values_list("user_id", "user__full_name", "role")):
        roles_by_user.setdefault(user_id, set()).add(role)
        names[user_id] = full_name
    for user_id, full_name in _staff_in_case(case):
        names.setdefault(user_id, full_name)
    for user_id, full_name in names.items():
        replacements += name_variants(Name(full_name, staff_role_word(roles_by_user.get(user_id, set()))))
    for school_name in school_name_variants(case.school.name):
        replacements.append((school_name, _("de school")))
    replacements.append((case.school.board.name, _("het schoolbestuur")))
    if case.school.address:
        replacements.append((case.school.address, _("[adres]")))
    for contact in (Organisation.objects.for_school(case.school).exclude(contact_person="")
                    .values_list("contact_person", flat=True)):
        replacements += name_variants(Name(contact, _("de contactpersoon")))
    return Anonymiser(replacements, origin=case_origin(case))


def _staff_in_case(case: Case) -> list[tuple[int, str]]:
    """(user id, full name) of every account the dossier refers to, whether or not still at the school."""
    from accounts.models import User
    from cases.models import Signature

    ids = set(case.members.values_list("user_id", flat=True))
    ids |= set(case.entries.values_list("author_id", flat=True))
    for signer, recorder in Signature.objects.filter(entry__case=case).values_list("user_id", "recorded_by_id"):
        ids |= {signer, recorder}
    ids |= {case.coordinator_id, case.subject_staff_id, case.opened_by_id}
    ids.discard(None)
    return list(User.objects.filter(pk__in=ids).order_by("pk").values_list("pk", "full_name"))


def staff_role_word(roles: set[str]) -> str:
    for role, word in STAFF_ROLE_WORDS:
        if role in roles:
            return str(word)
    return _("een medewerker")


def case_origin(case: Case) -> date:
    """Day 0 of the anonymised chronology: the first recorded event, or the opening of the case."""
    first = case.saved_entries().order_by("occurred_at").values_list("occurred_at", flat=True).first()
    return timezone.localtime(min(first, case.opened_at) if first else case.opened_at).date()


# --- entries as document data -------------------------------------------------------------------------------

@dataclass
class DocSignature:
    participant: str
    signed: bool
    signed_at: datetime | None
    refusal_reason: str


@dataclass
class DocStatement:
    """A parent's or pupil's own statement about an entry, as it goes along with that entry in every document."""
    number: int
    when: str
    by: str
    text: str


@dataclass
class DocEntry:
    number: int
    kind: str
    kind_label: str
    when: str
    author: str
    step: str
    rows: list[tuple[str, str]]
    signatures: list[DocSignature] = field(default_factory=list)
    is_hypothesis: bool = False
    has_source: bool = False
    has_attachment: bool = False
    corrects_number: int | None = None
    correction_reason: str = ""
    corrections: list[DocEntry] = field(default_factory=list)
    withheld_ground: str = ""
    facts: dict = field(default_factory=dict)
    entry_id: int = 0
    attachment_name: str = ""  # set when the document carries the attachment itself (see name_attachments)
    attachment_image: str = ""  # a data URI, for a picture shown on the PDF page
    statements: list[DocStatement] = field(default_factory=list)  # the parent's or pupil's word on this entry


@dataclass
class Section:
    id: str
    title: str
    entries: list[DocEntry]


def saved_entries(case: Case, saved_until: datetime | None = None) -> list[Entry]:
    entries = case.saved_entries()
    if saved_until is not None:
        entries = entries.filter(saved_at__lte=saved_until)
    return list(entries.select_related("author").prefetch_related("signatures").order_by("occurred_at", "pk"))


def _when(moment: datetime, anonymiser: Anonymiser | None) -> str:
    if anonymiser is not None:
        return anonymiser.day(timezone.localtime(moment))
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M")


def _rows(entry: Entry, definition, anonymiser: Anonymiser | None) -> list[tuple[str, str]]:
    rows = [(str(label), str(value)) for label, value in entry_fields(entry)]
    categories = (entry.content or {}).get("categories")
    if entry.kind == EntryKind.SIGNAL and categories:
        # The form's category choices come from the meldcode, so the stored ids are named here.
        titles = {c.id: c.title for c in definition.signal_list}
        label = str(ENTRY_FORMS[EntryKind.SIGNAL].base_fields["categories"].label)
        rows = [(lbl, ", ".join(str(titles.get(c, c)) for c in categories) if lbl == label else value)
                for lbl, value in rows]
    if entry.kind == EntryKind.WEIGHING:
        # The reasons are stored per question ("r_<id>"); show each under its question and answer.
        rows = [(label, value) for label, value in rows if not label.startswith("r_")]
        questions = {q.id: q for q in definition.afwegingskader}
        for question_id, answer in (entry.facts or {}).get("answers", {}).items():
            question = questions.get(question_id)
            label = f"{_('Vraag')} {question.number}: {question.text}" if question else question_id
            rows.append((label, _("ja") if answer else _("nee")))
            reason = (entry.content or {}).get(f"r_{question_id}")
            if reason:
                rows.append((_("Onderbouwing"), str(reason)))
    if anonymiser is not None:
        if entry.kind == EntryKind.STATEMENT:
            # Who gave the statement is named in free text the anonymiser cannot know: "Ouder" or "Leerling" says it.
            name_label = str(ENTRY_FORMS[EntryKind.STATEMENT].base_fields["name"].label)
            rows = [(label, value) for label, value in rows if label != name_label]
        rows = [(label, anonymiser.text(value)) for label, value in rows]
    return rows


def _author(entry: Entry, anonymiser: Anonymiser | None, roles_by_user: dict[int, set[str]]) -> str:
    if anonymiser is not None:
        return staff_role_word(roles_by_user.get(entry.author_id, set()))
    return entry.author.full_name


def doc_entries(case: Case, *, anonymiser: Anonymiser | None = None,
                withheld: dict[int, str] | None = None, saved_until: datetime | None = None) -> list[DocEntry]:
    """The saved entries in order, each correction nested under the entry it corrects.

    `saved_until` leaves out what was saved later: a copy made again of what someone reviewed (the parent's
    inspection copy, the answer to an information request) shows no entry nobody reviewed for it.

    `withheld` maps entry ids to the label of the ground they are withheld on: such entries (and their
    corrections) keep their place in the chronology but lose all content, including kind and author.
    """
    from accounts.models import Membership

    definition = case.definition()
    decision_step = next((s.id for s in definition.steps if s.decides), "4")
    entries = saved_entries(case, saved_until)
    roles_by_user: dict[int, set[str]] = {}
    if anonymiser is not None:
        for user_id, role in Membership.objects.filter(school=case.school).values_list("user_id", "role"):
            roles_by_user.setdefault(user_id, set()).add(role)
    withheld = withheld or {}
    # The entry's own number in its case (Entry.seq): the same as on screen and in every other document.
    numbers = {entry.pk: entry.seq for entry in entries}
    # The original every entry belongs to: a correction of a correction still belongs to the first entry.
    root: dict[int, int] = {}
    corrects_of = {entry.pk: entry.corrects_id for entry in entries}
    for entry in sorted(entries, key=lambda e: e.pk):
        root[entry.pk] = root.get(entry.corrects_id, entry.pk) if entry.corrects_id else entry.pk
    by_id: dict[int, DocEntry] = {}
    top: list[DocEntry] = []
    previous_step = None
    for entry in entries:
        original = by_id.get(root[entry.pk]) if root[entry.pk] != entry.pk else None
        ground = _withheld_ground(entry, withheld, corrects_of)
        step = original.step if original else step_of(entry, decision_step, previous_step)
        if not ground:
            previous_step = step
        if ground:
            # Not even the step: a section title such as "Melden" would tell what was withheld.
            doc = DocEntry(number=numbers[entry.pk], kind="", kind_label=_("Achtergehouden"), when="", author="",
                           step=WITHHELD, rows=[], withheld_ground=ground, entry_id=entry.pk)
        else:
            clean = anonymiser.text if anonymiser is not None else str
            doc = DocEntry(
                number=numbers[entry.pk], kind=entry.kind, kind_label=entry.get_kind_display(),
                when=_when(entry.occurred_at, anonymiser), author=_author(entry, anonymiser, roles_by_user),
                step=step, rows=_rows(entry, definition, anonymiser),
                signatures=[DocSignature(clean(s.participant), s.signed_at is not None,
                                         None if anonymiser else s.signed_at,
                                         clean(s.refusal_reason)) for s in entry.signatures.all()],
                is_hypothesis=bool((entry.facts or {}).get("is_hypothesis")),
                has_source=bool((entry.facts or {}).get("has_source")),
                has_attachment=bool(entry.attachment_id),
                corrects_number=numbers.get(entry.corrects_id),
                correction_reason=clean((entry.content or {}).get("correction_reason", "")),
                facts=dict(entry.facts or {}),
                entry_id=entry.pk,
            )
        by_id[entry.pk] = doc
        if original is not None:
            original.corrections.append(doc)
        elif root[entry.pk] == entry.pk:
            top.append(doc)
        else:  # a correction recorded with an earlier date than its original: show it on its own
            top.append(doc)
    _attach_statements(entries, root, by_id, anonymiser)
    return top


def _withheld_ground(entry, withheld: dict, corrects_of: dict) -> str:
    """The ground on which this entry is withheld: its own, or that of what it corrects, up to the original. The
    review page offers a choice for a correction listed on its own (dated before its original), and a choice for
    the original covers its corrections."""
    current = entry.pk
    while current:
        if current in withheld:
            return withheld[current]
        current = corrects_of.get(current)
    return ""


def _attach_statements(entries: list[Entry], root: dict[int, int], by_id: dict[int, DocEntry],
                       anonymiser: Anonymiser | None) -> None:
    """Put each statement (its newest version) with every entry it is about, so that it travels in every document
    that holds that entry. An entry left out of a document (withheld) takes no statement along; the statement stays
    in its own place in the chronology as well."""
    corrected = {e.corrects_id for e in entries if e.corrects_id}
    clean = anonymiser.text if anonymiser is not None else str
    for entry in entries:
        if entry.kind != EntryKind.STATEMENT or entry.pk in corrected:
            continue
        own = by_id.get(entry.pk)
        if own is not None and own.withheld_ground:
            continue  # the statement itself is withheld: it goes nowhere, not even with the entry it is about
        content = entry.content or {}
        by_label = dict(ENTRY_FORMS[EntryKind.STATEMENT].base_fields["by_whom"].choices)
        who = str(by_label.get((entry.facts or {}).get("by_whom"), ""))
        if content.get("name") and anonymiser is None:
            who = f"{who}: {content['name']}" if who else content["name"]
        statement = DocStatement(number=entry.seq, when=_when(entry.occurred_at, anonymiser), by=who,
                                 text=clean(content.get("text", "")))
        for concerned in (entry.facts or {}).get("concerns") or ():
            target = by_id.get(root.get(concerned, concerned))
            if target is not None and not target.withheld_ground:
                target.statements.append(statement)


def sections(case: Case, entries: list[DocEntry]) -> list[Section]:
    """The chronology per step of the case's meldcode, in the order of the meldcode; empty steps left out."""
    definition = case.definition()
    order = [(step.id, f"{_('Stap')} {step.id}: {step.title}") for step in definition.steps]
    order = [("acute", case.words().say(EXTRA_SECTIONS["acute"]))] + order + [
        (key, str(title)) for key, title in EXTRA_SECTIONS.items() if key != "acute"]
    result = []
    for section_id, title in order:
        in_section = [e for e in entries if e.step == section_id]
        if in_section:
            result.append(Section(section_id, title, in_section))
    known = {section_id for section_id, _title in order}
    rest = [e for e in entries if e.step not in known]
    if rest:
        result.append(Section("other", _("Overige aantekeningen"), rest))
    return result


def all_entries(sections_: list[Section]):
    """Every entry of the document, corrections included, in reading order."""
    def walk(entries):
        for entry in entries:
            yield entry
            yield from walk(entry.corrections)
    for section in sections_:
        yield from walk(section.entries)


def name_attachments(sections_: list[Section]) -> None:
    """Name the attachments a complete document carries as files ("bijlage-12.pdf"), never those of withheld
    entries. The anonymised summary and the Veilig Thuis summary do not call this: an attachment can hold
    names, and Veilig Thuis receives what the school chooses to send."""
    from vault.uploads import EXTENSIONS

    docs = [doc for doc in all_entries(sections_) if doc.has_attachment and not doc.withheld_ground]
    types = dict(Entry.objects.filter(pk__in=[doc.entry_id for doc in docs])
                 .values_list("pk", "attachment__content_type"))
    for doc in docs:
        doc.attachment_name = f"bijlage-{doc.number}{EXTENSIONS.get(types.get(doc.entry_id), '')}"


# --- the case header ------------------------------------------------------------------------------------------

def case_header(case: Case) -> dict:
    version = case.meldcode_version
    definition = case.definition()
    return {
        "reference": case.reference,
        "school": case.school.name,
        "pupil": case.pupil,
        "guardians": list(case.pupil.guardians.current()),
        "siblings": list(case.siblings.select_related("pupil")),
        "route": case.get_route_display(),
        "flag_fgm": case.flag_fgm,
        "flag_honour": case.flag_honour,
        "status": case.get_status_display(),
        "opened_at": timezone.localtime(case.opened_at),
        "closed_at": timezone.localtime(case.closed_at) if case.closed_at else None,
        "closure_reason": ClosureReason(case.closure_reason).label if case.closure_reason else "",
        "coordinator": case.coordinator.full_name if case.coordinator else "",
        "team": list(case.members.select_related("user").order_by("user__full_name")
                     .values_list("user__full_name", flat=True)),
        "meldcode_title": version.title if hasattr(version, "title") else definition.title,
        "meldcode_version": getattr(version, "version", definition.version),
        "meldcode_owner": definition.owner.name,
        "meldcode_adopted": definition.adopted,
        "current_step": case.current_step,
    }
