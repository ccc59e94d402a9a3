"""The protocol engine: given a school's meldcode and a case's records, what now?

Pure Python on purpose: no database, no request. The dossier reduces its journal to `Record`s and asks
`evaluate(definition, facts)`; every answer cites the school's own rule text from its meldcode file, so
the guidance follows the school's variant without code changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from protocol.definition import LEGAL_CHILD_AGE, LEGAL_GROUNDS, Duty, Exemption, Meldcode, Requirement, Step

# The order in which the dossier offers actions; `allowed_actions` keeps it.
ACTION_ORDER = (
    "signal", "followup", "consultation", "consent", "conversation", "exemption", "verwijsindex", "weighing",
    "help", "help_evaluation", "report", "feedback", "emergency_contact", "duty", "closure",
)
ALWAYS_ALLOWED = ("report", "emergency_contact")
# Records that move a case past the earlier steps for good: whatever was not done before them was skipped.
COMMITTING_RECORDS = ("help", "report")


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
    kind: str  # continue | close_unfounded | report | start_help | close_help
    text: str
    pending_question: str | None  # the id of the next question to answer, if any
    answered: tuple[tuple[str, bool], ...]


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

    def warning_codes(self) -> set[str]:
        return {w.code for w in self.warnings}


# --- Reading the records ---------------------------------------------------------------------------

class _Case:
    def __init__(self, definition: Meldcode, facts: CaseFacts):
        self.definition = definition
        self.facts = facts
        self.records = sorted(facts.records, key=lambda r: r.at)

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
    """Follow the answers through the questions in order; the last outcome reached counts."""
    questions = definition.afwegingskader
    question = questions[0] if questions else None
    kind, text, answered = "continue", "", []
    while question is not None:
        if question.id not in answers:
            return Outcome(kind, text or question.text, question.id, tuple(answered))
        answer = bool(answers[question.id])
        answered.append((question.id, answer))
        branch = question.yes if answer else question.no
        if branch.outcome != "continue":
            kind, text = branch.outcome, branch.text
        question = definition.question(branch.next) if branch.next else None
    return Outcome(kind, text, None, tuple(answered))


def _matches(record: Record, requirement: Requirement) -> bool:
    for key, allowed in requirement.where.items():
        if record.data.get(key) not in allowed:
            return False
    return True


def _date(record: Record) -> str:
    return record.at.date().strftime("%d-%m-%Y")


def _role_names(roles) -> str:
    from accounts.roles import Role

    labels = {value: str(label).split(" / ")[0].lower() for value, label in Role.choices}
    return ", ".join(labels.get(r, r) for r in roles)


class _Check:
    """Whether one requirement is met, and if not, the precise reason."""

    def __init__(self, met: bool, reason: str = "", *, final: bool = False):
        self.met = met
        self.reason = reason
        self.final = final  # can no longer be met in time (e.g. the report was already made)


def _check(case: _Case, requirement: Requirement) -> _Check:
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
                          % {"date": _date(last), "roles": _role_names(missing)}, final=final)
    return _Check(True)


def _record_label(kind: str | None) -> str:
    return {"report": _("melding"), "weighing": _("weging"), "help": _("inzet van hulp"),
            "emergency_contact": _("noodcontact")}.get(kind or "", kind or "")


# --- Evaluation ------------------------------------------------------------------------------------

def evaluate(definition: Meldcode, facts: CaseFacts) -> Guidance:
    """Which step the case is in, what is still required and why, what may be done now, and what was skipped."""
    case = _Case(definition, facts)
    if facts.route == "staff":
        return _evaluate_staff(case)
    return _evaluate_steps(case)


def _branch_active(case: _Case, branch: str | None, outcome: Outcome | None) -> bool:
    if branch is None:
        return True
    kind = outcome.kind if outcome else None
    if branch == "start_help":
        return kind in ("start_help", "close_help") or case.has("help")
    if branch == "report":
        return kind == "report" or case.has("report") or case.help_failed
    return False


def _evaluate_steps(case: _Case) -> Guidance:
    definition, facts = case.definition, case.facts
    outcome = case.outcome()
    closed = case.latest("closure")
    names = definition.names

    # Per step: which requirements are unmet, and whether any was met (the step was reached).
    results: dict[str, list[tuple[Requirement, _Check, Record | None]]] = {}
    complete: dict[str, bool] = {}
    # Help that failed is over: its steps are finished (not skipped) and the report branch takes over.
    ended = {s.id for s in definition.steps if s.branch == "start_help"} if case.help_failed else set()
    for step in definition.steps:
        rows = []
        for requirement in step.requires:
            check = _check(case, requirement)
            covering = None
            if not check.met and requirement.exempt_by:
                covering = case.exemption_record(definition.exemption(requirement.exempt_by))
            rows.append((requirement, check, covering))
        results[step.id] = rows
        complete[step.id] = step.id in ended or all(c.met or cov is not None for _r, c, cov in rows)

    active = [s for s in definition.steps if _branch_active(case, s.branch, outcome)]
    # A committing act (the decision, starting help, the report) moves the case past earlier steps for good.
    anchor = -1
    for index, step in enumerate(active):
        committed = (step.decides and outcome is not None and outcome.kind != "continue") or any(
            r.record in COMMITTING_RECORDS and case.has(r.record) for r in step.requires)
        if committed:
            anchor = index
    current: Step | None = None
    if not closed:
        for index, step in enumerate(active):
            if index >= anchor and not complete[step.id]:
                current = step
                break
        if current is None and active:
            current = active[-1]
    current_index = active.index(current) if current in active else len(active)

    states = []
    skipped: list[Skipped] = []
    acute_steps = _acute_steps(case)
    for step in definition.steps:
        if step in active:
            # Steps are walked in order: a later step only counts once the case has reached it.
            index = active.index(step)
            if step is current:
                state = "current"
            elif index < current_index:
                state = "done" if complete[step.id] else "skipped"
            else:
                state = "open"
        else:
            excluded = closed or (outcome is not None and (
                (step.branch == "start_help" and outcome.kind in ("report", "close_unfounded") and not case.has("help"))
                or (step.branch == "report" and outcome.kind == "close_unfounded")))
            state = "skipped" if excluded else "open"
        states.append(StepState(step.id, step.title, state))
        if step not in active or step.id in ended:
            continue
        # A closed case lists only what was skipped on the way to its last committing act.
        if closed and active.index(step) > anchor:
            continue
        for requirement, check, covering in results[step.id]:
            if check.met:
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
    if current is not None and not closed:
        for requirement, check, covering in results[current.id]:
            if check.met or covering is not None or check.final:
                continue
            message = requirement.need + (f" {check.reason}" if check.reason else "")
            requirements.append(Need(current.id, requirement.id, message, requirement.rule))
        for requirement in current.advice:
            if not _check(case, requirement).met:
                advice.append(Need(current.id, requirement.id, requirement.need, requirement.rule, advisory=True))
        if current is active[-1] and complete[current.id]:
            requirements.append(_closing_need(case, current, outcome))
    verwijsindex_open = _verwijsindex_open(case, active, current_index)
    if verwijsindex_open and not closed and not case.has("verwijsindex"):
        advice.append(Need(current.id if current else "", "verwijsindex",
                           _("Overweeg registratie in de Verwijsindex (als de school is aangesloten)."),
                           definition.verwijsindex.rule, advisory=True))

    exemptions = _applicable_exemptions(case, active, current_index, results, closed)
    allowed = _allowed_actions(case, active, current_index, outcome, exemptions, closed, verwijsindex_open)
    return Guidance(
        current_step="closed" if closed else (current.id if current else ""),
        steps=tuple(states), requirements=tuple(requirements), advice=tuple(advice),
        allowed_actions=allowed, closure_reasons=_closure_reasons(case, outcome, closed),
        skipped=tuple(skipped), exemptions=exemptions, outcome=outcome,
        warnings=tuple(_warnings(case, outcome, skipped, closed, current)), open_hypotheses=case.open_hypotheses,
    )


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


def _applicable_exemptions(case: _Case, active, current_index, results, closed) -> tuple[Exemption, ...]:
    """Exemptions for obligations of the current step or of steps already passed, that are still unmet."""
    if closed:
        return ()
    found = []
    for step in active[:current_index + 1]:
        for requirement, check, covering in results[step.id]:
            if requirement.exempt_by and not check.met and covering is None:
                exemption = case.definition.exemption(requirement.exempt_by)
                if exemption not in found:
                    found.append(exemption)
    return tuple(found)


def _allowed_actions(case, active, current_index, outcome, exemptions, closed, verwijsindex_open) -> tuple[str, ...]:
    if closed:
        return ALWAYS_ALLOWED
    allowed = {"signal", "consultation", "consent", "conversation", "report", "emergency_contact", "closure"}
    if case.open_hypotheses:
        allowed.add("followup")
    if exemptions:
        allowed.add("exemption")
    if verwijsindex_open:
        allowed.add("verwijsindex")
    deciding = next((i for i, s in enumerate(active) if s.decides), None)
    if deciding is not None and current_index >= deciding:
        allowed.add("weighing")
    if outcome is not None and outcome.kind in ("start_help", "close_help") or case.has("help"):
        allowed.add("help")
    if case.has("help"):
        allowed.add("help_evaluation")
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
              current: Step | None) -> list[Notice]:
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
    child = _child_notice(case, current)
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
    reporting_due = outcome is not None and outcome.kind == "report"  # then report_due says it, in the school's words
    if case.help_failed and not case.has("report") and not reporting_due:
        warnings.append(Notice("help_failed", _("De hulp bereikt de afgesproken resultaten niet: meld (alsnog) bij "
                                                "%(point)s.") % {"point": names.report_point},
                               definition.step("5a").guidance))
    if outcome is not None and outcome.kind == "report" and not case.has("report"):
        warnings.append(Notice("report_due", outcome.text, definition.step("5b").guidance))
    return warnings


def _child_notice(case: _Case, current: Step | None) -> Notice | None:
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
        old_enough = [(r, age) for r in talks if (age := case.age_on(r.at.date())) is not None and age >= limit]
        if not old_enough or any(r.data.get("child_present") for r, _age in old_enough):
            return None
        talk, age = old_enough[-1]
        return Notice("involve_child", _(
            "De leerling was %(age)d jaar bij het gesprek over de melding van %(date)s, maar was er niet bij. "
            "Volgens de meldcode bespreekt u de melding vanaf %(limit)d jaar ook met de leerling zelf.")
            % {"age": age, "date": _date(talk), "limit": limit}, rule)
    age = case.facts.pupil_age
    if age is None or age < limit or current is None or current.branch != "report" or case.has("report"):
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
        return value.date()
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
    """The step plan does not apply: the board's duties replace the steps, in the order of the meldcode.
    A duty with a condition (the police report) only applies when its condition holds: it never holds up
    the closure."""
    definition = case.definition
    route = definition.routes.staff
    closed = case.latest("closure")
    done = _first_duty_records(case)
    pending = [d for d in route.duties if d.id not in done]
    current = pending[0] if pending and not closed else None
    states = []
    for duty in route.duties:
        if duty.id in done:
            state = "done"
        elif duty is current:
            state = "current"
        elif closed and not duty.condition:
            state = "skipped"
        else:
            state = "open"
        states.append(StepState(duty.id, duty.title, state))
    requirements = []
    if not closed:
        # What is due now: the next duties up to the first that always applies.
        for duty in pending:
            requirements.append(Need(duty.id, duty.id, _duty_message(duty), duty.rule))
            if not duty.condition:
                break
        if all(d.condition for d in pending):
            requirements.append(Need(route.duties[-1].id if route.duties else "", "closure",
                                     _("Alle plichten zijn vervuld: sluit het dossier af en leg de reden vast.")
                                     if not pending else
                                     _("De plichten die altijd gelden zijn vervuld. Geldt de plicht hierboven niet, "
                                       "sluit het dossier dan af en leg de reden vast."),
                                     definition.closing_rule))
    warnings = [] if closed else [Notice("staff_route", route.guidance, route.rule), *_duty_order(route.duties, done)]
    allowed = ALWAYS_ALLOWED if closed else tuple(
        a for a in ACTION_ORDER if a in {"signal", "duty", "report", "emergency_contact", "closure"})
    return Guidance(
        current_step="closed" if closed else (current.id if current else (route.duties[-1].id if route.duties else "")),
        steps=tuple(states), requirements=tuple(requirements), advice=(), allowed_actions=allowed,
        closure_reasons=() if closed else ("handed_over", "unfounded", "pupil_left"), skipped=(), exemptions=(),
        outcome=None, warnings=tuple(warnings), open_hypotheses=case.open_hypotheses,
    )


def _first_duty_records(case: _Case) -> dict[str, Record]:
    done: dict[str, Record] = {}
    for record in case.of("duty"):
        done.setdefault(str(record.data.get("duty")), record)
    return done


def _duty_message(duty: Duty) -> str:
    if not duty.condition:
        return duty.title
    return _("%(duty)s (alleen %(condition)s)") % {"duty": duty.title, "condition": duty.condition}


def _duty_order(duties: Sequence[Duty], done: dict[str, Record]) -> list[Notice]:
    """A duty recorded before an earlier one (e.g. the police report before informing the parents and the accused,
    WPO art. 4a). An earlier duty with a condition that was never recorded may simply not apply."""
    notices = []
    for index, duty in enumerate(duties):
        record = done.get(duty.id)
        if record is None:
            continue
        missed = [d for d in duties[:index]
                  if (d.id in done and done[d.id].at > record.at) or (d.id not in done and not d.condition)]
        if missed:
            notices.append(Notice("duty_order", _("'%(duty)s' is vastgelegd op %(date)s, vóór '%(earlier)s'. Volgens "
                                                  "de meldcode gaat dat eraan vooraf.")
                                  % {"duty": duty.title, "date": _date(record),
                                     "earlier": "', '".join(d.title for d in missed)}, missed[0].rule))
    return notices
