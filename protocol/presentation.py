"""Shaping a definition for the readable meldcode page (no logic about cases here)."""

from django.utils.translation import gettext as _

from accounts.roles import Role
from protocol.definition import Branch, Meldcode, Requirement


def role_names(roles) -> list[str]:
    labels = dict(Role.choices)
    return [str(labels.get(role, role)) for role in roles]


def outcome_label(kind: str) -> str:
    return {
        "continue": _("verder"), "close_unfounded": _("afsluiten: vermoeden ongegrond"), "report": _("melden"),
        "start_help": _("hulp inzetten"), "close_help": _("hulp afsluiten"),
    }.get(kind, kind)


def route_columns(definition: Meldcode) -> dict:
    """The route diagram: the steps everyone walks, then the two branches after the decision."""
    return {
        "main": [s for s in definition.steps if s.branch is None],
        "help": [s for s in definition.steps if s.branch == "start_help"],
        "report": [s for s in definition.steps if s.branch == "report"],
    }


def who_names(definition: Meldcode, keys) -> list[str]:
    """Roles by their label, and (format 2) the parties of the meldcode by their name."""
    return [definition.party(k).name if definition.party(k) else name for k, name in zip(keys, role_names(keys),
                                                                                             strict=True)]


def steps_view(definition: Meldcode) -> list[dict]:
    return [{"step": s, "carried_out_by": who_names(definition, s.carried_out_by),
             "involved": who_names(definition, s.involved),
             "requires_roles": {r.id: who_names(definition, r.roles_present) for r in s.requires},
             "due": s.due.label() if s.due else "",
             "notes": {r.id: requirement_notes(definition, r) for r in (*s.requires, *s.advice)}}
            for s in definition.steps]


RECORD_WORDS = {"report": "de melding", "weighing": "de weging", "help": "de inzet van hulp",
                "feedback": "de terugkoppeling", "plan": "het handelingsplan", "signal": "de signalering",
                "consultation": "een consultatie", "conversation": "een gesprek"}


def requirement_notes(definition: Meldcode, requirement: Requirement) -> list[str]:
    """Format 2, in words: by whom, with whom, when, only in this step or after what, and under which condition."""
    notes = []
    if requirement.by:
        notes.append(_("door: %(who)s") % {"who": definition.who(requirement.by)})
    if requirement.parties:
        notes.append(_("met: %(who)s") % {"who": ", ".join(definition.who(p) for p in requirement.parties)})
    if requirement.due:
        label = requirement.due.label()
        start = requirement.due.start
        if start != "step":
            label = _("%(when)s na %(what)s") % {"when": label, "what": RECORD_WORDS.get(start, start)}
        notes.append(_("termijn: %(when)s") % {"when": label})
    if requirement.scope == "step":
        notes.append(_("telt alleen als het in deze stap gebeurt"))
    if requirement.after:
        notes.append(_("telt alleen na %(what)s") % {"what": RECORD_WORDS.get(requirement.after[0],
                                                                               requirement.after[0])})
    if requirement.condition:
        condition = requirement.condition
        what = RECORD_WORDS.get(condition.record, condition.record)
        detail = ", ".join(f"{key}: {'/'.join(str(v) for v in values)}" for key, values in condition.where.items())
        notes.append(_("alleen als er %(what)s is vastgelegd%(detail)s") % {
            "what": what.replace("de ", "", 1) if what.startswith("de ") else what,
            "detail": f" ({detail})" if detail else ""})
    return notes


def parties_view(definition: Meldcode) -> list[dict]:
    from socialmap.models import Kind

    kinds = dict(Kind.choices)
    return [{"party": p, "kinds": [str(kinds.get(k, k)) for k in p.organisation_kinds]} for p in definition.parties]


def afwegingskader_rows(definition: Meldcode) -> list[dict]:
    numbers = {q.id: q.number for q in definition.afwegingskader}

    def branch(b: Branch) -> dict:
        return {"outcome": b.outcome, "label": outcome_label(b.outcome) if b.outcome != "continue" else "",
                "text": b.text, "next": numbers.get(b.next) if b.next else None}

    return [{"question": q, "answers": [branch(q.yes), branch(q.no)]} for q in definition.afwegingskader]


def responsibilities_view(definition: Meldcode) -> list[dict]:
    return [{"title": r.title, "roles": who_names(definition, r.roles), "duties": r.duties}
            for r in definition.responsibilities]


def staff_duties_view(definition: Meldcode) -> list[dict]:
    return [{"duty": d, "roles": role_names(d.roles)} for d in definition.routes.staff.duties]
