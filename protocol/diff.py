"""What changed between two versions of a meldcode, in terms a school recognises ("Stap 3 › eisen ...")."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from protocol.definition import Meldcode


@dataclass(frozen=True)
class Change:
    kind: str  # added | removed | changed
    where: str  # Dutch path, e.g. "Stap 3 › eisen › parent_conversation › roles_present"
    old: str
    new: str
    affects_workflow: bool = False  # changes what the dossier asks for, not only the wording


# Fields whose change alters how the engine guides a case (the rest is wording).
WORKFLOW_FIELDS = frozenset({
    "record", "where", "roles_present", "before", "exempt_by", "check", "branch", "outcome", "next",
    "child_involvement_age", "needed_for", "pupil_from_age", "from_step", "applies_to", "carried_out_by",
    "involved", "report_point", "care_team", "roles", "condition", "purpose", "with", "grounds",
    # Format 2
    "parties", "scope", "after", "due", "if", "school_days", "days", "weeks", "from", "urgency",
    "recontact_after", "escalate_after", "organisation_kinds", "format",
})
# Lists whose items (by id) are rules the dossier follows: adding or removing one changes the way of working.
WORKFLOW_LISTS = frozenset({"steps", "requires", "advice", "afwegingskader", "exemptions", "grounds", "duties",
                            "parties"})


def _labels() -> dict[str, str]:
    return {
        "title": _("titel"), "version": _("versie"), "owner": _("eigenaar"), "adopted": _("vastgesteld"),
        "by": _("door"), "on": _("op"), "legal_bases": _("wettelijke grondslagen"),
        "definitions": _("begripsbepalingen"), "names": _("namen"), "report_point": _("advies- en meldpunt"),
        "care_team": _("zorgteam"), "attention_officer": _("aandachtsfunctionaris"),
        "child_involvement_age": _("leeftijd waarop het kind zelf meedoet"), "consent": _("toestemming"),
        "verwijsindex": _("Verwijsindex"), "steps": _("Stap"), "goal": _("doel"), "guidance": _("uitleg"),
        "actions": _("acties"), "carried_out_by": _("uitgevoerd door"), "involved": _("betrokken"),
        "role_rules": _("afspraken over rollen"), "requires": _("eisen"), "advice": _("adviezen"),
        "need": _("wat nodig is"), "rule": _("regel"), "roles_present": _("aanwezige rollen"),
        "where": _("voorwaarde"), "afwegingskader": _("Afwegingskader"), "text": _("tekst"), "hint": _("toelichting"),
        "yes": _("ja"), "no": _("nee"), "outcome": _("uitkomst"), "next": _("volgende vraag"),
        "exemptions": _("Uitzonderingen"), "grounds": _("gronden"), "routes": _("Routes"),
        "acute": _("acuut gevaar"), "staff": _("medewerker als pleger"), "fgm_honour": _("meisjesbesnijdenis/eer"),
        "duties": _("plichten"), "condition": _("voorwaarde"), "final_responsibility": _("eindverantwoordelijkheid"),
        "responsibilities": _("Verantwoordelijkheden"), "not_responsible_for": _("niet verantwoordelijk voor"),
        "signal_list": _("Signaleringslijst"), "categories": _("categorie"), "signals": _("signalen"),
        "closing": _("afsluiten"), "roles": _("rollen"), "branch": _("tak"), "check": _("controle"),
        "record": _("vastlegging"), "before": _("vóór"), "exempt_by": _("uitzondering"),
        "needed_for": _("nodig voor"), "pupil_from_age": _("leerling zelf vanaf"), "refusal_rule": _("bij weigering"),
        "from_step": _("vanaf stap"), "ages": _("leeftijden"), "applies_to": _("geldt voor"),
        "kind": _("soort"), "name": _("naam"),
        # Format 2
        "format": _("formaat"), "parties": _("Partijen"), "scope": _("reikwijdte"), "after": _("pas na"),
        "due": _("termijn"), "if": _("alleen als"), "school_days": _("schooldagen"), "days": _("dagen"),
        "weeks": _("weken"), "from": _("vanaf"), "urgency": _("urgentie"),
        "recontact_after": _("opnieuw contact na"), "escalate_after": _("directie inlichten na"),
        "organisation_kinds": _("soorten organisatie"),
        "organisations": _("organisaties"), "description": _("omschrijving"),
    }


def _flatten(value: Any, path: tuple[str, ...], out: dict[tuple[str, ...], Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "id" and path:
                continue
            _flatten(item, path + (str(key),), out)
    elif isinstance(value, list):
        if value and all(isinstance(item, dict) and "id" in item for item in value):
            for item in value:
                _flatten(item, path + (f"[{item['id']}]",), out)
        elif all(not isinstance(item, dict | list) for item in value):
            out[path] = tuple("" if item is None else str(item) for item in value)
        else:
            for number, item in enumerate(value, start=1):
                _flatten(item, path + (f"#{number}",), out)
    else:
        out[path] = "" if value is None else str(value)


def _describe(path: tuple[str, ...], labels: dict[str, str]) -> str:
    parts = []
    for part in path:
        if part.startswith("[") and part.endswith("]"):
            ident = part[1:-1]
            if parts and parts[-1] in (labels["steps"],):
                parts[-1] = f"{parts[-1]} {ident}"
            else:
                parts.append(ident)
        elif part.startswith("#"):
            parts.append(part[1:])
        else:
            parts.append(labels.get(part, part))
    return " › ".join(parts)


def compare(old: Meldcode, new: Meldcode) -> list[Change]:
    """Every difference between two definitions, in the order of the newer file."""
    labels = _labels()
    before: dict[tuple[str, ...], Any] = {}
    after: dict[tuple[str, ...], Any] = {}
    _flatten(old.raw, (), before)
    _flatten(new.raw, (), after)
    ignored = {("key",), ("format",)}
    changes = []
    paths = list(after) + [p for p in before if p not in after]
    one_sided = _rule_items(before) ^ _rule_items(after)  # rules only one of the versions has
    for path in paths:
        if path in ignored:
            continue
        a, b = before.get(path), after.get(path)
        if a == b:
            continue
        where = _describe(path, labels)
        workflow = bool(set(path) & WORKFLOW_FIELDS) or _in_any(path, one_sided)
        if isinstance(a, tuple) or isinstance(b, tuple):
            a_items, b_items = _as_list(a), _as_list(b)
            for item in b_items:
                if item not in a_items:
                    changes.append(Change("added", where, "", item, workflow))
            for item in a_items:
                if item not in b_items:
                    changes.append(Change("removed", where, item, "", workflow))
            if sorted(a_items) == sorted(b_items):
                changes.append(Change("changed", where, ", ".join(a_items), ", ".join(b_items), workflow))
        elif a is None:
            changes.append(Change("added", where, "", b, workflow))
        elif b is None:
            changes.append(Change("removed", where, a, "", workflow))
        else:
            changes.append(Change("changed", where, a, b, workflow))
    # What changes the way of working comes first; a stable sort keeps the file order within each group.
    return sorted(changes, key=lambda change: not change.affects_workflow)


def _as_list(value) -> list[str]:
    """A list field, also when the other version wrote one value (`before: report` against a list)."""
    if value is None:
        return []
    return list(value) if isinstance(value, tuple) else [value]


def _rule_items(flat: dict[tuple[str, ...], Any]) -> set[tuple[str, ...]]:
    """The paths of every item (by id) in a rule list: ('steps', '[3]'), ('exemptions', '[x]', 'grounds', '[y]')."""
    found = set()
    for path in flat:
        for index in range(1, len(path)):
            if path[index].startswith("[") and path[index - 1] in WORKFLOW_LISTS:
                found.add(path[:index + 1])
    return found


def _in_any(path: tuple[str, ...], items: set[tuple[str, ...]]) -> bool:
    return any(path[:index + 1] in items for index in range(len(path)))


def source_diff(old_source: str, new_source: str, old_name: str, new_name: str) -> list[tuple[str, str]]:
    """The line diff of the two files, as (css class, line) pairs for display."""
    lines = []
    for line in difflib.unified_diff(old_source.splitlines(), new_source.splitlines(), old_name, new_name,
                                     lineterm="", n=2):
        if line.startswith(("+++", "---")):
            css = "file"
        elif line.startswith("@@"):
            css = "hunk"
        elif line.startswith("+"):
            css = "added"
        elif line.startswith("-"):
            css = "removed"
        else:
            css = "context"
        lines.append((css, line))
    return lines
