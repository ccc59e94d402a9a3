"""The protocol engine: given a school's meldcode and a case's records, what now?

Pure Python on purpose: no database, no request. The dossier reduces its journal to `Record`s and asks
`evaluate(definition, facts)`; every answer cites the school's own rule text from its meldcode file, so
the guidance follows the school's variant without code changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from protocol.definition import (
    AFWEGINGSKADER_2019,
    DEFAULT_ESCALATE_AFTER_SCHOOL_DAYS,
    LEGAL_CHILD_AGE,
    LEGAL_GROUNDS,
    Condition,
    Due,
    Duty,
    Exemption,
    Meldcode,
    Requirement,
    Step,
)

# The order in which the dossier offers actions; `allowed_actions` keeps it.
ACTION_ORDER = (
    "signal", "followup", "consultation", "assignment", "consent", "conversation", "exemption", "verwijsindex",
    "weighing", "help", "plan", "help_evaluation", "report", "feedback", "emergency_contact", "duty", "closure",
)
ALWAYS_ALLOWED = ("report", "emergency_contact")
# Records that move a case past the earlier steps for good: whatever was not done before them was skipped.
COMMITTING_RECORDS = ("help", "report")

# Who decides. A leerkracht signals, consults and talks with the parent; weighing, the two decisions of step 5,
# waiving a conversation and closing are the coordinator's (Landelijk model 2019, "wie doet wat": the
# aandachtsfunctionaris coordinates, the directie carries final responsibility). One table, used by the menu,
# the views and the forms alike.
DECISION_KINDS = ("weighing", "help", "report", "exemption", "closure")
DECIDING_ROLES = ("ib", "directie", "bestuur")
# Decisions that need the approval of whoever has final responsibility in the meldcode (Besluit verplichte
# meldcode: the meldcode names who has final responsibility for the decision to report, or not).
APPROVAL_KINDS = ("weighing", "report", "exemption", "closure")
DEFAULT_FINAL_ROLES = ("directie",)
# Contact with the report point (or the police / 112 in acute danger).
VT_CONTACT_KINDS = ("emergency_contact", "report")
PARENT_PURPOSES = ("parent", "pre_report", "early", "post_decision")
# Overdue needs go to the coordinator; still overdue this many school days later, to the directie as well, unless
# the school's meldcode sets its own wait (Meldcode.escalate_after_school_days).
ESCALATE_AFTER_SCHOOL_DAYS = DEFAULT_ESCALATE_AFTER_SCHOOL_DAYS
# WPO art. 4a: the duties the law ties to a condition, by their ids in the staff route (see definition.py).
STAFF_SEXUAL_OFFENCE_DUTY = "consult_inspector"
STAFF_GROUNDS_DUTIES = ("inform_parents", "police_report")


@dataclass(frozen=True)
class Record:
    """One saved journal entry of a case, reduced to what the rules need."""

    kind: str
    at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseFacts:
    route: str  # "regular" | "acute" | "staff"
    flags: frozenset[str]  # subset of {"fgm", "honour"}
    pupil_age: int | None
    today: date
    records: Sequence[Record]
    pupil_birth_date: date | None = None  # for the pupil's age on the date of a record


@dataclass(frozen=True)
class StepState:
    id: str
    title: str
    state: str  # done | current | open | skipped


@dataclass(frozen=True)
class Need:
    """Something still to be recorded: what, why (`message`), and the school's own rule it follows from."""

    step: str
    id: str
    message: str
    rule: str
    advisory: bool = False
    # Format 2: when it is due (from the deadlines in the meldcode and the facts), how urgent, whether it is overdue
    # on the case's `today`, and who carries it (the party or role of the file or of the case's taakverdeling).
    due: date | None = None
    urgency: str = ""
    overdue: bool = False
    who: str = ""
    escalate_after: int = ESCALATE_AFTER_SCHOOL_DAYS  # school days, from the school's meldcode

    def escalate(self, today: date) -> bool:
        """Overdue for long enough to tell the directie too."""
        return self.due is not None and today > add_school_days(self.due, self.escalate_after)


def add_school_days(day: date, count: int) -> date:
    """`count` school days after `day`: Monday to Friday. Holidays and study days are not known to the app and
    count as school days (docs/meldcode-format.md, "Termijnen")."""
    while day.weekday() >= 5:  # a deadline counted from a weekend starts on the Monday
        day += timedelta(days=1)
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day


@dataclass(frozen=True)
class Skipped:
    step: str
    id: str
    message: str
    rule: str
    covered: bool
    covered_by: str  # the exemption or route that covers it; empty when nothing does


@dataclass(frozen=True)
class Outcome:
    """Where the afwegingskader led. Step 5 is two decisions (Landelijk model 2019): `report` (is reporting
    necessary?) and `help` (is help also possible?); `kind` is the last outcome reached."""

    kind: str  # continue | close_unfounded | report | start_help | close_help
    text: str
    pending_question: str | None  # the id of the next question to answer, if any
    answered: tuple[tuple[str, bool], ...]
    report: bool = False
    help: bool = False
    report_text: str = ""


@dataclass(frozen=True)
class Notice:
    code: str
    message: str
    rule: str = ""

    def __str__(self):
        return self.message


@dataclass(frozen=True)
class Guidance:
    current_step: str
    steps: tuple[StepState, ...]
    requirements: tuple[Need, ...]
    advice: tuple[Need, ...]
    allowed_actions: tuple[str, ...]
    closure_reasons: tuple[str, ...]
    skipped: tuple[Skipped, ...]
    exemptions: tuple[Exemption, ...]
    outcome: Outcome | None
    warnings: tuple[Notice, ...]
    open_hypotheses: int
    # Closing needs a reasoned deviation signed off by final responsibility: the weighing says report, none made.
    deviation_needed: bool = False
    # After a report: the follow-up duties still open (closing waives them only with a reason).
    followups: tuple[Need, ...] = ()
    # Decisions whose approval by whoever has final responsibility is still missing.
    approvals: tuple[Need, ...] = ()

    def warning_codes(self) -> set[str]:
        return {w.code for w in self.warnings}


# --- Reading the records ---------------------------------------------------------------------------

def counts_as_consent(record: Record) -> bool:
    """Consent comes from a parent with gezag (BW 1:245, 1:251): a consent record that names only guardians without
    it is no consent at all, for any rule. A record from before guardians were chosen (no `guardians`) named the
    parent as free text under "ouder met gezag" and counts as it always did."""
    if record.kind != "consent" or "guardians" not in record.data:
        return True
    return bool(record.data.get("guardians_with_authority"))


class _Case:
    def __init__(self, definition: Meldcode, facts: CaseFacts):
        self.definition = definition
        self.facts = facts
        ordered = sorted(facts.records, key=lambda r: r.at)
        self.records = [r for r in ordered if counts_as_consent(r)]
        self.without_authority = [r for r in ordered if not counts_as_consent(r)]

    def of(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.kind == kind]

    def first(self, kind: str) -> Record | None:
        found = self.of(kind)
        return found[0] if found else None

    def latest(self, kind: str) -> Record | None:
        found = self.of(kind)
        return found[-1] if found else None

    def has(self, kind: str) -> bool:
        return any(r.kind == kind for r in self.records)

    def happened(self, condition: Condition) -> bool:
        """Format 2 `if:`: a record of the kind, matching its `where` and naming its parties."""
        return any(_matches_where(r, condition.where) and set(condition.parties) <= _named(r)
                   for r in self.of(condition.record))

    def assigned(self, task_ids) -> str:
        """The party or role the case's taakverdeling gives this task (a requirement or step id); the latest wins."""
        found = [r for r in self.of("assignment") if str(r.data.get("task", "")) in task_ids and r.data.get("party")]
        return str(found[-1].data["party"]) if found else ""

    @property
    def open_hypotheses(self) -> int:
        raised = sum(1 for r in self.of("signal") if r.data.get("is_hypothesis"))
        resolved = sum(1 for r in self.of("followup") if r.data.get("resolves_hypothesis", True))
        return max(0, raised - resolved)

    @property
    def consent_status(self) -> str | None:
        latest = self.latest("consent")
        return latest.data.get("status") if latest else None

    def exemption_record(self, exemption: Exemption) -> Record | None:
        """The latest exemption record for this obligation on a ground the meldcode and the law accept
        (a version stored before the legal minimum was checked may list other grounds: they cover nothing)."""
        valid = [r for r in self.of("exemption") if r.data.get("applies_to") == exemption.applies_to
                 and str(r.data.get("ground", "")) in LEGAL_GROUNDS
                 and exemption.ground(str(r.data.get("ground", ""))) is not None]
        return valid[-1] if valid else None

    def outcome(self) -> Outcome | None:
        weighing = self.latest("weighing")
        if weighing is None:
            return None
        return walk_afwegingskader(self.definition, _answers(weighing))

    def moment(self, kind: str) -> Record | None:
        """The first record of this kind that counts as the act itself; a weighing only once it decides."""
        if kind == "weighing":
            return next((r for r in self.of("weighing")
                         if walk_afwegingskader(self.definition, _answers(r)).kind != "continue"), None)
        return self.first(kind)

    def deadline(self, kinds: Sequence[str]) -> Record | None:
        """The earliest of these acts: what must come before them, must come before this one."""
        moments = [m for m in (self.moment(kind) for kind in kinds) if m is not None]
        return min(moments, key=lambda r: r.at) if moments else None

    @property
    def help_failed(self) -> bool:
        """The help did not work: its evaluation says so, or the afwegingskader reports after starting help."""
        evaluation = self.latest("help_evaluation")
        if evaluation and not (evaluation.data.get("reached") and evaluation.data.get("effective")):
            return True
        outcome = self.outcome()
        if outcome is None or outcome.kind != "report":
            return False
        return any(_branch(self.definition, qid, answer).outcome == "start_help" for qid, answer in outcome.answered)

    @property
    def report_due(self) -> bool:
        """The weighing (or failed help) says report, and no report is recorded."""
        outcome = self.outcome()
        return ((outcome is not None and outcome.report) or self.help_failed) and not self.has("report")

    def first_vt_contact(self) -> Record | None:
        """The first contact with the report point: advice, a report, or the emergency call (police / 112)."""
        contacts = [r for r in self.records if r.kind in VT_CONTACT_KINDS
                    or (r.kind == "consultation" and r.data.get("with") == "veilig_thuis")]
        return contacts[0] if contacts else None

    def age_on(self, day: date) -> int | None:
        born = self.facts.pupil_birth_date
        if born is not None:
            return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        if self.facts.pupil_age is None:
            return None
        # Without a birth date: today's age less the whole years since `day` (can be one too high near a birthday).
        today = self.facts.today
        years = today.year - day.year - ((today.month, today.day) < (day.month, day.day))
        return self.facts.pupil_age - max(0, years)


def _answers(weighing: Record) -> Mapping[str, bool]:
    answers = weighing.data.get("answers", {})
    return answers if isinstance(answers, Mapping) else {}


def _branch(definition: Meldcode, question_id: str, answer: bool):
    question = definition.question(question_id)
    return question.yes if answer else question.no


def walk_afwegingskader(definition: Meldcode, answers: Mapping[str, bool]) -> Outcome:
    """Follow the answers through the questions in order; the last outcome reached counts as `kind`, and the two
    decisions of step 5 are kept apart: once the kader said report, it stays said, whatever help follows."""
    questions = definition.afwegingskader
    question = questions[0] if questions else None
    kind, text, answered = "continue", "", []
    report, helping, report_text = False, False, ""
    while question is not None:
        if question.id not in answers:
            return Outcome(kind, _both(text, report_text, kind) or question.text, question.id, tuple(answered),
                           report, helping, report_text)
        answer = bool(answers[question.id])
        answered.append((question.id, answer))
        branch = question.yes if answer else question.no
        if branch.outcome != "continue":
            kind, text = branch.outcome, branch.text
            if branch.outcome == "report":
                report, report_text = True, report_text or branch.text
            helping = helping or branch.outcome in ("start_help", "close_help")
        following = branch.next or _help_after_report(definition, question, answer)
        question = definition.question(following) if following else None
    return Outcome(kind, _both(text, report_text, kind), None, tuple(answered), report, helping, report_text)


def _both(text: str, report_text: str, kind: str) -> str:
    """After a report, help that follows is said together with the report, not instead of it."""
    if report_text and kind != "report" and text:
        return f"{report_text} {text}"
    return text


def follows_2019(definition: Meldcode) -> bool:
    """The five questions of the afwegingskader of 2019, in their order (see definition.AFWEGINGSKADER_2019)."""
    questions = definition.afwegingskader
    return len(questions) == len(AFWEGINGSKADER_2019) and all(
        (q.yes.outcome, q.no.outcome) == (yes[0], no[0]) for q, (yes, no) in zip(questions, AFWEGINGSKADER_2019, strict=True))


def _help_after_report(definition: Meldcode, question, answer: bool) -> str | None:
    """Landelijk model 2019, afwegingskader vraag 2: on acute or structural unsafety the school reports, and
    questions 3 to 5 are then answered together with Veilig Thuis. A meldcode may say so with `next` on that
    answer; a 2019 kader without it gets the same."""
    if answer and question.number == 2 and follows_2019(definition):
        return definition.afwegingskader[2].id
    return None


def _matches(record: Record, requirement: Requirement) -> bool:
    return _matches_where(record, requirement.where) and set(requirement.parties) <= _named(record)


def _matches_where(record: Record, where) -> bool:
    for key, allowed in where.items():
        if record.data.get(key) not in allowed:
            return False
    return True


def _named(record: Record) -> set[str]:
    """The roles and parties a record names: present at a conversation, consulted, or taking part in a decision."""
    named = set()
    for key in ("roles_present", "parties"):
        value = record.data.get(key) or ()
        named.update(str(v) for v in (value if isinstance(value, list | tuple) else (value,)))
    if record.data.get("party"):
        named.add(str(record.data["party"]))
    return named


def _date(record: Record) -> str:
    # The school's day, not UTC's: a weighing saved at 00:49 in Amsterdam is of that day, not the one before.
    return _local_day(record.at).strftime("%d-%m-%Y")


def _role_names(roles) -> str:
    from accounts.roles import Role

    labels = {value: str(label).split(" / ")[0].lower() for value, label in Role.choices}
    return ", ".join(labels.get(r, r) for r in roles)


class _Check:
    """Whether one requirement is met, and if not, the precise reason."""

    def __init__(self, met: bool, reason: str = "", *, final: bool = False, applies: bool = True):
        self.met = met
        self.reason = reason
        self.final = final  # can no longer be met in time (e.g. the report was already made)
        self.applies = applies  # format 2 `if:`: false when its condition did not occur


def _check(case: _Case, requirement: Requirement, since: datetime | None = None) -> _Check:
    """`since`: the moment the requirement's step began (format 2 `scope: step`)."""
    if requirement.condition is not None and not case.happened(requirement.condition):
        return _Check(True, applies=False)
    if requirement.check == "hypotheses_resolved":
        count = case.open_hypotheses
        if count:
            return _Check(False, ngettext("Er staat nog %(count)d hypothese open.",
                                          "Er staan nog %(count)d hypothesen open.", count) % {"count": count})
        return _Check(True)
    if requirement.check == "decision":
        outcome = case.outcome()
        if outcome is None:
            return _Check(False, _("Het afwegingskader is nog niet doorlopen."))
        if outcome.kind == "continue":
            question = case.definition.question(outcome.pending_question)
            return _Check(False, _("Beantwoord nog vraag %(number)d: %(text)s")
                          % {"number": question.number, "text": question.text})
        return _Check(True)

    candidates = [r for r in case.of(requirement.record) if _matches(r, requirement)]
    deadline = case.deadline(requirement.before)
    earlier = []
    if requirement.scope == "step" and since is not None:
        earlier = [r for r in candidates if r.at < since]
        candidates = [r for r in candidates if r.at >= since]
    if requirement.after:
        start = case.deadline(requirement.after)
        if start is None:
            return _Check(False, _("Dit kan pas na de %(kind)s.") % {"kind": _record_label(requirement.after[0])})
        earlier += [r for r in candidates if r.at <= start.at]
        candidates = [r for r in candidates if r.at > start.at]
    if not candidates and earlier:
        return _Check(False, _("Wat op %(date)s is vastgelegd, was vóór deze stap en telt hier niet mee.")
                      % {"date": _date(earlier[-1])}, final=deadline is not None)
    if not candidates and requirement.parties:
        near = [r for r in case.of(requirement.record) if _matches_where(r, requirement.where)
                and (since is None or requirement.scope != "step" or r.at >= since)]
        if near:
            missing = [p for p in requirement.parties if p not in _named(near[-1])]
            return _Check(False, _("Bij de %(kind)s van %(date)s was %(who)s niet betrokken.")
                          % {"kind": _record_label(near[-1].kind), "date": _date(near[-1]),
                             "who": ", ".join(case.definition.who(p) for p in missing)},
                          # a decision taken without them stays so (a correction of the decision can add them)
                          final=deadline is not None or requirement.record in DECISION_KINDS)
    if not candidates:
        return _Check(False, final=deadline is not None)
    in_time = [r for r in candidates if deadline is None or r.at <= deadline.at]
    if not in_time:
        return _Check(False, _("Dit gebeurde pas na de %(kind)s van %(date)s.")
                      % {"kind": _record_label(deadline.kind), "date": _date(deadline)}, final=True)
    if requirement.roles_present:
        complete = [r for r in in_time if set(requirement.roles_present) <= set(r.data.get("roles_present", ()))]
        if not complete:
            last = in_time[-1]
            missing = sorted(set(requirement.roles_present) - set(last.data.get("roles_present", ())))
            final = deadline is not None
            return _Check(False, _("Bij het gesprek van %(date)s was geen %(roles)s aanwezig.")
                          % {"date": _date(last), "roles": ", ".join(case.definition.who(r) for r in missing)},
                          final=final)
    return _Check(True)


def _record_label(kind: str | None) -> str:
    return {"report": _("melding"), "weighing": _("weging"), "help": _("inzet van hulp"),
            "emergency_contact": _("noodcontact"), "feedback": _("terugkoppeling"), "plan": _("handelingsplan"),
            "signal": _("signalering"), "consultation": _("consultatie"), "conversation": _("gesprek")}.get(
        kind or "", kind or "")


# --- Evaluation ------------------------------------------------------------------------------------

def evaluate(definition: Meldcode, facts: CaseFacts) -> Guidance:
    """Which step the case is in, what is still required and why, what may be done now, and what was skipped."""
    case = _Case(definition, facts)
    guidance = _evaluate_staff(case) if facts.route == "staff" else _evaluate_steps(case)
    wait = definition.escalate_after_school_days
    if wait == ESCALATE_AFTER_SCHOOL_DAYS:
        return guidance

    def waited(needs: tuple[Need, ...]) -> tuple[Need, ...]:
        return tuple(replace(n, escalate_after=wait) if n.due is not None else n for n in needs)

    return replace(guidance, requirements=waited(guidance.requirements), advice=waited(guidance.advice),
                   followups=waited(guidance.followups), approvals=waited(guidance.approvals))


def _branch_active(case: _Case, branch: str | None, outcome: Outcome | None) -> bool:
    if branch is None:
        return True
    if branch == "start_help":
        return (outcome is not None and outcome.help) or case.has("help")
    if branch == "report":
        return (outcome is not None and outcome.report) or case.has("report") or case.help_failed
    return False


def _excluded(case: _Case, step: Step, outcome: Outcome | None, closed) -> bool:
    """A branch the decision ruled out. Help is not ruled out by a report while questions 3 to 5 are still to be
    answered with Veilig Thuis (Landelijk model 2019, step 5: reporting and help can both happen)."""
    if closed:
        return True
    if outcome is None:
        return False
    if step.branch == "start_help":
        return not case.has("help") and (outcome.kind == "close_unfounded" or (
            outcome.report and not outcome.help and outcome.pending_question is None))
    return step.branch == "report" and outcome.kind == "close_unfounded"


def _evaluate_steps(case: _Case) -> Guidance:
    definition, facts = case.definition, case.facts
    outcome = case.outcome()
    closed = case.latest("closure")
    names = definition.names

    # Per step: which requirements are unmet, and whether the step is complete. Open hypotheses never hold a step
    # up: they are weighed as what they are (Landelijk model 2019, stap 1 and 4).
    results: dict[str, list[tuple[Requirement, _Check, Record | None]]] = {}
    complete: dict[str, bool] = {}
    # Help that failed is over: its steps are finished (not skipped) and the report branch takes over.
    ended = {s.id for s in definition.steps if s.branch == "start_help"} if case.help_failed else set()
    starts = _step_starts(case) if definition.format >= 2 else {}
    for step in definition.steps:
        rows = []
        for requirement in step.requires:
            check = _check(case, requirement, starts.get(step.id))
            covering = None
            if not check.met and requirement.exempt_by:
                covering = case.exemption_record(definition.exemption(requirement.exempt_by))
            rows.append((requirement, check, covering))
        results[step.id] = rows
        complete[step.id] = step.id in ended or all(
            c.met or cov is not None or r.check == "hypotheses_resolved" for r, c, cov in rows)

    def committed(step: Step) -> bool:
        return (step.decides and outcome is not None and outcome.kind != "continue") or any(
            r.record in COMMITTING_RECORDS and case.has(r.record) for r in step.requires)

    active = [s for s in definition.steps if _branch_active(case, s.branch, outcome)]
    deciding = next((i for i, s in enumerate(active) if s.decides), None)
    # Up to the decision the steps are walked in order. After it, the two decisions of step 5 (help and report)
    # run side by side: neither is "skipped" because the other happened (Landelijk model 2019, stap 5).
    pre = active[:deciding + 1] if deciding is not None else [s for s in active if s.branch is None]
    lanes: dict[str, list[Step]] = {}
    for step in active[len(pre):]:
        lanes.setdefault(step.branch or "", []).append(step)

    # A committing act (the decision, starting help, the report) moves the case past earlier steps for good.
    passed: set[str] = set()
    pre_done = case.has("help") or case.has("report")
    anchor = len(pre) - 1 if pre_done else max((i for i, s in enumerate(pre) if committed(s)), default=-1)
    passed.update(s.id for s in pre[:anchor + 1])
    pre_current = None
    if not closed and not pre_done:
        pre_current = next((s for i, s in enumerate(pre) if i >= anchor and not complete[s.id]), None)
    lane_current: dict[str, Step] = {}
    for name, steps in lanes.items():
        lane_anchor = max((i for i, s in enumerate(steps) if committed(s)), default=-1)
        passed.update(s.id for s in steps[:lane_anchor + 1])
        found = next((s for i, s in enumerate(steps) if i >= lane_anchor and not complete[s.id]), None)
        if found is not None and not closed and pre_current is None:
            lane_current[name] = found
    # The step shown as current: before the decision the step in turn; after it a report still due comes first.
    current: Step | None = pre_current
    if current is None and lane_current:
        report_lane = lane_current.get("report")
        current = report_lane if report_lane is not None and not case.has("report") else min(
            lane_current.values(), key=active.index)
    all_complete = not closed and current is None and bool(active)
    if all_complete:
        current = active[-1]
    currents = [current] if current is not None and (pre_current is not None or all_complete) else []
    currents += [s for s in lane_current.values() if s not in currents]
    currents.sort(key=lambda s: (s is not current, active.index(s)))
    current_index = active.index(current) if current in active else len(active)

    states = []
    skipped: list[Skipped] = []
    acute_steps = _acute_steps(case)
    for step in definition.steps:
        if step in active:
            state = _state(step, pre, lanes, currents, complete, closed, pre_current)
        else:
            state = "skipped" if _excluded(case, step, outcome, closed) else "open"
        states.append(StepState(step.id, step.title, state))
        if step not in active or step.id in ended:
            continue
        # A closed case lists only what was skipped on the way to its last committing act.
        if closed and step.id not in passed:
            continue
        for requirement, check, covering in results[step.id]:
            if check.met or requirement.check == "hypotheses_resolved":
                continue
            if not (state == "skipped" or (check.final and state in ("current", "done"))):
                continue
            skipped.append(_skipped(definition, step, requirement, check, covering, acute_steps))

    requirements: list[Need] = []
    advice: list[Need] = []
    if facts.route == "acute" and not case.has("emergency_contact") and not closed:
        requirements.append(Need(current.id if current else "", "emergency_contact",
                                 _("Neem nu contact op met %(point)s of bel 112, nog vóór de volgende stap.")
                                 % {"point": names.report_point}, definition.routes.acute.rule))
    fgm_honour = _fgm_honour_need(case, current, closed)
    if fgm_honour is not None:
        requirements.append(fgm_honour)
    for step in currents:
        for requirement, check, covering in results[step.id]:
            if check.met or covering is not None or check.final or requirement.check == "hypotheses_resolved":
                continue
            message = requirement.need + (f" {check.reason}" if check.reason else "")
            requirements.append(_timed(case, Need(step.id, requirement.id, message, requirement.rule), step,
                                       requirement, starts))
        for requirement in step.advice:
            if not _check(case, requirement, starts.get(step.id)).met:
                advice.append(_timed(case, Need(step.id, requirement.id, requirement.need, requirement.rule,
                                                advisory=True), step, requirement, starts))
    deciding_reached = deciding is not None and (pre_current is None or pre.index(pre_current) >= deciding)
    hypotheses = _hypotheses_advice(case, pre, current, deciding_reached, closed)
    if hypotheses is not None:
        advice.insert(0, hypotheses)
    followups = () if closed else _report_followups(case)
    listed = {n.id for n in requirements}
    listed_records = {r.record for s in currents for r, c, _cov in results[s.id] if not c.met and r.record}
    for need in followups:
        if need.id not in listed and not (need.id == "report_feedback" and "feedback" in listed_records):
            if need.id != "report_recontact" or case.has("feedback"):
                requirements.append(need)
    approvals = () if closed else _missing_approvals(case)
    requirements.extend(approvals)
    if not closed:
        requirements.extend(_plan_evaluations(case))
    if all_complete:
        requirements.append(_closing_need(case, current, outcome))
    verwijsindex_open = _verwijsindex_open(case, active, current_index)
    if verwijsindex_open and not closed and not case.has("verwijsindex"):
        advice.append(Need(current.id if current else "", "verwijsindex",
                           _("Overweeg registratie in de Verwijsindex (als de school is aangesloten)."),
                           definition.verwijsindex.rule, advisory=True))

    reached = [s for s, st in zip(definition.steps, states, strict=True) if s in active and st.state != "open"]
    exemptions = _applicable_exemptions(case, reached, results, closed)
    allowed = _allowed_actions(case, deciding_reached, outcome, exemptions, closed, verwijsindex_open)
    return Guidance(
        current_step="closed" if closed else (current.id if current else ""),
        steps=tuple(states), requirements=tuple(requirements), advice=tuple(advice),
        allowed_actions=allowed, closure_reasons=_closure_reasons(case, outcome, closed),
        skipped=tuple(skipped), exemptions=exemptions, outcome=outcome,
        warnings=tuple(_warnings(case, outcome, skipped, closed, currents)), open_hypotheses=case.open_hypotheses,
        deviation_needed=not closed and case.report_due, followups=tuple(followups), approvals=tuple(approvals),
    )


def _step_starts(case: _Case) -> dict[str, datetime | None]:
    """Format 2: when each step began. The first step with the first record; a later step of the main line when
    the step before it was complete (or passed by a committing act); a step of 5a or 5b with the decision or the
    first help or report. None while a step has not begun."""
    definition = case.definition
    starts: dict[str, datetime | None] = {}
    main = [s for s in definition.steps if s.branch is None]
    previous_start = case.records[0].at if case.records else None
    for index, step in enumerate(main):
        if index == 0:
            starts[step.id] = previous_start
            continue
        before = main[index - 1]
        start = None
        if previous_start is not None:
            for record in case.records:
                if record.at < previous_start:
                    continue
                upto = _Case(definition, replace(case.facts, records=[r for r in case.records if r.at <= record.at]))
                if all(_check(upto, q, starts.get(before.id)).met or q.check == "hypotheses_resolved"
                       or (q.exempt_by and upto.exemption_record(definition.exemption(q.exempt_by)))
                       for q in before.requires):
                    start = record.at
                    break
            committing = [r for r in case.records if r.kind in COMMITTING_RECORDS]
            if start is None and committing:
                start = committing[0].at
        starts[step.id] = start
        previous_start = start
    decided = case.moment("weighing")
    for step in definition.steps:
        if step.branch is None:
            continue
        own = case.first("help" if step.branch == "start_help" else "report")
        moments = [m.at for m in (decided, own) if m is not None]
        starts[step.id] = min(moments) if moments else None
    return starts


def _timed(case: _Case, need: Need, step: Step, requirement: Requirement | None,
           starts: Mapping[str, datetime | None]) -> Need:
    """Format 2: the need with its due date (from the requirement's or the step's deadline), urgency, whether it is
    overdue, and who carries it (the case's taakverdeling, else the file's `by`)."""
    definition = case.definition
    if definition.format < 2:
        return need
    due_rule = (requirement.due if requirement is not None else None) or step.due
    due = None
    urgency = ""
    if due_rule is not None:
        due = _due_date(case, due_rule, starts.get(step.id))
        urgency = due_rule.urgency
    who_key = case.assigned({need.id, step.id}) or (requirement.by if requirement is not None else "")
    who = definition.who(who_key) if who_key else ""
    message = need.message
    if who:
        message = f"{message} " + _("Dit doet: %(who)s.") % {"who": who}
    if due is not None:
        message = f"{message} " + _("Uiterlijk %(date)s.") % {"date": due.strftime("%d-%m-%Y")}
    return replace(need, message=message, due=due, urgency=urgency, who=who,
                   overdue=due is not None and case.facts.today > due)


def _due_date(case: _Case, rule: Due, step_start: datetime | None) -> date | None:
    start = step_start if rule.start == "step" else (case.first(rule.start).at if case.first(rule.start) else None)
    if start is None:
        return None
    day = _local_day(start)
    if rule.days is not None:
        return day + timedelta(days=rule.days)
    return add_school_days(day, rule.school_days or 0)


def _plan_evaluations(case: _Case) -> list[Need]:
    """The evaluation dates of the latest handelingsplan are due needs: each needs an evaluation recorded after
    the plan; the next one is listed, and every one already past (school's file: the plan in 5a)."""
    plan = case.latest("plan")
    if plan is None:
        return []
    dates = sorted(d for d in (_as_date(v) for v in plan.data.get("evaluate_on") or ()) if d is not None)
    done = len([r for r in case.of("help_evaluation") if r.at >= plan.at])
    pending = dates[done:]
    today = case.facts.today
    listed = [d for d in pending if d < today] + [d for d in pending if d >= today][:1]
    who_key = case.assigned({"plan_evaluation", "plan"}) or str(plan.data.get("who") or "")
    who = case.definition.who(who_key) if who_key else ""
    needs = []
    for day in listed:
        message = _("Evalueer het handelingsplan (afgesproken voor %(date)s) en leg de evaluatie vast.") % {
            "date": day.strftime("%d-%m-%Y")}
        if who:
            message += " " + _("Dit doet: %(who)s.") % {"who": who}
        needs.append(Need("5a", "plan_evaluation", message, case.definition.step("5a").guidance, due=day,
                          overdue=today > day, who=who))
    return needs


def _state(step: Step, pre: list[Step], lanes: dict[str, list[Step]], currents: list[Step], complete, closed,
           pre_current: Step | None) -> str:
    if step in currents:
        return "current"
    if closed:
        return "done" if complete[step.id] else "skipped"
    if step in pre:
        if pre_current is not None and pre.index(step) > pre.index(pre_current):
            return "open"
        return "done" if complete[step.id] else "skipped"
    if pre_current is not None:
        return "open"
    lane = lanes[step.branch or ""]
    lane_current = next((s for s in lane if s in currents), None)
    if lane_current is not None and lane.index(step) > lane.index(lane_current):
        return "open"
    return "done" if complete[step.id] else "skipped"


def _hypotheses_advice(case: _Case, pre: list[Step], current: Step | None, deciding_reached: bool,
                       closed) -> Need | None:
    """Open hypotheses are listed in the weighing guidance, never a condition for the weighing or a report
    (Landelijk model 2019, stap 1: mark hypotheses as such and later confirm or refute them)."""
    count = case.open_hypotheses
    if closed or not count:
        return None
    step = next((s for s in pre for r in s.requires if r.check == "hypotheses_resolved"), None)
    if step is None or not (deciding_reached or current is step):
        return None
    requirement = next(r for r in step.requires if r.check == "hypotheses_resolved")
    raised = [r for r in case.of("signal") if r.data.get("is_hypothesis")]
    dates = ", ".join(_date(r) for r in raised[-count:])
    message = ngettext(
        "Er staat nog %(count)d hypothese open (van %(dates)s). Weeg haar mee als onbevestigd; dat houdt de "
        "weging en een melding niet tegen. Leg later vast of zij is bevestigd of ontkracht.",
        "Er staan nog %(count)d hypothesen open (van %(dates)s). Weeg ze mee als onbevestigd; dat houdt de weging "
        "en een melding niet tegen. Leg later vast of ze zijn bevestigd of ontkracht.", count) % {
        "count": count, "dates": dates}
    return Need(step.id, requirement.id, message, requirement.rule, advisory=True)


def _fgm_honour_need(case: _Case, current: Step | None, closed) -> Need | None:
    """Landelijk model 2019, meisjesbesnijdenis en eergerelateerd geweld: consult Veilig Thuis (in acute danger
    the police) with urgency before any conversation with the parents."""
    if closed or not set(case.facts.flags) & {"fgm", "honour"} or case.first_vt_contact() is not None:
        return None
    return Need(current.id if current else "", "fgm_honour_contact", _(
        "Neem met spoed contact op met %(point)s (bij acuut gevaar de politie, 112), vóór een gesprek met de ouder.")
        % {"point": case.definition.names.report_point}, case.definition.routes.fgm_honour.rule)


def _report_followups(case: _Case) -> list[Need]:
    """After a report the school keeps following the pupil: it records the feedback of the report point and
    contacts it again when things do not improve (Landelijk model 2019, stap 5; Veilig Thuis terugkoppeling).
    Each stays open until recorded; closing waives it only with a recorded reason."""
    report = case.first("report")
    if report is None:
        return []
    point = case.definition.names.report_point
    rule = case.definition.step("5b").guidance
    needs = []
    feedback = next((r for r in case.of("feedback") if r.at >= report.at), None)
    if feedback is None:
        needs.append(Need("5b", "report_feedback", _("Leg de terugkoppeling van %(point)s op de melding vast.")
                          % {"point": point}, rule))
    since = feedback.at if feedback is not None else report.at
    again = [r for r in case.records if r.at > since and (
        r.kind in VT_CONTACT_KINDS or (r.kind == "consultation" and r.data.get("with") == "veilig_thuis"))]
    if not again:
        need = Need("5b", "report_recontact", _(
            "Blijf de leerling volgen. Verbetert de situatie niet, neem dan opnieuw contact op met %(point)s en leg "
            "dat vast.") % {"point": point}, rule)
        period = case.definition.recontact_after
        if period is not None:  # format 2: the file says after how long
            due = _due_date(case, replace(period, start="step"), since)
            need = replace(need, message=need.message + " " + _("Uiterlijk %(date)s.") % {
                "date": due.strftime("%d-%m-%Y")}, due=due, urgency=period.urgency, overdue=case.facts.today > due)
        needs.append(need)
    return needs


def final_roles(definition: Meldcode) -> tuple[str, ...]:
    """Who has final responsibility for the decision to report, as the meldcode names it; else the directie
    (Besluit verplichte meldcode: the meldcode says who has final responsibility)."""
    return tuple(definition.final_responsibility.roles) or DEFAULT_FINAL_ROLES


def approval_needed(definition: Meldcode, author_roles) -> tuple[str, ...]:
    """The roles whose approval a decision by someone with `author_roles` needs (empty: none)."""
    final = final_roles(definition)
    return () if set(final) & set(author_roles) else final


def decision_facts(definition: Meldcode, author_roles, approver_roles=()) -> dict:
    """What a decision records about who took it and who approved it: the author's roles, and the role with final
    responsibility that approved (the author's own, or the approver's); empty while approval is missing."""
    final = final_roles(definition)
    own = [r for r in final if r in author_roles]
    other = [r for r in final if r in approver_roles]
    return {"decided_by_roles": sorted(author_roles), "approved_by_role": (own or other or [""])[0]}


def _missing_approvals(case: _Case) -> list[Need]:
    """Every decision records who took it; where the meldcode gives final responsibility to someone else, their
    approval. A decision recorded before this rule (no `decided_by_roles`) is not asked for it afterwards."""
    definition = case.definition
    final = final_roles(definition)
    decisions = [r for r in case.records if r.kind in APPROVAL_KINDS and r.kind != "weighing"]
    weighing = case.latest("weighing")
    if weighing is not None and walk_afwegingskader(definition, _answers(weighing)).kind != "continue":
        decisions.append(weighing)
    needs = []
    for record in sorted(decisions, key=lambda r: r.at):
        if "decided_by_roles" not in record.data or set(record.data.get("decided_by_roles") or ()) & set(final):
            continue
        if record.data.get("approved_by_role") in final:
            continue
        needs.append(Need(_decision_step(definition, record), "approval", _(
            "De %(kind)s van %(date)s is nog niet goedgekeurd door %(roles)s, die eindverantwoordelijk is volgens de "
            "meldcode. Laat de regel door hen goedkeuren (corrigeren, met hun goedkeuring).")
            % {"kind": _record_label(record.kind), "date": _date(record), "roles": _role_names(final)},
            definition.final_responsibility.text))
    return needs


def _decision_step(definition: Meldcode, record: Record) -> str:
    """The step a decision belongs to, for the list of what is open."""
    if record.kind == "weighing":
        return next((s.id for s in definition.steps if s.decides), "")
    if record.kind == "exemption":
        return {"parent_conversation": "3", "pre_report_conversation": "5b"}.get(str(record.data.get("applies_to")), "")
    return "5b" if record.kind == "report" else ""


def may_record(kind: str, roles) -> bool:
    """Whether someone with these roles at the school may record this kind of entry: weighing, the decisions of
    step 5, waiving a conversation and closing are never a leerkracht's (Landelijk model 2019, stap 4 en 5: the
    aandachtsfunctionaris decides, with final responsibility as the meldcode says)."""
    return kind not in DECISION_KINDS or bool(set(roles) & set(DECIDING_ROLES))


def for_roles(guidance: Guidance, roles) -> Guidance:
    """The guidance as someone with these roles may act on it."""
    return replace(guidance, allowed_actions=tuple(a for a in guidance.allowed_actions if may_record(a, roles)))


def closure_problems(definition: Meldcode, guidance: Guidance, data: Mapping[str, Any],
                     author_roles) -> list[tuple[str, str]]:
    """Why a closure with this data may not be recorded, as (field, message): the server-side rule behind the
    closure form. The weighing says report and none was made: only with a reasoned deviation; open follow-up after
    a report: only with a reason; approval by final responsibility where the closer does not carry it."""
    problems = []
    if not may_record("closure", author_roles):
        problems.append(("", _("Afsluiten is een besluit van de coördinator, niet van de leerkracht.")))
    reason = data.get("reason")
    if reason and reason not in guidance.closure_reasons:
        problems.append(("reason", _("Deze reden van afsluiten past niet bij wat in het dossier is vastgelegd.")))
    if guidance.deviation_needed and not str(data.get("deviation_reason") or "").strip():
        problems.append(("deviation_reason", _(
            "Het afwegingskader zegt: melden, en er is geen melding vastgelegd. Sluit alleen af met een onderbouwde "
            "afwijking, goedgekeurd door wie eindverantwoordelijk is.")))
    if guidance.followups and not str(data.get("followup_waiver") or "").strip():
        problems.append(("followup_waiver", _("Na de melding staat nog open: %(open)s Leg vast waarom u toch afsluit.")
                         % {"open": " ".join(n.message for n in guidance.followups)}))
    if approval_needed(definition, author_roles) and not data.get("approved_by"):
        problems.append(("approved_by", _("Afsluiten vraagt de goedkeuring van %(roles)s (eindverantwoordelijk "
                                          "volgens de meldcode).") % {"roles": _role_names(final_roles(definition))}))
    return problems


def _skipped(definition: Meldcode, step: Step, requirement: Requirement, check: _Check, covering: Record | None,
             acute_steps: set[str]) -> Skipped:
    """A skipped requirement (with why it does not count, e.g. held too late) and what covers it: an exemption
    on an accepted ground, or the emergency itself."""
    message = requirement.need + (f" {check.reason}" if check.reason else "")
    if covering is not None:
        exemption = definition.exemption(requirement.exempt_by)
        ground = exemption.ground(str(covering.data.get("ground")))
        return Skipped(step.id, requirement.id, message, requirement.rule, True, f"{exemption.title}: {ground.text}")
    # A conversation with the parent is only ever waived on a legal ground, recorded as an exemption.
    if step.id in acute_steps and not requirement.exempt_by:
        return Skipped(step.id, requirement.id, message, requirement.rule, True, definition.routes.acute.title)
    return Skipped(step.id, requirement.id, message, requirement.rule, False, "")


def _acute_steps(case: _Case) -> set[str]:
    """The steps acute danger itself lets the school pass over: from step 2 up to the step the case was in when
    the emergency contact was made, and up to the decision when the report was made in that call (the same day).
    What comes later was not forced by the emergency and needs its own reason."""
    contact = case.first("emergency_contact") if case.facts.route == "acute" else None
    if contact is None:
        return set()
    main = [s for s in case.definition.steps if s.branch is None]
    last = max(1, _step_reached(case, main, contact.at))
    if any(_local_day(r.at) == _local_day(contact.at) for r in case.of("report")):
        last = max(last, next((i for i, s in enumerate(main) if s.decides), last))
    return {s.id for s in main[1:last + 1]}


def _step_reached(case: _Case, main: list[Step], moment: datetime) -> int:
    """The index of the first step (of `main`) not yet complete with the records up to `moment`."""
    earlier = _Case(case.definition, replace(case.facts, records=[r for r in case.records if r.at <= moment]))
    for index, step in enumerate(main):
        if not all(_check(earlier, requirement).met for requirement in step.requires):
            return index
    return len(main) - 1


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def _closing_need(case: _Case, step: Step, outcome: Outcome | None) -> Need:
    if outcome is not None and outcome.kind in ("close_unfounded", "close_help"):
        message = outcome.text
    elif case.has("report"):
        message = _("Blijf de leerling volgen. Sluit het dossier af als %(point)s het heeft overgenomen.") % {
            "point": case.definition.names.report_point}
    else:
        message = _("Alle stappen zijn gezet: sluit het dossier af en leg de reden vast.")
    return Need(step.id, "closure", message, case.definition.closing_rule)


def _verwijsindex_open(case: _Case, active: list[Step], current_index: int) -> bool:
    from_step = case.definition.verwijsindex.from_step
    ids = [s.id for s in active]
    if from_step not in ids:
        return from_step == "" or current_index >= len(active)
    return current_index >= ids.index(from_step)


def _applicable_exemptions(case: _Case, reached: list[Step], results, closed) -> tuple[Exemption, ...]:
    """Exemptions for obligations of the steps reached (current or passed), that are still unmet."""
    if closed:
        return ()
    found = []
    for step in reached:
        for requirement, check, covering in results[step.id]:
            if requirement.exempt_by and not check.met and covering is None:
                exemption = case.definition.exemption(requirement.exempt_by)
                if exemption not in found:
                    found.append(exemption)
    return tuple(found)


def _allowed_actions(case, deciding_reached, outcome, exemptions, closed, verwijsindex_open) -> tuple[str, ...]:
    if closed:
        return ALWAYS_ALLOWED
    allowed = {"signal", "consultation", "consent", "conversation", "report", "emergency_contact", "closure"}
    if set(case.facts.flags) & {"fgm", "honour"} and case.first_vt_contact() is None:
        allowed.discard("conversation")  # first Veilig Thuis, then the parents (see _fgm_honour_need)
    if case.open_hypotheses:
        allowed.add("followup")
    if exemptions:
        allowed.add("exemption")
    if verwijsindex_open:
        allowed.add("verwijsindex")
    if deciding_reached:
        allowed.add("weighing")
    if (outcome is not None and outcome.help) or case.has("help"):
        allowed.add("help")
    if case.has("help") or case.has("plan"):
        allowed.add("help_evaluation")
    if case.definition.parties:
        allowed.add("assignment")  # format 2: who does what
    if case.definition.requires_plan and ((outcome is not None and outcome.help) or case.has("help")):
        allowed.add("plan")
    if case.has("report"):
        allowed.add("feedback")
    return tuple(a for a in ACTION_ORDER if a in allowed)


def _closure_reasons(case: _Case, outcome: Outcome | None, closed) -> tuple[str, ...]:
    if closed:
        return ()
    reasons = []
    if outcome is not None and outcome.kind == "close_unfounded":
        reasons.append("unfounded")
    evaluation = case.latest("help_evaluation")
    if (outcome is not None and outcome.kind == "close_help") or (
            evaluation and evaluation.data.get("reached") and evaluation.data.get("effective")):
        reasons.append("help_completed")
    if case.has("report"):
        reasons.append("handed_over")
    reasons.append("pupil_left")
    return tuple(reasons)


def _warnings(case: _Case, outcome: Outcome | None, skipped: list[Skipped], closed,
              currents: list[Step]) -> list[Notice]:
    definition, facts, names = case.definition, case.facts, case.definition.names
    warnings: list[Notice] = []
    if closed:
        return warnings
    urgent_contact = case.has("emergency_contact") or case.has("report") or any(
        r.data.get("with") == "veilig_thuis" for r in case.of("consultation"))
    if facts.route == "acute" and not case.has("emergency_contact"):
        warnings.append(Notice("acute", _("Acuut gevaar: neem nu contact op met %(point)s of bel 112. Een melding "
                                          "kan in hetzelfde gesprek.") % {"point": names.report_point},
                               definition.routes.acute.rule))
    flags = set(facts.flags) & {"fgm", "honour"}
    if flags and not urgent_contact:
        what = {"fgm": _("meisjesbesnijdenis"), "honour": _("eergerelateerd geweld")}
        warnings.append(Notice("fgm_honour", _("Vermoeden van %(what)s: neem met spoed contact op met %(point)s.")
                               % {"what": _(" en ").join(what[f] for f in sorted(flags)), "point": names.report_point},
                               definition.routes.fgm_honour.rule))
    if case.consent_status in ("refused", "withdrawn"):
        warnings.append(Notice("consent_refused", _("De ouder gaf geen toestemming om de leerling bij naam te "
                                                    "bespreken. Weeg dat mee in stap 4; bespreek de leerling "
                                                    "intussen alleen anoniem."), definition.consent.refusal_rule))
    named_without_consent = [
        r for r in case.of("consultation")
        if r.data.get("with") in definition.consent.needed_for and not r.data.get("anonymous", True)
        and _consent_at(case, r.at) != "given"
    ]
    if named_without_consent:
        warnings.append(Notice("named_without_consent", _("De leerling is op %(date)s bij naam besproken zonder "
                                                          "schriftelijke toestemming van de ouder.")
                               % {"date": _date(named_without_consent[-1])}, definition.consent.rule))
    warnings.extend(_authority_notices(case))
    early = _parent_talk_before_vt(case)
    if early is not None:
        warnings.append(early)
    child = _child_notice(case, currents)
    if child is not None:
        warnings.append(child)
    if facts.pupil_age is not None and facts.pupil_age >= definition.consent.pupil_from_age:
        warnings.append(Notice("pupil_consent", _("De leerling is %(age)d jaar: vraag ook de leerling zelf om "
                                                  "toestemming.") % {"age": facts.pupil_age}, definition.consent.rule))
    if case.open_hypotheses:
        warnings.append(Notice("open_hypotheses", ngettext(
            "Er staat %(count)d hypothese open. Leg vast of die is bevestigd of ontkracht.",
            "Er staan %(count)d hypothesen open. Leg vast of ze zijn bevestigd of ontkracht.",
            case.open_hypotheses) % {"count": case.open_hypotheses},
                               definition.step("1").guidance))
    for item in skipped:
        if not item.covered:
            warnings.append(Notice("skipped", _("Overgeslagen zonder vastgelegde reden (stap %(step)s): "
                                                "%(what)s") % {"step": item.step, "what": item.message}, item.rule))
    help_record = case.latest("help")
    if help_record is not None:
        deadline = _as_date(help_record.data.get("deadline"))
        evaluated = any(r.at >= help_record.at for r in case.of("help_evaluation"))
        if isinstance(deadline, date) and not evaluated and facts.today > deadline:
            warnings.append(Notice("help_deadline_passed", _("De termijn van de hulp liep af op %(date)s: evalueer "
                                                             "of de hulp werkt.") % {"date": deadline.strftime("%d-%m-%Y")},
                                   definition.step("5a").guidance))
    reporting_due = outcome is not None and outcome.report  # then report_due says it, in the school's words
    if case.help_failed and not case.has("report") and not reporting_due:
        warnings.append(Notice("help_failed", _("De hulp bereikt de afgesproken resultaten niet: meld (alsnog) bij "
                                                "%(point)s.") % {"point": names.report_point},
                               definition.step("5a").guidance))
    if outcome is not None and outcome.report and not case.has("report"):
        warnings.append(Notice("report_due", outcome.report_text or outcome.text, definition.step("5b").guidance))
    return warnings


def _authority_notices(case: _Case) -> list[Notice]:
    """Gezag (BW 1:245, 1:251): consent from a parent without it does not count; where both parents hold it, both
    are asked for consent and both are involved in (or told about) the conversations. Only records that name the
    guardians are judged; older free-text records are not guessed at."""
    rule = case.definition.consent.rule
    notices = []
    consents = case.of("consent")
    if case.without_authority and (not consents or consents[-1].at < case.without_authority[-1].at):
        notices.append(Notice("consent_without_authority", _(
            "De toestemming van %(date)s telt niet: die is gegeven door een ouder zonder gezag. Alleen een ouder met "
            "gezag kan toestemming geven. Vraag de ouder of ouders met gezag om toestemming.")
            % {"date": _date(case.without_authority[-1])}, rule))
    given = [r for r in consents if r.data.get("status") == "given" and "guardians" in r.data]
    if given and (missing := _other_holders(given)):
        notices.append(Notice("other_parent_consent", ngettext(
            "Beide ouders hebben het gezag, maar de toestemming van %(date)s is van één ouder: vraag ook de andere "
            "ouder om toestemming.",
            "Meer ouders hebben het gezag dan er toestemming gaven (%(date)s): vraag ook de andere ouders om "
            "toestemming.", missing) % {"date": _date(given[-1])}, rule))
    talks = [r for r in case.of("conversation") if r.data.get("purpose") in PARENT_PURPOSES and "guardians" in r.data]
    if talks and _other_holders(talks):
        notices.append(Notice("other_parent_informed", _(
            "Beide ouders hebben het gezag, maar bij het gesprek van %(date)s was één ouder: informeer ook de andere "
            "ouder, of nodig hem of haar uit voor een gesprek.") % {"date": _date(talks[-1])},
            case.definition.step("3").guidance if _has_step(case.definition, "3") else rule))
    return notices


def _other_holders(records: list[Record]) -> int:
    """How many guardians who held gezag (as of the latest record) none of these records involved."""
    holders = set(records[-1].data.get("authority_holders") or ())
    if len(holders) < 2:
        return 0
    involved = {pk for r in records for pk in (r.data.get("guardians_with_authority") or ())}
    return len(holders - involved)


def _has_step(definition: Meldcode, step_id: str) -> bool:
    return any(s.id == step_id for s in definition.steps)


def _parent_talk_before_vt(case: _Case) -> Notice | None:
    """Landelijk model 2019, meisjesbesnijdenis en eergerelateerd geweld: a conversation with the parents before
    Veilig Thuis was consulted can endanger the child; the dossier says so, with the date."""
    if not set(case.facts.flags) & {"fgm", "honour"}:
        return None
    contact = case.first_vt_contact()
    early = [r for r in case.of("conversation") if r.data.get("purpose") in PARENT_PURPOSES
             and (contact is None or r.at < contact.at)]
    if not early:
        return None
    route = case.definition.routes.fgm_honour
    return Notice("parent_talk_before_vt", _(
        "Het gesprek met de ouder van %(date)s vond plaats vóórdat %(point)s was geraadpleegd. Bij een vermoeden van "
        "meisjesbesnijdenis of eergerelateerd geweld overlegt u eerst met %(point)s: een gesprek met de ouder kan "
        "de dreiging vergroten en het kind in gevaar brengen.")
        % {"date": _date(early[0]), "point": case.definition.names.report_point}, route.rule)


def _child_notice(case: _Case, currents: list[Step]) -> Notice | None:
    """From child_involvement_age (12 at the latest) the pupil takes part in the conversation about a report.
    Checked against the pupil's age on the day of that conversation; an exemption for it also covers the child."""
    definition = case.definition
    limit = min(definition.child_involvement_age, LEGAL_CHILD_AGE)
    exemption = definition.exemption_for("pre_report_conversation")
    if exemption is not None and case.exemption_record(exemption) is not None:
        return None
    talks = [r for r in case.of("conversation") if r.data.get("purpose") == "pre_report"]
    rule = _pre_report_rule(definition)
    if talks:
        old_enough = [(r, age) for r in talks if (age := case.age_on(_local_day(r.at))) is not None and age >= limit]
        if not old_enough or any(r.data.get("child_present") for r, _age in old_enough):
            return None
        talk, age = old_enough[-1]
        return Notice("involve_child", _(
            "De leerling was %(age)d jaar bij het gesprek over de melding van %(date)s, maar was er niet bij. "
            "Volgens de meldcode bespreekt u de melding vanaf %(limit)d jaar ook met de leerling zelf.")
            % {"age": age, "date": _date(talk), "limit": limit}, rule)
    age = case.facts.pupil_age
    if age is None or age < limit or not any(s.branch == "report" for s in currents) or case.has("report"):
        return None
    return Notice("involve_child", _("De leerling is %(age)d jaar: volgens de meldcode bespreekt u de voorgenomen "
                                     "melding vanaf %(limit)d jaar ook met de leerling zelf.")
                  % {"age": age, "limit": limit}, rule)


def _pre_report_rule(definition: Meldcode) -> str:
    step = definition.step("5b")
    return next((q.rule for q in step.requires
                 if q.record == "conversation" and q.where.get("purpose") == ("pre_report",)), step.guidance)


def _as_date(value) -> date | None:
    """A date from the record data; stored journals keep dates as ISO text."""
    if isinstance(value, datetime):
        return _local_day(value)
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _consent_at(case: _Case, moment: datetime) -> str | None:
    before = [r for r in case.of("consent") if r.at <= moment]
    return before[-1].data.get("status") if before else None


# --- Staff member as suspected perpetrator ---------------------------------------------------------

def _evaluate_staff(case: _Case) -> Guidance:
    """The step plan does not apply: the board's duties replace the steps, in the order of the meldcode (WPO art.
    4a). A duty the law ties to a condition only applies when that condition occurred: the consultation of the
    vertrouwensinspecteur is required for a (possible) sexual offence and advised otherwise; informing the parents
    and the accused, and the police report, only when that consultation gives reasonable grounds. A condition
    not yet known never holds up the closure."""
    definition = case.definition
    route = definition.routes.staff
    closed = case.latest("closure")
    done = _first_duty_records(case)
    applies = {d.id: _duty_applies(case, d, done) for d in route.duties}
    pending = [d for d in route.duties if d.id not in done and applies[d.id] != "not_applicable"]
    blocking = [d for d in pending if applies[d.id] == "required"]
    current = pending[0] if pending and not closed else None
    states = []
    for duty in route.duties:
        if duty.id in done:
            state = "done"
        elif duty is current:
            state = "current"
        elif closed and applies[duty.id] == "required":
            state = "skipped"
        else:
            state = "open"
        states.append(StepState(duty.id, duty.title, state))
    requirements, advice = [], []
    if not closed:
        # What is due now: the next duties up to the first that applies for certain.
        for duty in pending:
            if applies[duty.id] == "advised":
                advice.append(Need(duty.id, duty.id, _(
                    "%(duty)s: mogelijk, niet verplicht, omdat het niet om een zedendelict gaat.")
                    % {"duty": duty.title}, duty.rule, advisory=True))
                continue
            requirements.append(Need(duty.id, duty.id, _duty_message(duty, applies[duty.id]), duty.rule))
            if applies[duty.id] == "required":
                break
        if not blocking:
            requirements.append(Need(route.duties[-1].id if route.duties else "", "closure",
                                     _("Alle plichten zijn vervuld: sluit het dossier af en leg de reden vast.")
                                     if not [d for d in pending if applies[d.id] == "conditional"] else
                                     _("De plichten die altijd gelden zijn vervuld. Geldt de plicht hierboven niet, "
                                       "sluit het dossier dan af en leg de reden vast."),
                                     definition.closing_rule))
    approvals = [] if closed else _missing_approvals(case)
    requirements.extend(approvals)
    warnings = [] if closed else [Notice("staff_route", route.guidance, route.rule),
                                  *_duty_order(route.duties, done, applies)]
    allowed = ALWAYS_ALLOWED if closed else tuple(
        a for a in ACTION_ORDER if a in {"signal", "duty", "report", "emergency_contact", "closure"})
    return Guidance(
        current_step="closed" if closed else (current.id if current else (route.duties[-1].id if route.duties else "")),
        steps=tuple(states), requirements=tuple(requirements), advice=tuple(advice), allowed_actions=allowed,
        closure_reasons=() if closed else ("handed_over", "unfounded", "pupil_left"), skipped=(), exemptions=(),
        outcome=None, warnings=tuple(warnings), open_hypotheses=case.open_hypotheses, approvals=tuple(approvals),
    )


def _staff_fact(case: _Case, key: str, duty_id: str | None = None):
    """The latest yes/no the duty records give for `key` (None while unknown)."""
    values = [r.data.get(key) for r in case.of("duty") if r.data.get(key) is not None
              and (duty_id is None or r.data.get("duty") == duty_id)]
    return bool(values[-1]) if values else None


def _duty_applies(case: _Case, duty: Duty, done: dict[str, Record]) -> str:
    """required | conditional (not yet known) | advised | not_applicable, per WPO art. 4a. Duties the law does
    not name keep what the meldcode says (`condition`: conditional)."""
    sexual = _staff_fact(case, "sexual_offence")
    if duty.id == STAFF_SEXUAL_OFFENCE_DUTY:
        # Art. 4a lid 2: overleg at once on a possible sexual offence; for other violence it is advised.
        if sexual is False:
            return "advised"
        return "conditional" if duty.condition else "required"
    if duty.id in STAFF_GROUNDS_DUTIES:
        if sexual is False:
            return "not_applicable"
        # Art. 4a lid 3 and 4: report (after informing the parents and the accused) only when the consultation
        # gives reasonable grounds. A police report on record shows it did.
        grounds = _staff_fact(case, "reasonable_grounds", STAFF_SEXUAL_OFFENCE_DUTY)
        if grounds is None and "police_report" in done:
            grounds = True
        if grounds is None:
            return "conditional"
        return "required" if grounds else "not_applicable"
    return "conditional" if duty.condition else "required"


def _first_duty_records(case: _Case) -> dict[str, Record]:
    done: dict[str, Record] = {}
    for record in case.of("duty"):
        done.setdefault(str(record.data.get("duty")), record)
    return done


def _duty_message(duty: Duty, applies: str = "required") -> str:
    if applies == "required":
        return duty.title
    condition = duty.condition or _("als het overleg met de vertrouwensinspecteur een redelijk vermoeden van een "
                                    "zedendelict geeft")
    return _("%(duty)s (alleen %(condition)s)") % {"duty": duty.title, "condition": condition}


def _duty_order(duties: Sequence[Duty], done: dict[str, Record], applies: Mapping[str, str]) -> list[Notice]:
    """A duty recorded before an earlier one (e.g. the police report before informing the parents and the accused,
    WPO art. 4a lid 4). An earlier duty that does not (or not yet certainly) apply was not missed."""
    notices = []
    for index, duty in enumerate(duties):
        record = done.get(duty.id)
        if record is None:
            continue
        missed = [d for d in duties[:index]
                  if (d.id in done and done[d.id].at > record.at)
                  or (d.id not in done and applies.get(d.id) == "required")]
        if missed:
            notices.append(Notice("duty_order", _("'%(duty)s' is vastgelegd op %(date)s, vóór '%(earlier)s'. Volgens "
                                                  "de meldcode gaat dat eraan vooraf.")
                                  % {"duty": duty.title, "date": _date(record),
                                     "earlier": "', '".join(d.title for d in missed)}, missed[0].rule))
    return notices
