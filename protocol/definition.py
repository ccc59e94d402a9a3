"""A school's meldcode as data: the YAML file format, its validator and the parsed `Meldcode`.

The file format is documented in docs/meldcode-format.md. `load_definition` either returns a complete,
consistent `Meldcode` or raises `DefinitionError` with every problem found, each as (file, line, message)
in plain Dutch, so that a school can fix its file without reading Python.
"""

from __future__ import annotations

import datetime
import difflib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from accounts.roles import ROLE_IDS
from protocol.yaml_lines import LineDict, LineList, parse_yaml

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2  # the newest format; every format-1 file keeps loading and working unchanged
FORMATS = (1, 2)
DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
SHIPPED_KEYS = ("landelijk-2019", "jso-2010", "de-sprong")

MANDATORY_STEPS = ("1", "2", "3", "4", "5a", "5b")
BRANCHES = ("start_help", "report")
MANDATORY_BRANCH = {"5a": "start_help", "5b": "report"}
OUTCOME_KINDS = ("continue", "close_unfounded", "report", "start_help", "close_help")
CHECKS = ("hypotheses_resolved", "decision")
EXEMPTION_TARGETS = ("parent_conversation", "pre_report_conversation")
CONSULTATION_PARTNERS = ("colleague", "care_team", "veilig_thuis", "organisation", "injury_expert")
MANDATORY_SIGNAL_CATEGORIES = {
    "fgm": "meisjesbesnijdenis (vrouwelijke genitale verminking)",
    "honour": "eergerelateerd geweld",
    "witnessing_violence": "getuige zijn van huiselijk geweld",
    "high_conflict_divorce": "vechtscheiding",
}
# The signal category for absence (verzuim): a signal in it carries `absence` for the engine, so a meldcode's rule
# can refer to it (`where: {absence: true}`), e.g. to involve the leerplichtambtenaar (socialmap kind "leerplicht").
ABSENCE_CATEGORY = "verzuim"
MANDATORY_DEFINITIONS = ("huiselijk_geweld", "kindermishandeling", "medewerker", "leerling")
OWNER_KINDS = ("national", "board", "school")

# The legal minimum (Besluit verplichte meldcode; see docs/meldcode-format.md, "Het wettelijk minimum").
# The only reasons to report without a conversation with the parent: safety, or the family breaking contact.
LEGAL_GROUNDS = {
    "safety": "de veiligheid van de leerling, de ouder, de medewerker of een ander",
    "contact_loss": "de ouder verbreekt waarschijnlijk het contact en haalt de leerling van school",
}
LEGAL_CHILD_AGE = 12  # the pupil takes part in the conversation about a report from this age at the latest
# The steps whose conversation the law requires, with the purpose it is recorded under and its exemption.
CONVERSATION_DUTIES = {"3": ("parent", "parent_conversation"), "5b": ("pre_report", "pre_report_conversation")}
AFWEGINGSKADER_SINCE = datetime.date(2019, 1, 1)
# Lengths of the database columns the identity is stored in (protocol/models.py).
MAX_LENGTHS = {"key": 80, "version": 40, "title": 300}

# The records the dossier produces and the data keys a rule may test (see protocol/engine.py).
RECORD_VOCABULARY: dict[str, dict[str, Any]] = {
    "signal": {"is_hypothesis": bool, "has_source": bool, "absence": bool},
    "followup": {"resolves_hypothesis": bool},
    "consultation": {"with": CONSULTATION_PARTNERS, "anonymous": bool},
    "consent": {"status": ("given", "refused", "withdrawn")},
    "conversation": {"purpose": ("parent", "pre_report", "other", "early", "post_decision"), "child_present": bool,
                     "signed": bool},
    "exemption": {"applies_to": EXEMPTION_TARGETS},
    "weighing": {},
    "verwijsindex": {"registered": bool},
    "help": {},
    "help_evaluation": {"reached": bool, "effective": bool},
    "report": {},
    "feedback": {},
    "emergency_contact": {},
    "duty": {},
    "closure": {"reason": ("unfounded", "help_completed", "handed_over", "pupil_left")},
    # Format 2: who does what (a party or role takes a step or requirement), and the handelingsplan.
    "assignment": {},
    "plan": {},
}
# Format 2: the distinct conversations with the parent by moment (docs/meldcode-format.md, "Gesprekken").
CONVERSATION_PURPOSES = {
    "early": "een eerste, informeel gesprek met de ouder (stap 1)",
    "parent": "het gesprek met de ouder over de signalen (stap 3)",
    "pre_report": "het gesprek over de voorgenomen melding (5b)",
    "post_decision": "het gesprek na het besluit (hulp of melding)",
    "other": "een ander gesprek",
}
# The kinds of organisation on the sociale kaart a party can link to (socialmap.models.Kind).
ORGANISATION_KINDS = ("veilig_thuis", "police", "crisis", "jgz", "cjg", "care_team", "youth_care", "ggz", "mee",
                      "social_work", "helpline", "other")
URGENCIES = ("immediately", "urgent", "normal")
# What a deadline counts from: the moment the step began, or the first record of a kind.
DUE_STARTS = ("step",) + tuple(k for k in ("signal", "consultation", "conversation", "weighing", "help", "plan",
                                           "report", "feedback", "emergency_contact"))
SCOPES = ("case", "step")
# Bodies that no longer exist; since 1 January 2015 both are Veilig Thuis (Wet maatschappelijke ondersteuning
# 2015, art. 4.1.1). A format-2 file shows them as Veilig Thuis; every file gets a visible note.
OUTDATED_BODIES = (
    (re.compile(r"(?:het )?Advies- en Meldpunt Kindermishandeling(?: \(AMK\))?"), "Advies- en Meldpunt Kindermishandeling (AMK)"),
    (re.compile(r"(?:het )?\bAMK\b"), "AMK"),
    (re.compile(r"(?:het )?Steunpunt Huiselijk Geweld(?: \(SHG\))?"), "Steunpunt Huiselijk Geweld"),
)
# What a format-2 file may leave out: the national model of 2019 fills it in, marked as such on the meldcode page.
NATIONAL_DEFAULTS = {
    "definitions": "begripsbepalingen",
    "child_involvement_age": "de leeftijd vanaf wanneer het kind bij het gesprek over een melding is",
    "consent": "toestemming van de ouder (en de leerling vanaf 16 jaar)",
    "final_responsibility": "eindverantwoordelijkheid",
    "signal_list": "signaleringslijst",
}

KEY_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")


# --- The parsed definition -------------------------------------------------------------------------

# An overdue deadline goes to the coordinator; still open this many school days later, to the directie as well. A
# format-2 file may set its own wait (`escalate_after: {school_days: N}`, docs/meldcode-format.md "Termijnen").
DEFAULT_ESCALATE_AFTER_SCHOOL_DAYS = 3
ESCALATE_AFTER_MAXIMUM = 20


@dataclass(frozen=True)
class Owner:
    kind: str  # national | board | school
    name: str


@dataclass(frozen=True)
class Adopted:
    by: str
    on: datetime.date | None


@dataclass(frozen=True)
class Names:
    report_point: str
    care_team: str
    attention_officer: str


@dataclass(frozen=True)
class Party:
    """Format 2: a partner or body the meldcode names (an expertise team, JGZ, the zorgcoördinator of the board),
    usable wherever a school role is, and linked to organisations of the school's sociale kaart."""

    key: str
    name: str
    description: str = ""
    organisation_kinds: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Due:
    """Format 2: when a step or requirement must be done. `school_days` count Monday to Friday (holidays are not
    known to the app and count as school days); `days` are calendar days; both from `start`."""

    urgency: str = "normal"  # immediately | urgent | normal
    school_days: int | None = None
    days: int | None = None
    start: str = "step"  # step | the first record of this kind

    def label(self) -> str:
        if self.urgency == "immediately":
            return "direct"
        if self.urgency == "urgent" and self.school_days in (None, 1) and self.days is None:
            return "met spoed (binnen 1 schooldag)"
        if self.school_days is not None:
            return f"binnen {self.school_days} schooldag{'en' if self.school_days != 1 else ''}"
        if self.days is not None:
            if self.days % 7 == 0:
                weeks = self.days // 7
                return f"na {weeks} we{'ken' if weeks != 1 else 'ek'}"
            return f"binnen {self.days} dag{'en' if self.days != 1 else ''}"
        return ""


@dataclass(frozen=True)
class Condition:
    """Format 2: `if:` a record of this kind (matching `where`, naming `parties`) exists, the requirement applies."""

    record: str
    where: Mapping[str, tuple] = field(default_factory=dict)
    parties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Applied:
    """Something the app added to or changed in a school's file, shown on the meldcode page with why."""

    field: str
    what: str
    why: str


@dataclass(frozen=True)
class Requirement:
    """What must be recorded before a step counts as done, with the school's own rule as the reason."""

    id: str
    need: str
    rule: str
    record: str | None = None
    where: Mapping[str, tuple] = field(default_factory=dict)
    roles_present: tuple[str, ...] = ()
    before: tuple[str, ...] = ()  # the record must precede the first of these kinds
    exempt_by: str | None = None
    check: str | None = None
    advisory: bool = False
    line: int = field(default=0, compare=False)
    # Format 2 (all empty in a format-1 file, which then behaves as before).
    parties: tuple[str, ...] = ()  # parties (or roles) the record must name: who is present, with whom
    scope: str = "case"  # case | step: only a record made once this step began counts
    after: tuple[str, ...] = ()  # only a record after the first of these kinds counts
    due: Due | None = None
    condition: Condition | None = None  # the requirement applies only when this happened
    by: str = ""  # the party or role that carries it, unless the case's taakverdeling says otherwise


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    goal: str
    guidance: str
    actions: tuple[str, ...]
    carried_out_by: tuple[str, ...]
    involved: tuple[str, ...]
    role_rules: tuple[str, ...]
    requires: tuple[Requirement, ...]
    advice: tuple[Requirement, ...]
    branch: str | None = None
    line: int = field(default=0, compare=False)
    due: Due | None = None  # format 2: the deadline of the whole step

    @property
    def decides(self) -> bool:
        return any(r.check == "decision" for r in self.requires)


@dataclass(frozen=True)
class Branch:
    """What a yes or a no leads to: an outcome, a next question, or both (start help, then evaluate)."""

    outcome: str
    next: str | None
    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Question:
    id: str
    number: int
    text: str
    hint: str
    yes: Branch
    no: Branch
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Ground:
    id: str
    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Exemption:
    id: str
    title: str
    applies_to: str
    grounds: tuple[Ground, ...]
    rule: str

    def ground(self, ground_id: str) -> Ground | None:
        return next((g for g in self.grounds if g.id == ground_id), None)


@dataclass(frozen=True)
class Consent:
    needed_for: tuple[str, ...]
    pupil_from_age: int
    rule: str
    refusal_rule: str


@dataclass(frozen=True)
class Verwijsindex:
    from_step: str
    rule: str


@dataclass(frozen=True)
class Route:
    title: str
    guidance: str
    rule: str


@dataclass(frozen=True)
class Duty:
    id: str
    title: str
    guidance: str
    roles: tuple[str, ...]
    rule: str
    condition: str  # empty when the duty always applies
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class StaffRoute(Route):
    duties: tuple[Duty, ...] = ()


@dataclass(frozen=True)
class Routes:
    acute: Route
    staff: StaffRoute
    fgm_honour: Route


@dataclass(frozen=True)
class Responsibility:
    roles: tuple[str, ...]
    title: str
    duties: tuple[str, ...]


@dataclass(frozen=True)
class FinalResponsibility:
    roles: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class SignalCategory:
    id: str
    title: str
    signals: tuple[str, ...]


@dataclass(frozen=True)
class SignalList:
    ages: str
    categories: tuple[SignalCategory, ...]

    def __iter__(self):
        return iter(self.categories)


@dataclass(frozen=True)
class Meldcode:
    key: str
    version: str
    title: str
    owner: Owner
    adopted: Adopted
    legal_bases: tuple[str, ...]
    definitions: Mapping[str, str]
    names: Names
    child_involvement_age: int
    consent: Consent
    verwijsindex: Verwijsindex
    steps: tuple[Step, ...]
    afwegingskader: tuple[Question, ...]
    exemptions: tuple[Exemption, ...]
    routes: Routes
    final_responsibility: FinalResponsibility
    responsibilities: tuple[Responsibility, ...]
    not_responsible_for: tuple[str, ...]
    signal_list: SignalList
    closing_rule: str
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)
    format: int = 1
    parties: tuple[Party, ...] = ()
    # What the national model filled in (format 2) and names of bodies that no longer exist, each with why.
    defaults_applied: tuple[Applied, ...] = ()
    outdated_names: tuple[Applied, ...] = ()
    recontact_after: Due | None = None  # format 2: after a report, contact the report point again after this
    escalate_after_school_days: int = DEFAULT_ESCALATE_AFTER_SCHOOL_DAYS  # format 2: `escalate_after`

    def party(self, key: str) -> Party | None:
        return next((p for p in self.parties if p.key == key), None)

    def who(self, key: str) -> str:
        """The name of a party or (the Dutch label of) a school role."""
        party = self.party(key)
        if party is not None:
            return party.name
        from accounts.roles import Role

        labels = {value: str(label).split(" / ")[0].lower() for value, label in Role.choices}
        return labels.get(key, key)

    def default_applied(self, name: str) -> Applied | None:
        return next((a for a in self.defaults_applied if a.field == name), None)

    @property
    def requires_plan(self) -> bool:
        return any(r.record == "plan" for s in self.steps for r in (*s.requires, *s.advice))

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == str(step_id):
                return step
        raise KeyError(step_id)

    def question(self, question_id: str) -> Question:
        for question in self.afwegingskader:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def exemption(self, exemption_id: str) -> Exemption:
        for exemption in self.exemptions:
            if exemption.id == exemption_id:
                return exemption
        raise KeyError(exemption_id)

    def exemption_for(self, applies_to: str) -> Exemption | None:
        return next((e for e in self.exemptions if e.applies_to == applies_to), None)

    @property
    def exemption_grounds(self) -> dict[str, tuple[Ground, ...]]:
        """Per exempted obligation ('parent_conversation', ...) the grounds this meldcode accepts."""
        return {e.applies_to: e.grounds for e in self.exemptions}

    @property
    def staff_duties(self) -> tuple[Duty, ...]:
        return self.routes.staff.duties


class DefinitionError(Exception):
    """A meldcode file that cannot be used; `problems` lists (filename, line, message)."""

    def __init__(self, problems: list[tuple[str, int, str]]):
        self.problems = sorted(problems, key=lambda p: (p[0], p[1]))
        super().__init__("\n".join(f"{f}:{line}: {msg}" for f, line, msg in self.problems))

    def lines(self) -> list[str]:
        return [f"{f}:{line}: {msg}" for f, line, msg in self.problems]


# YAML with line numbers: protocol/yaml_lines.py.


# --- The validator ---------------------------------------------------------------------------------

_MISSING = object()


class _Reader:
    """Reads the raw YAML into the dataclasses, collecting every problem instead of stopping at the first."""

    def __init__(self, filename: str, *, legal_minimum: bool = True):
        self.filename = filename
        self.legal_minimum = legal_minimum
        self.problems: list[tuple[str, int, str]] = []
        self.format = 1
        self.party_keys: tuple[str, ...] = ()  # format 2: parties may stand wherever a school role may

    def problem(self, line: int, message: str) -> None:
        self.problems.append((self.filename, line, message))

    # Field readers. `where` is a Dutch description of the block, used in messages.

    def mapping(self, parent, key, where, *, required=True) -> LineDict:
        value = parent.get(key, _MISSING) if isinstance(parent, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.problem(_line(parent), f"{where}: het veld '{key}' ontbreekt.")
            return LineDict()
        if not isinstance(value, dict):
            self.problem(parent.line_of(key), f"{where}: '{key}' moet een blok met velden zijn.")
            return LineDict()
        return value

    def sequence(self, parent, key, where, *, required=True, allow_empty=False) -> LineList:
        value = parent.get(key, _MISSING) if isinstance(parent, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.problem(_line(parent), f"{where}: het veld '{key}' ontbreekt.")
            return LineList()
        if not isinstance(value, list):
            self.problem(parent.line_of(key), f"{where}: '{key}' moet een lijst zijn (regels die beginnen met '- ').")
            return LineList()
        if not value and not allow_empty and required:
            self.problem(parent.line_of(key), f"{where}: de lijst '{key}' is leeg.")
        return value

    def text(self, parent, key, where, *, required=True, default="") -> str:
        value = parent.get(key, _MISSING) if isinstance(parent, dict) else _MISSING
        if value is _MISSING or value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(_line(parent), f"{where}: het veld '{key}' ontbreekt of is leeg.")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.problem(parent.line_of(key), f"{where}: '{key}' moet een tekst zijn.")
            return default
        return str(value).strip()

    def texts(self, parent, key, where, *, required=True) -> tuple[str, ...]:
        items = self.sequence(parent, key, where, required=required)
        result = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                self.problem(items.line_of(index), f"{where}: een punt van '{key}' bevat een dubbele punt met een "
                                                   "spatie; zet de hele tekst tussen aanhalingstekens.")
            elif not isinstance(item, str) or not item.strip():
                self.problem(items.line_of(index), f"{where}: elk punt van '{key}' moet een tekst zijn.")
            else:
                result.append(item.strip())
        return tuple(result)

    def integer(self, parent, key, where, *, minimum, maximum) -> int:
        value = parent.get(key, _MISSING) if isinstance(parent, dict) else _MISSING
        if value is _MISSING or value is None:
            self.problem(_line(parent), f"{where}: het veld '{key}' ontbreekt.")
            return minimum
        if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
            self.problem(parent.line_of(key),
                         f"{where}: '{key}' moet een heel getal van {minimum} tot en met {maximum} zijn, niet '{value}'.")
            return minimum
        return value

    def identifier(self, parent, key, where) -> str:
        value = parent.get(key, _MISSING) if isinstance(parent, dict) else _MISSING
        if value is _MISSING or value is None or value == "":
            self.problem(_line(parent), f"{where}: het veld '{key}' ontbreekt.")
            return ""
        value = str(value)
        if not ID_PATTERN.match(value):
            self.problem(parent.line_of(key), f"{where}: '{key}' '{value}' mag alleen letters, cijfers en _ bevatten.")
        return value

    def roles(self, parent, key, where, *, required=False, parties=True) -> tuple[str, ...]:
        items = self.sequence(parent, key, where, required=required)
        result = []
        allowed = set(ROLE_IDS) | (set(self.party_keys) if parties else set())
        for index, item in enumerate(items):
            if not isinstance(item, str) or item not in allowed:
                choices = sorted(ROLE_IDS) + (list(self.party_keys) if parties else [])
                self.problem(items.line_of(index),
                             f"{where}: onbekende rol '{item}' in '{key}'. Kies uit: {', '.join(choices)}.")
            else:
                result.append(item)
        return tuple(result)

    def choice(self, parent, key, where, choices, *, required=True, default=None):
        value = parent.get(key, _MISSING) if isinstance(parent, dict) else _MISSING
        if value is _MISSING or value is None:
            if required:
                self.problem(_line(parent), f"{where}: het veld '{key}' ontbreekt.")
            return default
        if not isinstance(value, str) or value not in choices:
            self.problem(parent.line_of(key),
                         f"{where}: '{key}' is '{value}', maar moet een van deze zijn: {', '.join(choices)}.")
            return default
        return value

    def known_keys(self, parent, allowed, where, *, newer=()) -> None:
        if not isinstance(parent, dict):
            return
        for key in parent:
            if key in newer and key not in allowed:
                self.problem(parent.line_of(key), f"{where}: het veld '{key}' bestaat pas in formaat 2. Zet "
                                                  "'format: 2' bovenaan het bestand.")
            elif key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                suggestion = f" Bedoelde u '{hint[0]}'?" if hint else f" Toegestaan: {', '.join(allowed)}."
                self.problem(parent.line_of(key), f"{where}: onbekend veld '{key}'.{suggestion}")

    def unique(self, items, seen: dict, value: str, index: int, what: str) -> None:
        if value in seen:
            self.problem(items.line_of(index), f"{what} '{value}' komt twee keer voor (eerder op regel {seen[value]}).")
        else:
            seen[value] = items.line_of(index)


def _line(node) -> int:
    return getattr(node, "line", 1)


TOP_LEVEL_KEYS = (
    "format", "key", "version", "title", "owner", "adopted", "legal_bases", "definitions", "names",
    "child_involvement_age", "consent", "verwijsindex", "steps", "afwegingskader", "exemptions", "routes",
    "final_responsibility", "responsibilities", "not_responsible_for", "signal_list", "closing",
)
STEP_KEYS = ("id", "title", "goal", "guidance", "actions", "carried_out_by", "involved", "role_rules", "requires",
             "advice", "branch")
REQUIREMENT_KEYS = ("id", "need", "rule", "record", "where", "roles_present", "before", "exempt_by", "check")
QUESTION_KEYS = ("id", "text", "hint", "yes", "no")
# Fields that exist from format 2 on; in a format-1 file they are unknown, as they always were.
TOP_LEVEL_KEYS_2 = TOP_LEVEL_KEYS + ("parties", "recontact_after", "escalate_after")
STEP_KEYS_2 = STEP_KEYS + ("due",)
REQUIREMENT_KEYS_2 = REQUIREMENT_KEYS + ("parties", "scope", "after", "due", "if", "by")
PARTY_KEYS = ("key", "name", "description", "organisation_kinds", "organisations")
BRANCH_KEYS = ("outcome", "next", "text")


def load_definition(text: str, filename: str = "meldcode.yaml", *, legal_minimum: bool = True) -> Meldcode:
    """Parse and validate a meldcode file; raise DefinitionError listing every problem with its line.

    `legal_minimum=False` skips only the checks of the legal minimum, for versions stored before those checks
    existed: their open cases must keep working (the engine applies the legal minimum itself)."""
    data, problems = parse_yaml(text, filename)
    if data is None and not problems:
        problems = [(filename, 1, "Het bestand is leeg.")]
    if problems and data is None:
        raise DefinitionError(problems)
    if not isinstance(data, dict):
        raise DefinitionError(problems + [(filename, 1, "Het bestand moet beginnen met velden als 'key:' en 'title:'.")])
    reader = _Reader(filename, legal_minimum=legal_minimum)
    reader.problems.extend(problems)
    try:
        meldcode = _read_meldcode(reader, data)
    except Exception as error:
        # A shape the reader does not foresee must still give the school an answer, never a server error.
        logger.exception("Unexpected error while reading meldcode %s", filename)
        reader.problem(1, "Het bestand kon niet volledig worden gecontroleerd: de opbouw wijkt af van het formaat "
                          f"({type(error).__name__}). Vergelijk het met het voorbeeld in de handleiding.")
    if reader.problems:
        raise DefinitionError(reader.problems)
    return meldcode


def validate_file(path: str | Path) -> list[tuple[str, int, str]]:
    """Problems in the file at `path` (empty when it is a valid meldcode)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return [(str(path), 1, f"Kan het bestand niet lezen: {error}.")]
    try:
        load_definition(text, str(path))
    except DefinitionError as error:
        return error.problems
    return []


def _read_meldcode(r: _Reader, data: LineDict) -> Meldcode:
    fmt = data.get("format", 1)
    if isinstance(fmt, bool) or fmt not in FORMATS:
        r.problem(data.line_of("format"), f"Meldcode: 'format' is {fmt}; deze versie van de app leest formaat "
                                          f"{' en '.join(str(f) for f in FORMATS)}.")
        fmt = 1
    r.format = fmt
    r.known_keys(data, TOP_LEVEL_KEYS_2 if fmt >= 2 else TOP_LEVEL_KEYS, "Meldcode",
                 newer=TOP_LEVEL_KEYS_2)
    outdated = _outdated_names(data)
    defaults_applied: list[Applied] = []
    if fmt >= 2:
        _modernise(data)
        defaults_applied = _apply_national_defaults(data)
        parties = _read_parties(r, data)
        r.party_keys = tuple(p.key for p in parties)
    else:
        parties = []
    key = r.text(data, "key", "Meldcode")
    if key and not KEY_PATTERN.match(key):
        r.problem(data.line_of("key"), f"Meldcode: 'key' '{key}' mag alleen kleine letters, cijfers en "
                                       "streepjes bevatten (bijv. de-vlinder).")
    raw_version = data.get("version")
    if isinstance(raw_version, datetime.date):
        # A version such as 2025-08-01 is judged like any other text, not as a date.
        data["version"] = raw_version.isoformat()
    if isinstance(raw_version, float):
        r.problem(data.line_of("version"), f"Meldcode: zet de versie tussen aanhalingstekens (\"{raw_version}\"), "
                                           "anders leest YAML haar als getal.")
    version = r.text(data, "version", "Meldcode")
    title = r.text(data, "title", "Meldcode")
    _check_lengths(r, data, {"key": key, "version": version, "title": title})

    owner_data = r.mapping(data, "owner", "Meldcode")
    r.known_keys(owner_data, ("kind", "name"), "Eigenaar")
    owner = Owner(r.choice(owner_data, "kind", "Eigenaar", OWNER_KINDS, default="school") if owner_data else "school",
                  r.text(owner_data, "name", "Eigenaar") if owner_data else "")

    adopted_data = r.mapping(data, "adopted", "Meldcode")
    r.known_keys(adopted_data, ("by", "on"), "Vastgesteld")
    adopted_on = adopted_data.get("on") if adopted_data else None
    if adopted_data and "on" not in adopted_data:
        r.problem(adopted_data.line, "Vastgesteld: het veld 'on' ontbreekt (de datum, of leeg als die onbekend is).")
    if adopted_on is not None and not isinstance(adopted_on, datetime.date):
        r.problem(adopted_data.line_of("on"), f"Vastgesteld: 'on' moet een datum zijn als 2019-01-01, niet "
                                              f"'{adopted_on}'.")
        adopted_on = None
    if isinstance(adopted_on, datetime.datetime):
        adopted_on = adopted_on.date()
    adopted = Adopted(r.text(adopted_data, "by", "Vastgesteld") if adopted_data else "", adopted_on)

    legal_bases = r.texts(data, "legal_bases", "Meldcode")
    definitions_data = r.mapping(data, "definitions", "Meldcode")
    definitions = {}
    for name in MANDATORY_DEFINITIONS:
        if definitions_data:
            definitions[name] = r.text(definitions_data, name, "Begripsbepalingen")
    for name in definitions_data:
        if name not in MANDATORY_DEFINITIONS:
            definitions[name] = r.text(definitions_data, name, "Begripsbepalingen")

    names_data = r.mapping(data, "names", "Meldcode")
    r.known_keys(names_data, ("report_point", "care_team", "attention_officer"), "Namen")
    names = Names(r.text(names_data, "report_point", "Namen") if names_data else "",
                  r.text(names_data, "care_team", "Namen") if names_data else "",
                  r.text(names_data, "attention_officer", "Namen") if names_data else "")

    # Format 2 judges the age as the law does (12 at the latest) everywhere; format 1 keeps its wider range for
    # stored versions, with the legal minimum checked separately.
    child_age = r.integer(data, "child_involvement_age", "Meldcode", minimum=4,
                          maximum=LEGAL_CHILD_AGE if fmt >= 2 else 18)

    consent_data = r.mapping(data, "consent", "Meldcode")
    r.known_keys(consent_data, ("needed_for", "pupil_from_age", "rule", "refusal_rule"), "Toestemming")
    needed_for = []
    partners = r.sequence(consent_data, "needed_for", "Toestemming") if consent_data else LineList()
    for index, partner in enumerate(partners):
        if partner not in CONSULTATION_PARTNERS:
            r.problem(partners.line_of(index), f"Toestemming: onbekende gesprekspartner '{partner}' in 'needed_for'. "
                                               f"Kies uit: {', '.join(CONSULTATION_PARTNERS)}.")
        else:
            needed_for.append(partner)
    consent = Consent(
        tuple(needed_for),
        r.integer(consent_data, "pupil_from_age", "Toestemming", minimum=12, maximum=18) if consent_data else 16,
        r.text(consent_data, "rule", "Toestemming") if consent_data else "",
        r.text(consent_data, "refusal_rule", "Toestemming") if consent_data else "",
    )

    steps = _read_steps(r, data)
    step_ids = [s.id for s in steps]
    vi_data = r.mapping(data, "verwijsindex", "Meldcode")
    r.known_keys(vi_data, ("from_step", "rule"), "Verwijsindex")
    vi_from = r.text(vi_data, "from_step", "Verwijsindex") if vi_data else ""
    if vi_from and step_ids and vi_from not in step_ids:
        r.problem(vi_data.line_of("from_step"), f"Verwijsindex: 'from_step' noemt stap '{vi_from}', maar die stap "
                                                "bestaat niet.")
    verwijsindex = Verwijsindex(vi_from, r.text(vi_data, "rule", "Verwijsindex") if vi_data else "")

    if fmt >= 2:
        defaults_applied += _apply_national_afwegingskader(data)
    questions = _read_afwegingskader(r, data)
    exemptions = _read_exemptions(r, data)
    _check_requirement_references(r, data, steps, exemptions)
    if r.legal_minimum:
        _check_legal_minimum(r, data, steps, questions, exemptions, adopted_on)
    routes = _read_routes(r, data)

    final_data = r.mapping(data, "final_responsibility", "Meldcode")
    r.known_keys(final_data, ("roles", "text"), "Eindverantwoordelijkheid")
    final = FinalResponsibility(r.roles(final_data, "roles", "Eindverantwoordelijkheid", required=True,
                                        parties=False)
                                if final_data else (),
                                r.text(final_data, "text", "Eindverantwoordelijkheid") if final_data else "")

    responsibilities = []
    items = r.sequence(data, "responsibilities", "Meldcode")
    for index, item in enumerate(items):
        where = f"Verantwoordelijkheden (punt {index + 1})"
        if not isinstance(item, dict):
            r.problem(items.line_of(index), f"{where}: verwacht een blok met 'roles', 'title' en 'duties'.")
            continue
        r.known_keys(item, ("roles", "title", "duties"), where)
        responsibilities.append(Responsibility(r.roles(item, "roles", where, required=True), r.text(item, "title", where),
                                               r.texts(item, "duties", where)))
    not_responsible_for = r.texts(data, "not_responsible_for", "Meldcode", required=False)

    signal_list = _read_signal_list(r, data)
    closing_data = r.mapping(data, "closing", "Meldcode")
    r.known_keys(closing_data, ("rule",), "Afsluiten")
    closing_rule = r.text(closing_data, "rule", "Afsluiten") if closing_data else ""

    return Meldcode(
        key=key, version=version, title=title, owner=owner, adopted=adopted, legal_bases=legal_bases,
        definitions=definitions, names=names, child_involvement_age=child_age, consent=consent,
        verwijsindex=verwijsindex, steps=tuple(steps), afwegingskader=tuple(questions),
        exemptions=tuple(exemptions), routes=routes, final_responsibility=final,
        responsibilities=tuple(responsibilities), not_responsible_for=not_responsible_for,
        signal_list=signal_list, closing_rule=closing_rule, raw=data, format=fmt, parties=tuple(parties),
        defaults_applied=tuple(defaults_applied), outdated_names=tuple(outdated),
        recontact_after=_read_due(r, data, "recontact_after", "Meldcode") if fmt >= 2 else None,
        escalate_after_school_days=(_read_escalate_after(r, data) if fmt >= 2
                                    else DEFAULT_ESCALATE_AFTER_SCHOOL_DAYS),
    )


def _read_escalate_after(r: _Reader, data: LineDict) -> int:
    """`escalate_after: {school_days: N}`: how many school days an overdue deadline stays with the coordinator
    before the directie is told as well; without it, three."""
    value = data.get("escalate_after")
    if value is None:
        return DEFAULT_ESCALATE_AFTER_SCHOOL_DAYS
    where = "Meldcode, escalate_after"
    if not isinstance(value, dict):
        r.problem(data.line_of("escalate_after"), f"{where}: verwacht een blok met het aantal schooldagen, bijv. "
                                                  "{school_days: 5}.")
        return DEFAULT_ESCALATE_AFTER_SCHOOL_DAYS
    r.known_keys(value, ("school_days",), where)
    return r.integer(value, "school_days", where, minimum=1, maximum=ESCALATE_AFTER_MAXIMUM)


def _check_lengths(r: _Reader, data: LineDict, values: dict[str, str]) -> None:
    for name, value in values.items():
        if len(value) > MAX_LENGTHS[name]:
            r.problem(data.line_of(name), f"Meldcode: '{name}' is {len(value)} tekens lang; het mogen er hoogstens "
                                          f"{MAX_LENGTHS[name]} zijn.")


def _read_steps(r: _Reader, data: LineDict) -> list[Step]:
    items = r.sequence(data, "steps", "Meldcode")
    steps: list[Step] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            r.problem(items.line_of(index), f"Stappen: punt {index + 1} moet een blok met 'id', 'title', ... zijn.")
            continue
        step_id = str(item.get("id", "")).strip()
        where = f"Stap {step_id}" if step_id else f"Stap (punt {index + 1})"
        if not step_id:
            r.problem(item.line, f"{where}: het veld 'id' ontbreekt (bijv. id: \"3\").")
        else:
            r.unique(items, seen, step_id, index, "Stap")
        r.known_keys(item, STEP_KEYS_2 if r.format >= 2 else STEP_KEYS, where, newer=STEP_KEYS_2)
        branch = r.choice(item, "branch", where, BRANCHES, required=False)
        expected_branch = MANDATORY_BRANCH.get(step_id)
        if expected_branch and branch != expected_branch and "branch" in item and branch is not None:
            r.problem(item.line_of("branch"), f"{where}: stap {step_id} hoort bij de uitkomst '{expected_branch}', "
                                              f"niet '{branch}'.")
        if expected_branch and "branch" not in item:
            branch = expected_branch
        requires = tuple(_read_requirements(r, item, "requires", where))
        advice = tuple(_read_requirements(r, item, "advice", where, advisory=True))
        steps.append(Step(
            id=step_id, title=r.text(item, "title", where), goal=r.text(item, "goal", where),
            guidance=r.text(item, "guidance", where), actions=r.texts(item, "actions", where),
            carried_out_by=r.roles(item, "carried_out_by", where, required=True),
            involved=r.roles(item, "involved", where), role_rules=r.texts(item, "role_rules", where, required=False),
            requires=requires, advice=advice, branch=branch, line=item.line,
            due=_read_due(r, item, "due", where) if r.format >= 2 else None,
        ))
    if items or "steps" in data:
        present = {s.id for s in steps}
        for step_id in MANDATORY_STEPS:
            if step_id not in present:
                r.problem(data.line_of("steps"), f"Stappen: stap {step_id} ontbreekt; elke meldcode heeft de stappen "
                                                 f"{', '.join(MANDATORY_STEPS)}.")
        deciding = [s for s in steps if s.decides]
        if steps and not deciding:
            r.problem(data.line_of("steps"), "Stappen: geen enkele stap heeft de eis 'check: decision'; zet die bij "
                                             "de stap waarin het afwegingskader wordt doorlopen.")
        elif len(deciding) > 1:
            r.problem(data.line_of("steps"), "Stappen: alleen één stap mag de eis 'check: decision' hebben, nu: "
                                             f"{', '.join(s.id for s in deciding)}.")
        elif deciding and deciding[0].branch:
            r.problem(data.line_of("steps"), f"Stap {deciding[0].id}: het afwegingskader kan niet in een stap staan die "
                                             "pas na de beslissing begint.")
    return steps


def _read_requirements(r: _Reader, step: LineDict, key: str, where: str, *, advisory=False) -> list[Requirement]:
    items = r.sequence(step, key, where, required=False)
    result = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            r.problem(items.line_of(index), f"{where}: elk punt onder '{key}' moet een blok zijn met 'id', 'need' en "
                                            "'rule'.")
            continue
        req_id = r.identifier(item, "id", f"{where}, {key}")
        inner = f"{where}, {key} '{req_id}'"
        if req_id:
            r.unique(items, seen, req_id, index, f"{where}: eis")
        r.known_keys(item, REQUIREMENT_KEYS_2 if r.format >= 2 else REQUIREMENT_KEYS, inner,
                     newer=REQUIREMENT_KEYS_2)
        record, check = _read_kind(r, item, inner)
        where_clause = _read_where(r, item, record, inner)
        roles_present = r.roles(item, "roles_present", inner)
        if roles_present and record != "conversation":
            r.problem(item.line_of("roles_present"), f"{inner}: 'roles_present' kan alleen bij record: conversation.")
        exempt_by = item.get("exempt_by")
        if exempt_by is not None and not isinstance(exempt_by, str):
            r.problem(item.line_of("exempt_by"), f"{inner}: 'exempt_by' is de id van één uitzondering, bijv. "
                                                 "exempt_by: parent_conversation.")
            exempt_by = None
        extra = _read_requirement_2(r, item, record, inner) if r.format >= 2 else {}
        result.append(Requirement(
            id=req_id, need=r.text(item, "need", inner), rule=r.text(item, "rule", inner),
            record=record, where=where_clause, roles_present=roles_present, before=_read_before(r, item, inner),
            exempt_by=exempt_by, check=check, advisory=advisory, line=item.line, **extra,
        ))
    return result


def _read_kind(r: _Reader, item: LineDict, inner: str) -> tuple[str | None, str | None]:
    """The requirement's `record` or `check`; anything that is not one known word is reported, not looked up."""
    record, check = item.get("record"), item.get("check")
    if record is None and check is None:
        r.problem(item.line, f"{inner}: geef 'record' (wat er vastgelegd moet zijn) of 'check' "
                             f"({', '.join(CHECKS)}).")
    if record is not None and check is not None:
        r.problem(item.line, f"{inner}: gebruik 'record' of 'check', niet allebei.")
    if record is not None and (not isinstance(record, str) or record not in RECORD_VOCABULARY):
        r.problem(item.line_of("record"), f"{inner}: onbekend soort vastlegging '{record}'. Kies uit: "
                                          f"{', '.join(RECORD_VOCABULARY)}.")
        record = None
    if check is not None and (not isinstance(check, str) or check not in CHECKS):
        r.problem(item.line_of("check"), f"{inner}: onbekende controle '{check}'. Kies uit: {', '.join(CHECKS)}.")
        check = None
    return record, check


def _read_before(r: _Reader, item: LineDict, inner: str, key: str = "before") -> tuple[str, ...]:
    """`before: report` or `before: [weighing, help, report]`: the record must precede the first of these.
    Format 2's `after:` reads the same way: the record must follow the first of these."""
    before = item.get(key)
    if before is None:
        return ()
    kinds = list(before) if isinstance(before, list) else [before]
    if not kinds:
        r.problem(item.line_of(key), f"{inner}: de lijst '{key}' is leeg.")
    result = []
    for kind in kinds:
        if not isinstance(kind, str) or kind not in RECORD_VOCABULARY:
            r.problem(item.line_of(key), f"{inner}: '{key}' noemt '{kind}', dat is geen soort vastlegging. "
                                         f"Kies uit: {', '.join(RECORD_VOCABULARY)}.")
        elif kind not in result:
            result.append(kind)
    return tuple(result)


def _read_where(r: _Reader, item: LineDict, record: str | None, where: str) -> dict[str, tuple]:
    clause = item.get("where")
    if clause is None:
        return {}
    if not isinstance(clause, dict):
        r.problem(item.line_of("where"), f"{where}: 'where' moet een blok zijn, bijv. where: {{purpose: parent}}.")
        return {}
    if record is None:
        return {}
    vocabulary = RECORD_VOCABULARY[record]
    result = {}
    for data_key, value in clause.items():
        if data_key not in vocabulary:
            known = ", ".join(vocabulary) or "geen"
            r.problem(clause.line_of(data_key), f"{where}: een '{record}' heeft geen gegeven '{data_key}' "
                                                f"(wel: {known}).")
            continue
        allowed = vocabulary[data_key]
        values = tuple(value) if isinstance(value, list) else (value,)
        for one in values:
            if allowed is bool and not isinstance(one, bool):
                r.problem(clause.line_of(data_key), f"{where}: '{data_key}' is ja/nee: schrijf true of false, "
                                                    f"niet '{one}'.")
            elif allowed is not bool and one not in allowed:
                r.problem(clause.line_of(data_key), f"{where}: '{data_key}' kan niet '{one}' zijn. Kies uit: "
                                                    f"{', '.join(allowed)}.")
        result[data_key] = values
    return result


def _check_requirement_references(r: _Reader, data: LineDict, steps: list[Step], exemptions: list[Exemption]):
    """exempt_by must name an exemption, and that exemption must fit the requirement."""
    by_id = {e.id: e for e in exemptions}
    items = data.get("steps") if isinstance(data.get("steps"), list) else []
    for step, item in zip(steps, [i for i in items if isinstance(i, dict)], strict=False):
        raw = item.get("requires") or []
        raw = [x for x in raw if isinstance(x, dict)] if isinstance(raw, list) else []
        for requirement, req_item in zip(step.requires, raw, strict=False):
            if requirement.exempt_by is None:
                continue
            line = req_item.line_of("exempt_by")
            exemption = by_id.get(requirement.exempt_by)
            if exemption is None:
                r.problem(line, f"Stap {step.id}, eis '{requirement.id}': 'exempt_by' noemt uitzondering "
                                f"'{requirement.exempt_by}', maar die staat niet onder 'exemptions'.")
            elif requirement.record != "conversation":
                r.problem(line, f"Stap {step.id}, eis '{requirement.id}': een uitzondering kan alleen gelden voor "
                                "een gesprek (record: conversation).")


def _read_afwegingskader(r: _Reader, data: LineDict) -> list[Question]:
    items = r.sequence(data, "afwegingskader", "Afwegingskader")
    questions: list[Question] = []
    seen: dict[str, int] = {}
    branch_lines: list[tuple[str, str, int, Branch]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            r.problem(items.line_of(index), f"Afwegingskader: vraag {index + 1} moet een blok met 'id', 'text', 'yes' "
                                            "en 'no' zijn.")
            continue
        qid = r.identifier(item, "id", f"Afwegingskader, vraag {index + 1}")
        where = f"Afwegingskader, vraag {index + 1} ('{qid}')"
        if qid:
            r.unique(items, seen, qid, index, "Afwegingskader: vraag")
        r.known_keys(item, QUESTION_KEYS, where)
        branches = {}
        for answer, label in (("yes", "ja"), ("no", "nee")):
            branch_data = item.get(answer)
            if not isinstance(branch_data, dict):
                r.problem(item.line_of(answer) if answer in item else item.line,
                          f"{where}: het antwoord '{answer}' ({label}) ontbreekt of is geen blok met 'outcome' "
                          "en/of 'next'.")
                branches[answer] = Branch("continue", None, "")
                continue
            r.known_keys(branch_data, BRANCH_KEYS, f"{where}, {label}")
            outcome = branch_data.get("outcome", "continue")
            if not isinstance(outcome, str) or outcome not in OUTCOME_KINDS:
                r.problem(branch_data.line_of("outcome"), f"{where}, {label}: onbekende uitkomst '{outcome}'. Kies "
                                                          f"uit: {', '.join(OUTCOME_KINDS)}.")
                outcome = "continue"
            nxt = branch_data.get("next")
            nxt = str(nxt) if nxt is not None else None
            # Messages about an answer point at its outcome, the line to change.
            line = branch_data.line_of("outcome") if "outcome" in branch_data else item.line_of(answer)
            branch = Branch(outcome, nxt, r.text(branch_data, "text", f"{where}, {label}", required=False), line=line)
            if outcome == "continue" and nxt is None:
                r.problem(branch_data.line, f"{where}, {label}: dit antwoord wijst nergens heen. Geef een 'outcome' "
                                            "(bijv. report) of een 'next' (de volgende vraag).")
            if outcome != "continue" and not branch.text:
                r.problem(branch_data.line, f"{where}, {label}: leg bij de uitkomst '{outcome}' in 'text' uit wat de "
                                            "school dan doet.")
            branches[answer] = branch
            branch_lines.append((qid, label, branch_data.line_of("next"), branch))
        questions.append(Question(qid, index + 1, r.text(item, "text", where), r.text(item, "hint", where,
                                                                                     required=False),
                                  branches["yes"], branches["no"], line=item.line))
    order = {q.id: q.number for q in questions}
    for qid, label, line, branch in branch_lines:
        if branch.next is None:
            continue
        if branch.next not in order:
            r.problem(line, f"Afwegingskader, vraag '{qid}', {label}: 'next' wijst naar vraag '{branch.next}', maar "
                            "die bestaat niet.")
        elif order[branch.next] <= order.get(qid, 0):
            r.problem(line, f"Afwegingskader, vraag '{qid}', {label}: 'next' wijst terug naar vraag '{branch.next}'; "
                            "vragen worden op volgorde beantwoord.")
    if questions:
        reachable = {questions[0].id}
        for question in questions:
            if question.id in reachable:
                reachable.update(b.next for b in (question.yes, question.no) if b.next)
        for index, question in enumerate(questions):
            if question.id not in reachable:
                r.problem(items.line_of(index), f"Afwegingskader: vraag '{question.id}' is nooit aan de beurt; geen "
                                                "eerdere vraag wijst ernaar.")
        outcomes = {b.outcome for q in questions for b in (q.yes, q.no)}
        for needed in ("close_unfounded", "report", "start_help"):
            if needed not in outcomes:
                r.problem(data.line_of("afwegingskader"), f"Afwegingskader: geen enkele vraag leidt tot de uitkomst "
                                                          f"'{needed}'.")
    return questions


def _read_exemptions(r: _Reader, data: LineDict) -> list[Exemption]:
    items = r.sequence(data, "exemptions", "Uitzonderingen")
    result: list[Exemption] = []
    seen: dict[str, int] = {}
    targets: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            r.problem(items.line_of(index), f"Uitzonderingen: punt {index + 1} moet een blok zijn.")
            continue
        eid = r.identifier(item, "id", f"Uitzondering {index + 1}")
        where = f"Uitzondering '{eid}'"
        if eid:
            r.unique(items, seen, eid, index, "Uitzondering")
        r.known_keys(item, ("id", "title", "applies_to", "grounds", "rule"), where)
        applies_to = r.choice(item, "applies_to", where, EXEMPTION_TARGETS, default="")
        if applies_to:
            r.unique(items, targets, applies_to, index, "Uitzondering voor")
        grounds = []
        ground_items = r.sequence(item, "grounds", where)
        ground_seen: dict[str, int] = {}
        for g_index, ground in enumerate(ground_items):
            if not isinstance(ground, dict):
                r.problem(ground_items.line_of(g_index), f"{where}: elke grond is een blok met 'id' en 'text'.")
                continue
            gid = r.identifier(ground, "id", f"{where}, grond")
            if gid:
                r.unique(ground_items, ground_seen, gid, g_index, f"{where}: grond")
            grounds.append(Ground(gid, r.text(ground, "text", f"{where}, grond '{gid}'"), line=ground.line_of("id")))
        result.append(Exemption(eid, r.text(item, "title", where), applies_to, tuple(grounds),
                                r.text(item, "rule", where)))
    return result


# --- Format 2 -------------------------------------------------------------------------------------

def _walk_texts(node, change=None, found=None):
    """Every text in the file (values, not keys); `change` replaces each in place, keeping line numbers."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str):
                if found is not None:
                    found.append(value)
                if change is not None:
                    node[key] = change(value)
            else:
                _walk_texts(value, change, found)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, str):
                if found is not None:
                    found.append(value)
                if change is not None:
                    node[index] = change(value)
            else:
                _walk_texts(value, change, found)


def _outdated_names(data: LineDict) -> list[Applied]:
    """Names of bodies that no longer exist, with a note; a format-2 file shows them as Veilig Thuis."""
    texts: list[str] = []
    _walk_texts(data, found=texts)
    modern = data.get("format") == 2
    notes = []
    for pattern, name in OUTDATED_BODIES:
        if name == "AMK" and notes and "AMK" in notes[0].what:
            continue  # the full name was noted already
        if any(pattern.search(text) for text in texts):
            what = (f"'{name}' wordt getoond als Veilig Thuis." if modern else
                    f"Dit bestand noemt '{name}'; die instantie heet nu Veilig Thuis.")
            notes.append(Applied("names", what, "Het Advies- en Meldpunt Kindermishandeling (AMK) en het Steunpunt "
                                                "Huiselijk Geweld zijn op 1 januari 2015 samengegaan in Veilig Thuis."))
    return notes


def modernise_text(text: str) -> str:
    for pattern, _name in OUTDATED_BODIES:
        text = pattern.sub("Veilig Thuis", text)
    return text.replace("Veilig Thuis (Veilig Thuis)", "Veilig Thuis")


def _modernise(data: LineDict) -> None:
    _walk_texts(data, change=modernise_text)


def _national_raw() -> LineDict:
    import copy

    return copy.deepcopy(shipped("landelijk-2019").raw)


def _apply_national_defaults(data: LineDict) -> list[Applied]:
    """Format 2: what the school's document lacks, the national model of 2019 fills in, said on the meldcode
    page; nothing is invented silently."""
    national = _national_raw()
    applied = []
    why = "Het document van de school regelt dit niet; het landelijk model 2019 geldt."
    for key, label in NATIONAL_DEFAULTS.items():
        if data.get(key) is None:
            data[key] = national[key]
            data.lines.setdefault(key, data.line)
            applied.append(Applied(key, f"{label[0].upper()}{label[1:]}: uit het landelijk model.", why))
        elif key == "definitions" and isinstance(data[key], dict):
            for name in MANDATORY_DEFINITIONS:
                if data[key].get(name) is None:
                    data[key][name] = national[key][name]
                    applied.append(Applied(f"definitions.{name}", f"Begrip '{name}': uit het landelijk model.", why))
        elif key == "consent" and isinstance(data[key], dict) and data[key].get("pupil_from_age") is None:
            data[key]["pupil_from_age"] = national[key]["pupil_from_age"]
            applied.append(Applied("consent.pupil_from_age", "Toestemming van de leerling zelf vanaf "
                                   f"{national[key]['pupil_from_age']} jaar: uit het landelijk model.", why))
    return applied


def _apply_national_afwegingskader(data: LineDict) -> list[Applied]:
    """Format 2: a meldcode without the five questions of 2019 may be uploaded and kept, but it is used with the
    national afwegingskader on top (Besluit verplichte meldcode, since 1 January 2019)."""
    own = data.get("afwegingskader")
    if isinstance(own, list) and len(own) == len(AFWEGINGSKADER_2019):
        return []
    count = len(own) if isinstance(own, list) else 0
    data["afwegingskader"] = _national_raw()["afwegingskader"]
    data.lines.setdefault("afwegingskader", data.line)
    had = f"{count} vragen" if count else "geen afwegingskader"
    return [Applied("afwegingskader", f"Het afwegingskader van het landelijk model (vijf vragen) is toegevoegd; het "
                                      f"document van de school had {had}.",
                    "Sinds 1 januari 2019 besluit elke school met de vijf vragen van het afwegingskader of zij meldt "
                    "en of zij hulp kan organiseren (Besluit verplichte meldcode).")]


def _read_parties(r: _Reader, data: LineDict) -> list[Party]:
    items = r.sequence(data, "parties", "Partijen", required=False)
    parties: list[Party] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            r.problem(items.line_of(index), "Partijen: elke partij is een blok met 'key' en 'name'.")
            continue
        key = r.identifier(item, "key", f"Partij {index + 1}")
        where = f"Partij '{key}'"
        r.known_keys(item, PARTY_KEYS, where)
        if key:
            r.unique(items, seen, key, index, "Partij")
            if key in ROLE_IDS:
                r.problem(item.line_of("key"), f"{where}: '{key}' is al een rol van school; kies een andere sleutel.")
        kinds = []
        raw_kinds = r.sequence(item, "organisation_kinds", where, required=False)
        for k_index, kind in enumerate(raw_kinds):
            if kind not in ORGANISATION_KINDS:
                r.problem(raw_kinds.line_of(k_index), f"{where}: onbekende soort organisatie '{kind}'. Kies uit: "
                                                      f"{', '.join(ORGANISATION_KINDS)}.")
            else:
                kinds.append(kind)
        parties.append(Party(key, r.text(item, "name", where), r.text(item, "description", where, required=False),
                             tuple(kinds), r.texts(item, "organisations", where, required=False), line=item.line))
    return parties


DUE_WORDS = {"immediately": "immediately", "direct": "immediately", "urgent": "urgent", "urgently": "urgent",
             "met spoed": "urgent"}


def _read_due(r: _Reader, parent, key: str, where: str) -> Due | None:
    """`due: immediately`, `due: urgent`, or a block: {school_days: 5}, {days: 10}, {weeks: 6}, with `from`
    (step, or a kind of record) and `urgency`."""
    value = parent.get(key) if isinstance(parent, dict) else None
    if value is None:
        return None
    line = parent.line_of(key)
    if isinstance(value, str):
        urgency = DUE_WORDS.get(value.strip().lower())
        if urgency is None:
            r.problem(line, f"{where}: '{key}' is '{value}'. Schrijf immediately, urgent, of een blok zoals "
                            "{school_days: 5}.")
            return None
        return Due(urgency, school_days=0 if urgency == "immediately" else 1)
    if not isinstance(value, dict):
        r.problem(line, f"{where}: '{key}' moet immediately, urgent of een blok zoals {{school_days: 5}} zijn.")
        return None
    r.known_keys(value, ("school_days", "days", "weeks", "from", "urgency"), f"{where}, {key}")
    periods = [k for k in ("school_days", "days", "weeks") if k in value]
    if len(periods) > 1:
        r.problem(line, f"{where}, {key}: geef één termijn (school_days, days of weeks), niet {' en '.join(periods)}.")
    amounts = {}
    for period in periods:
        amounts[period] = r.integer(value, period, f"{where}, {key}", minimum=0, maximum=365)
    urgency = r.choice(value, "urgency", f"{where}, {key}", URGENCIES, required=False, default="normal")
    start = r.choice(value, "from", f"{where}, {key}", DUE_STARTS, required=False, default="step")
    if not periods and urgency == "normal":
        r.problem(line, f"{where}, {key}: geef een termijn, bijv. school_days: 5.")
    days = amounts.get("days")
    if "weeks" in amounts:
        days = amounts["weeks"] * 7
    school_days = amounts.get("school_days")
    if not periods:
        school_days = 0 if urgency == "immediately" else 1
    return Due(urgency, school_days=school_days, days=days, start=start)


def _read_requirement_2(r: _Reader, item: LineDict, record: str | None, inner: str) -> dict:
    """The format-2 fields of a requirement: parties, scope, after, due, if, by."""
    extra: dict[str, Any] = {}
    parties = r.roles(item, "parties", inner)
    if parties and record is None:
        r.problem(item.line_of("parties"), f"{inner}: 'parties' kan alleen bij een eis met 'record'.")
    extra["parties"] = parties
    extra["scope"] = r.choice(item, "scope", inner, SCOPES, required=False, default="case")
    extra["after"] = _read_before(r, item, inner, "after")
    extra["due"] = _read_due(r, item, "due", inner)
    by = item.get("by")
    if by is not None:
        if not isinstance(by, str) or by not in set(ROLE_IDS) | set(r.party_keys):
            r.problem(item.line_of("by"), f"{inner}: 'by' is '{by}', maar moet een rol of partij zijn. Kies uit: "
                                          f"{', '.join(sorted(ROLE_IDS) + list(r.party_keys))}.")
        else:
            extra["by"] = by
    condition = item.get("if")
    if condition is not None:
        if not isinstance(condition, dict):
            r.problem(item.line_of("if"), f"{inner}: 'if' moet een blok zijn, bijv. if: {{record: consultation, "
                                          "where: {with: care_team}}.")
        else:
            where = f"{inner}, if"
            r.known_keys(condition, ("record", "where", "parties"), where)
            kind = condition.get("record")
            if not isinstance(kind, str) or kind not in RECORD_VOCABULARY:
                r.problem(condition.line_of("record"), f"{where}: 'record' is '{kind}'. Kies uit: "
                                                       f"{', '.join(RECORD_VOCABULARY)}.")
            else:
                extra["condition"] = Condition(kind, _read_where(r, condition, kind, where),
                                               r.roles(condition, "parties", where))
    return extra


# --- The legal minimum ------------------------------------------------------------------------------
# What no school may leave out of its meldcode (domain: the Besluit verplichte meldcode and the afwegingskader).

def _check_legal_minimum(r: _Reader, data: LineDict, steps: list[Step], questions: list[Question],
                         exemptions: list[Exemption], adopted_on: datetime.date | None) -> None:
    age = data.get("child_involvement_age")
    if isinstance(age, int) and not isinstance(age, bool) and age > LEGAL_CHILD_AGE:
        r.problem(data.line_of("child_involvement_age"),
                  f"Meldcode: 'child_involvement_age' is {age}, maar mag hoogstens {LEGAL_CHILD_AGE} zijn: een "
                  f"leerling van {LEGAL_CHILD_AGE} jaar of ouder is altijd betrokken bij het gesprek over een melding.")
    _check_grounds(r, exemptions)
    _check_conversation_duties(r, data, steps, {e.id: e for e in exemptions})
    _check_afwegingskader_shape(r, data, questions, adopted_on)


def _check_grounds(r: _Reader, exemptions: list[Exemption]) -> None:
    allowed = "; ".join(f"{gid} ({text})" for gid, text in LEGAL_GROUNDS.items())
    for exemption in exemptions:
        for ground in exemption.grounds:
            if ground.id and ground.id not in LEGAL_GROUNDS:
                r.problem(ground.line, f"Uitzondering '{exemption.id}': grond '{ground.id}' is geen wettelijke grond. "
                                       f"Een gesprek met de ouder mag alleen vervallen om: {allowed}.")


def _check_conversation_duties(r: _Reader, data: LineDict, steps: list[Step], exemptions: dict[str, Exemption]):
    """Steps 3 and 5b keep their conversation with the parent, before the report, exempted only on legal grounds."""
    for step in steps:
        if step.id not in CONVERSATION_DUTIES:
            continue
        purpose, target = CONVERSATION_DUTIES[step.id]
        found = [q for q in step.requires if q.record == "conversation" and q.where.get("purpose") == (purpose,)]
        if not found:
            r.problem(step.line, f"Stap {step.id}: de eis van het gesprek met de ouder ontbreekt. De wet vraagt dit "
                                 "gesprek; zet onder 'requires' een eis met record: conversation en "
                                 f"where: {{purpose: {purpose}}}.")
            continue
        for requirement in found:
            where = f"Stap {step.id}, eis '{requirement.id}'"
            if "report" not in requirement.before:
                r.problem(requirement.line, f"{where}: het gesprek met de ouder hoort vóór de melding; zet 'report' "
                                            "in 'before'.")
            exemption = exemptions.get(requirement.exempt_by or "")
            if exemption is not None and exemption.applies_to != target:
                r.problem(requirement.line, f"{where}: 'exempt_by' moet naar een uitzondering met applies_to: {target} "
                                            f"wijzen, niet naar '{exemption.id}' ({exemption.applies_to}).")


# The afwegingskader of 2019 (domain.md), question by question: (outcome on yes, outcome on no), each with why.
AFWEGINGSKADER_2019 = (
    (("continue", "na een vermoeden volgt de vraag naar onveiligheid"),
     ("close_unfounded", "zonder vermoeden sluit u het dossier als ongegrond")),
    (("report", "bij acute of structurele onveiligheid meldt de school"),
     ("continue", "zonder onveiligheid volgt de vraag of de school hulp kan organiseren")),
    (("continue", "kan de school hulp organiseren, dan volgt de vraag of die wordt aanvaard"),
     ("report", "kan de school geen hulp bieden of organiseren, dan meldt zij")),
    (("start_help", "aanvaarden de betrokkenen de hulp, dan zet de school die in"),
     ("report", "aanvaarden de betrokkenen de hulp niet, dan meldt de school")),
    (("close_help", "werkt de hulp, dan sluit de school haar af met afspraken over de veiligheid"),
     ("report", "werkt de hulp niet binnen de termijn, dan meldt de school (opnieuw)")),
)


def _check_afwegingskader_shape(r: _Reader, data: LineDict, questions: list[Question],
                                adopted_on: datetime.date | None) -> None:
    if not questions:
        return
    first = questions[0]
    if first.no.outcome != "close_unfounded":
        r.problem(first.no.line or first.line, f"Afwegingskader, vraag 1 ('{first.id}'), nee: zonder vermoeden sluit "
                                               "u het dossier als ongegrond (outcome: close_unfounded).")
    for question in questions:
        for answer, label in ((question.yes, "ja"), (question.no, "nee")):
            if answer.outcome == "close_unfounded" and answer is not first.no:
                r.problem(answer.line or question.line,
                          f"Afwegingskader, vraag {question.number} ('{question.id}'), {label}: alleen 'nee' op de "
                          "eerste vraag sluit het dossier als ongegrond; daarna staat het vermoeden vast.")
    # Since 1 January 2019 the five questions are mandatory; a file with five questions is held to them too.
    if (adopted_on is None or adopted_on < AFWEGINGSKADER_SINCE) and len(questions) != len(AFWEGINGSKADER_2019):
        return
    if len(questions) != len(AFWEGINGSKADER_2019):
        r.problem(data.line_of("afwegingskader"),
                  f"Afwegingskader: sinds 1 januari 2019 heeft het afwegingskader vijf vragen; deze meldcode is "
                  f"vastgesteld op {adopted_on:%d-%m-%Y} en heeft er {len(questions)}.")
        return
    for index, (question, expected) in enumerate(zip(questions, AFWEGINGSKADER_2019, strict=True)):
        following = questions[index + 1].id if index + 1 < len(questions) else None
        for answer, label, (outcome, why) in ((question.yes, "ja", expected[0]), (question.no, "nee", expected[1])):
            where = f"Afwegingskader, vraag {question.number} ('{question.id}'), {label}"
            if answer.outcome != outcome:
                r.problem(answer.line or question.line, f"{where}: volgens het afwegingskader van 2019 is de uitkomst "
                                                        f"'{outcome}', niet '{answer.outcome}': {why}.")
            elif outcome in ("continue", "start_help") and following and answer.next != following:
                r.problem(answer.line or question.line, f"{where}: hierna komt vraag {index + 2} ('{following}'); "
                                                        f"zet next: {following}.")


def _read_route(r: _Reader, routes: LineDict, key: str, label: str) -> tuple[LineDict, Route]:
    block = r.mapping(routes, key, "Routes")
    return block, Route(r.text(block, "title", label) if block else "", r.text(block, "guidance", label) if block else "",
                        r.text(block, "rule", label) if block else "")


def _read_routes(r: _Reader, data: LineDict) -> Routes:
    routes = r.mapping(data, "routes", "Meldcode")
    r.known_keys(routes, ("acute", "staff", "fgm_honour"), "Routes")
    acute_data, acute = _read_route(r, routes, "acute", "Route acuut gevaar")
    if acute_data:
        r.known_keys(acute_data, ("title", "guidance", "rule"), "Route acuut gevaar")
    fgm_data, fgm = _read_route(r, routes, "fgm_honour", "Route meisjesbesnijdenis/eergerelateerd geweld")
    if fgm_data:
        r.known_keys(fgm_data, ("title", "guidance", "rule"), "Route meisjesbesnijdenis/eergerelateerd geweld")
    staff_data, staff = _read_route(r, routes, "staff", "Route medewerker als vermoedelijke pleger")
    duties = []
    if staff_data:
        r.known_keys(staff_data, ("title", "guidance", "rule", "duties"), "Route medewerker")
        items = r.sequence(staff_data, "duties", "Route medewerker")
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                r.problem(items.line_of(index), "Route medewerker: elke plicht is een blok met 'id', 'title', ...")
                continue
            did = r.identifier(item, "id", "Route medewerker, plicht")
            where = f"Route medewerker, plicht '{did}'"
            if did:
                r.unique(items, seen, did, index, "Route medewerker: plicht")
            r.known_keys(item, ("id", "title", "guidance", "roles", "rule", "condition"), where)
            duties.append(Duty(did, r.text(item, "title", where), r.text(item, "guidance", where),
                               r.roles(item, "roles", where, required=True, parties=False),
                               r.text(item, "rule", where),
                               r.text(item, "condition", where, required=False), line=item.line))
        if duties and all(d.condition for d in duties):
            r.problem(items.line, "Route medewerker: minstens één plicht moet altijd gelden (zonder 'condition').")
        if r.legal_minimum:
            _check_staff_duties(r, staff_data, duties)
    return Routes(acute, StaffRoute(staff.title, staff.guidance, staff.rule, tuple(duties)), fgm)


# WPO art. 4a, the minimum of the staff route, by duty id and in this order: (id, what it is, the roles that must
# carry it, whether the law ties it to a condition).
STAFF_DUTIES_LAW = (
    ("inform_board", "iedere medewerker informeert direct het bevoegd gezag (art. 4a lid 1)", ("leerkracht",), False),
    ("consult_inspector", "het bevoegd gezag overlegt onverwijld met de vertrouwensinspecteur (art. 4a lid 2)",
     ("bestuur",), None),
    ("inform_parents", "het bevoegd gezag licht de ouders en de betrokken medewerker in vóór de aangifte "
                       "(art. 4a lid 4)", ("bestuur",), None),
    ("police_report", "het bevoegd gezag doet aangifte als het overleg een redelijk vermoeden van een zedendelict "
                      "geeft, en anders niet (art. 4a lid 3)", ("bestuur",), True),
)


def _check_staff_duties(r: _Reader, staff_data: LineDict, duties: list[Duty]) -> None:
    """The staff route holds at least the duties of WPO art. 4a, in their order, carried by whom the law names:
    informing the leidinggevende or directie is not enough by itself."""
    by_id = {d.id: d for d in duties}
    order = [d.id for d in duties]
    line = staff_data.line_of("duties")
    previous = None
    for did, what, roles, conditional in STAFF_DUTIES_LAW:
        duty = by_id.get(did)
        if duty is None:
            r.problem(line, f"Route medewerker: de plicht '{did}' ontbreekt: {what}. Zet onder 'duties' een plicht "
                            f"met id: {did}.")
            continue
        missing = [role for role in roles if role not in duty.roles]
        if missing:
            r.problem(duty.line, f"Route medewerker, plicht '{did}': {what}; zet {', '.join(missing)} in 'roles'.")
        if conditional is False and duty.condition:
            r.problem(duty.line, f"Route medewerker, plicht '{did}': deze plicht geldt altijd ({what}); haal "
                                 "'condition' weg.")
        if conditional is True and not duty.condition:
            r.problem(duty.line, f"Route medewerker, plicht '{did}': {what}. Zet in 'condition' wanneer de plicht "
                                 "geldt, bijv. 'bij een redelijk vermoeden van een zedendelict'.")
        if previous is not None and order.index(did) < order.index(previous):
            r.problem(duty.line, f"Route medewerker, plicht '{did}': deze plicht komt na '{previous}' ({what}).")
        previous = did


def _read_signal_list(r: _Reader, data: LineDict) -> SignalList:
    block = r.mapping(data, "signal_list", "Signaleringslijst")
    if not block:
        return SignalList("", ())
    r.known_keys(block, ("ages", "categories"), "Signaleringslijst")
    items = r.sequence(block, "categories", "Signaleringslijst")
    categories = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            r.problem(items.line_of(index), "Signaleringslijst: elke categorie is een blok met 'id', 'title' en "
                                            "'signals'.")
            continue
        cid = r.identifier(item, "id", "Signaleringslijst, categorie")
        if cid:
            r.unique(items, seen, cid, index, "Signaleringslijst: categorie")
        r.known_keys(item, ("id", "title", "signals"), f"Signaleringslijst, categorie '{cid}'")
        categories.append(SignalCategory(cid, r.text(item, "title", f"Signaleringslijst, categorie '{cid}'"),
                                         r.texts(item, "signals", f"Signaleringslijst, categorie '{cid}'")))
    present = {c.id for c in categories}
    for cid, label in MANDATORY_SIGNAL_CATEGORIES.items():
        if cid not in present:
            r.problem(block.line_of("categories"), f"Signaleringslijst: de categorie '{cid}' ({label}) ontbreekt; "
                                                   "die is verplicht.")
    return SignalList(r.text(block, "ages", "Signaleringslijst"), tuple(categories))


# --- Shipped definitions ---------------------------------------------------------------------------

def shipped_path(key: str) -> Path:
    if key not in SHIPPED_KEYS:
        raise KeyError(key)
    return DEFINITIONS_DIR / f"{key}.yaml"


@cache
def shipped(key: str) -> Meldcode:
    """One of the meldcodes that ship with the product ('landelijk-2019', 'jso-2010', 'de-sprong')."""
    path = shipped_path(key)
    return load_definition(path.read_text(encoding="utf-8"), path.name)
