"""Score the converter against the independent conversion corpus (protocol/tests/conversion_corpus/README.md).

Each proposal of a conversion is read back as the corpus's rule kinds ("claims"): what the draft holds after the
proposal is applied (the names, the roles at a conversation, a consultation's partners and strength, consent, the
Verwijsindex, a route, final responsibility, a deadline in a role rule), with the proposal's source sentence. The
claims are then matched to the document's `.expected.yaml` as the README describes:

- an expected rule is *proposed correctly* when a claim of the same kind agrees on the compared keys and its
  source overlaps the expected source (one contains the other after NFKC and whitespace folding, or a difflib
  ratio of at least 0.9);
- a claim is *wrong* when it contradicts every expected rule of its kind and step, or when its source is a
  `must_not_propose` or `needs_a_person` passage;
- everything else is *unlisted* (for a person to judge, not scored).

    python -m protocol.convert.scoring          # the per-document table
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "conversion_corpus"
DOCUMENT_SUFFIXES = (".docx", ".pdf", ".txt")


# --- normalisation and overlap -----------------------------------------------------------------------------------

def norm(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text or "")).strip()


def overlaps(a: str, b: str) -> bool:
    a, b = norm(a), norm(b)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    return difflib.SequenceMatcher(None, a, b).ratio() >= 0.9


# --- claims: a proposal read back in the corpus's rule kinds ----------------------------------------------------

@dataclass
class Claim:
    kind: str
    value: dict
    source: str
    proposal: str  # the proposal's id

    def label(self) -> str:
        return f"{self.kind} {self.value} ({self.proposal})"


_NUMBERS = {"een": 1, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
            "negen": 9, "tien": 10, "veertien": 14}
_DEADLINE = re.compile(r"\bbinnen\s+(?P<n>\d+|" + "|".join(_NUMBERS) + r")\s+(?P<unit>schooldag(?:en)?|werkdag(?:en)?|"
                       r"dag(?:en)?|weken|week|uur)\b|(?P<same>dezelfde dag)", re.IGNORECASE)


def deadline_of(text: str) -> dict | None:
    """Days and unit of the first deadline in a sentence (weeks in calendar days, 24 hours as one day)."""
    match = _DEADLINE.search(text)
    if not match:
        return None
    if match.group("same"):
        return {"days": 0, "unit": "schooldagen"}
    n = match.group("n").lower()
    n = int(n) if n.isdigit() else _NUMBERS[n]
    unit = match.group("unit").lower()
    if unit.startswith("schooldag"):
        return {"days": n, "unit": "schooldagen"}
    if unit.startswith("werkdag"):
        return {"days": n, "unit": "werkdagen"}
    if unit.startswith("we"):
        return {"days": 7 * n, "unit": "kalenderdagen"}
    if unit == "uur":
        return {"days": max(1, round(n / 24)), "unit": "kalenderdagen"}
    return {"days": n, "unit": "kalenderdagen"}


def _step(data: dict, step_id: str) -> dict | None:
    return next((s for s in data.get("steps", []) if str(s.get("id")) == str(step_id)), None)


def _item(step: dict, item_id: str) -> tuple[str | None, dict | None]:
    for kind in ("requires", "advice"):
        for item in step.get(kind, []) or []:
            if item.get("id") in (item_id, item_id.replace("amk", "veilig_thuis")):
                return kind, item
    return None, None


def _as_list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _requirement_claims(data: dict, step_id: str, item_id: str, source: str, pid: str) -> list[Claim]:
    step = _step(data, step_id)
    if step is None:
        return []
    kind, item = _item(step, item_id)
    if item is None:
        return []
    claims = []
    if item.get("record") == "consultation":
        claims.append(Claim("consultation_required", {
            "step": step_id, "with": _as_list((item.get("where") or {}).get("with")),
            "strength": "required" if kind == "requires" else "advice"}, source, pid))
    if item.get("record") == "conversation" and item.get("roles_present"):
        purpose = (item.get("where") or {}).get("purpose", "other")
        conversation = purpose if purpose in ("parent", "pre_report") else "other"
        claims.append(Claim("roles_present", {"step": step_id, "conversation": conversation,
                                              "roles": list(item["roles_present"])}, source, pid))
    return claims


def draft_data(conversion) -> dict:
    """The draft as plain data with every proposal applied (as the preview shows it before any decision)."""
    from protocol.convert import rules
    from protocol.convert.writer import shipped

    data = shipped(conversion.recognition.template.base)
    base = shipped(conversion.recognition.template.base)
    for proposal in conversion.proposals:
        data = rules.apply(data, proposal, base)
    return data


def claims_of(conversion) -> list[Claim]:
    data = draft_data(conversion)
    names = data.get("names", {})
    claims: list[Claim] = []
    for proposal in conversion.proposals:
        if proposal.kind == "legal":
            continue
        pid, source = proposal.id, (proposal.source or {}).get("text", "")
        if not source:
            continue
        key = pid.removeprefix("template:").removeprefix("text:")
        parts = key.split(":")

        def add(kind, value, source=source, pid=pid):
            claims.append(Claim(kind, value, source, pid))

        if key in ("report_point", "names:report_point"):
            add("report_point_name", {"value": names.get("report_point")})
        elif key in ("care_team", "names:care_team"):
            add("care_team_name", {"value": names.get("care_team")})
        elif key in ("attention_officer", "names:attention_officer"):
            add("attention_officer_name", {"value": names.get("attention_officer")})
        elif parts[0] == "attends" and parts[1] == "3":
            claims.extend(_requirement_claims(data, "3", "parent_conversation", source, pid))
            step = _step(data, "3")
            if step is not None:
                add("carried_out_by", {"step": "3", "roles": list(step.get("carried_out_by", []))})
        elif key == "consult_with":
            claims.extend(_requirement_claims(data, "2", "collegial_consultation", source, pid))
        elif parts[0] == "demote":
            claims.extend(_requirement_claims(data, parts[1], parts[2], source, pid))
        elif parts[0] == "step":
            claims.extend(_requirement_claims(data, parts[1], parts[2], source, pid))
        elif parts[0] == "role_rule":
            deadline = deadline_of(proposal.value)
            if deadline:
                add("deadline", {"step": parts[1], **deadline})
        elif key in ("verwijsindex", "verwijsindex_from"):
            block = data.get("verwijsindex")
            add("verwijsindex", {"from_step": str(block["from_step"]) if block and block.get("from_step") else None})
        elif key == "final_responsibility":
            add("final_responsibility", {"roles": list((data.get("final_responsibility") or {}).get("roles", []))})
        elif key == "child_involvement_age":
            add("child_involvement_age", {"value": data.get("child_involvement_age")})
        elif key in ("consent", "consent_pupil_age"):
            consent = data.get("consent") or {}
            add("consent", {"needed_for": list(consent.get("needed_for", [])),
                            "pupil_from_age": consent.get("pupil_from_age"),
                            "refusal_is_signal": bool(consent.get("refusal_rule"))})
        elif parts[0] == "route":
            route = (data.get("routes") or {}).get(parts[1])
            if route is None:
                continue
            value = {"route": parts[1]}
            if parts[1] == "staff":
                duties = route.get("duties") or []
                first = duties[0] if duties else {}
                value["inform"] = ["bestuur"] if first.get("id") == "inform_board" else list(first.get("inform", []))
            add("route", value)
    return claims


# --- agreement ---------------------------------------------------------------------------------------------------

NAME_KINDS = ("report_point_name", "care_team_name", "attention_officer_name")


def _name(value) -> str:
    return re.sub(r"\s+", "", str(value or "")).lower()


def _set(value) -> set[str]:
    return {str(v) for v in _as_list(value)}


def _step_of(kind: str, value) -> str | None:
    if not isinstance(value, dict):
        return None
    step = value.get("step", value.get("id") if kind == "extra_step" else None)
    return None if step is None else str(step)


def agrees(kind: str, expected, claim: dict) -> bool:
    """Does the claim hold the expected value on the keys the format can hold (README, step 1)?"""
    if kind in NAME_KINDS:
        return _name(expected) == _name(claim.get("value"))
    if kind == "child_involvement_age":
        return str(expected) == str(claim.get("value"))
    if kind == "roles_present":
        return (str(expected["step"]) == claim.get("step") and expected.get("conversation") == claim.get("conversation")
                and _set(expected["roles"]) == _set(claim.get("roles")))
    if kind == "carried_out_by":
        return str(expected["step"]) == claim.get("step") and _set(expected["roles"]) == _set(claim.get("roles"))
    if kind == "consultation_required":
        return (str(expected["step"]) == claim.get("step") and _set(expected["with"]) == _set(claim.get("with"))
                and expected.get("strength", "required") == claim.get("strength"))
    if kind == "consent":
        if "needed_for" in expected and _set(expected["needed_for"]) != _set(claim.get("needed_for")):
            return False
        if "pupil_from_age" in expected and expected["pupil_from_age"] != claim.get("pupil_from_age"):
            return False
        if "refusal_is_signal" in expected and bool(expected["refusal_is_signal"]) != claim.get("refusal_is_signal"):
            return False
        return any(k in expected for k in ("needed_for", "pupil_from_age", "refusal_is_signal"))
    if kind == "deadline":
        if str(expected["step"]) != claim.get("step") or int(expected["days"]) != claim.get("days"):
            return False
        return int(expected["days"]) == 0 or expected.get("unit") == claim.get("unit")
    if kind == "verwijsindex":
        wanted = expected.get("from_step")
        return (None if wanted is None else str(wanted)) == claim.get("from_step")
    if kind == "route":
        if expected.get("route") != claim.get("route"):
            return False
        if expected["route"] == "staff":
            first = _as_list(expected.get("inform"))[:1]
            return first == _as_list(claim.get("inform"))[:1]
        return True
    if kind in ("final_responsibility", "decision_maker"):
        return _set(expected.get("roles")) == _set(claim.get("roles"))
    if kind == "extra_step":
        return (str(expected.get("id")) == str(claim.get("id")) or _name(expected.get("title")) == _name(claim.get("title"))) \
            and expected.get("branch") == claim.get("branch")
    return False


# --- scoring one document ----------------------------------------------------------------------------------------

@dataclass
class DocumentScore:
    document: str
    template_expected: str
    template_found: str
    confidence: float
    expected: int
    matched: int
    departures: int
    departures_matched: int
    wrong: list[str] = field(default_factory=list)
    traps_proposed: list[str] = field(default_factory=list)
    unlisted: int = 0
    needs_person_expected: int = 0
    needs_person_flagged: int = 0
    legal_expected: int = 0
    legal_marked: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def template_ok(self) -> bool:
        return self.template_expected == self.template_found


def _expected_value(rule: dict) -> object:
    return rule["value"]


def _claim_agrees(rule: dict, claim: Claim) -> bool:
    if claim.kind != rule["kind"]:
        return False
    return agrees(rule["kind"], _expected_value(rule), claim.value)


def score_document(path: Path, expected: dict) -> DocumentScore:
    from protocol.convert import convert

    conversion = convert(path.read_bytes(), path.name)
    claims = claims_of(conversion)
    rules = expected.get("rules") or []
    traps = [t["source"] for t in expected.get("must_not_propose") or []]
    for_person = [n["source"] for n in expected.get("needs_a_person") or []]

    matched, departures_matched, missed = 0, 0, []
    for rule in rules:
        if any(_claim_agrees(rule, c) and overlaps(c.source, rule["source"]) for c in claims):
            matched += 1
            departures_matched += bool(rule.get("departure"))
        else:
            missed.append(f"{rule['kind']} {rule['value']}")

    wrong, traps_proposed, unlisted = [], [], 0
    for claim in claims:
        if any(overlaps(claim.source, t) for t in traps):
            traps_proposed.append(claim.label())
            wrong.append(f"trap: {claim.label()}")
            continue
        if any(overlaps(claim.source, n) for n in for_person):
            wrong.append(f"needs a person: {claim.label()}")
            continue
        same = [r for r in rules if r["kind"] == claim.kind
                and _step_of(r["kind"], r["value"]) == _step_of(claim.kind, claim.value)]
        if same and not any(_claim_agrees(r, claim) for r in same):
            wrong.append(f"contradicts: {claim.label()}")
        elif not same:
            unlisted += 1

    flagged_texts = [(n.source or {}).get("text") or n.text for n in conversion.extraction.needs_person]
    flagged = sum(any(overlaps(f, n) for f in flagged_texts) for n in for_person)
    template = expected.get("template") or {}
    return DocumentScore(
        document=path.name, template_expected=str(template.get("closest_shipped")),
        template_found=conversion.recognition.template.base, confidence=round(conversion.recognition.confidence, 2),
        expected=len(rules), matched=matched, departures=sum(bool(r.get("departure")) for r in rules),
        departures_matched=departures_matched, wrong=wrong, traps_proposed=traps_proposed, unlisted=unlisted,
        needs_person_expected=len(for_person), needs_person_flagged=flagged,
        legal_expected=len(expected.get("legal_minimum_additions") or []),
        legal_marked=sum(p.kind == "legal" for p in conversion.proposals), missed=missed)


def corpus_documents(corpus: Path = CORPUS) -> list[Path]:
    return sorted(p for p in corpus.iterdir() if p.suffix in DOCUMENT_SUFFIXES)


def score_corpus(corpus: Path = CORPUS) -> list[DocumentScore]:
    import yaml

    scores = []
    for path in corpus_documents(corpus):
        expected = yaml.safe_load((corpus / f"{path.stem}.expected.yaml").read_text(encoding="utf-8"))
        scores.append(score_document(path, expected))
    return scores


def _share(a: int, b: int) -> str:
    return f"{a}/{b} ({100 * a / b:.0f}%)" if b else "–"


def table(scores: list[DocumentScore]) -> str:
    lines = ["| document | template (expected → found, confidence) | proposed correctly | school's own departures "
             "| wrong (traps) | unlisted | needs a person flagged | legal minimum marked |",
             "|---|---|---|---|---|---|---|---|"]
    for s in scores:
        mark = "✓" if s.template_ok else "✗"
        lines.append(f"| `{s.document}` | {mark} {s.template_expected} → {s.template_found} ({s.confidence:.2f}) "
                     f"| {_share(s.matched, s.expected)} | {_share(s.departures_matched, s.departures)} "
                     f"| {len(s.wrong)} ({len(s.traps_proposed)}) | {s.unlisted} "
                     f"| {_share(s.needs_person_flagged, s.needs_person_expected)} "
                     f"| {s.legal_marked} of {s.legal_expected} |")
    total = lambda attr: sum(getattr(s, attr) for s in scores)  # noqa: E731
    lines.append(f"| **all** | {sum(s.template_ok for s in scores)} of {len(scores)} right "
                 f"| **{_share(total('matched'), total('expected'))}** "
                 f"| **{_share(total('departures_matched'), total('departures'))}** "
                 f"| **{sum(len(s.wrong) for s in scores)}** ({sum(len(s.traps_proposed) for s in scores)}) "
                 f"| {total('unlisted')} | {_share(total('needs_person_flagged'), total('needs_person_expected'))} "
                 f"| {total('legal_marked')} of {total('legal_expected')} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import os
    import sys

    argv = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "meldcode.settings")
    import django

    django.setup()
    scores = score_corpus()
    print(table(scores))
    if "-v" in argv or "--verbose" in argv:
        for s in scores:
            print(f"\n## {s.document}")
            for line in s.wrong:
                print(f"  WRONG   {line}")
            for line in s.missed:
                print(f"  missed  {line}")


if __name__ == "__main__":
    main()
