"""Shaping a definition for the readable meldcode page (no logic about cases here)."""

from django.utils.translation import gettext as _

from accounts.roles import Role
from protocol.definition import Branch, Meldcode


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


def steps_view(definition: Meldcode) -> list[dict]:
    return [{"step": s, "carried_out_by": role_names(s.carried_out_by), "involved": role_names(s.involved),
             "requires_roles": {r.id: role_names(r.roles_present) for r in s.requires}}
            for s in definition.steps]


def afwegingskader_rows(definition: Meldcode) -> list[dict]:
    numbers = {q.id: q.number for q in definition.afwegingskader}

    def branch(b: Branch) -> dict:
        return {"outcome": b.outcome, "label": outcome_label(b.outcome) if b.outcome != "continue" else "",
                "text": b.text, "next": numbers.get(b.next) if b.next else None}

    return [{"question": q, "answers": [branch(q.yes), branch(q.no)]} for q in definition.afwegingskader]


def responsibilities_view(definition: Meldcode) -> list[dict]:
    return [{"title": r.title, "roles": role_names(r.roles), "duties": r.duties} for r in definition.responsibilities]


def staff_duties_view(definition: Meldcode) -> list[dict]:
    return [{"duty": d, "roles": role_names(d.roles)} for d in definition.routes.staff.duties]
