"""Format 2 leaves every format-1 meldcode as it was: the shipped files (and the example) give the same guidance
for the same case histories as before format 2 existed.

The snapshot (data/format1_guidance.json) was written by the engine of format 1, before any format-2 change;
regenerate it only on purpose, with REGENERATE_FORMAT1_SNAPSHOT=1, when a change of guidance is intended.
"""

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from protocol.definition import DEFINITIONS_DIR, load_definition
from protocol.engine import CaseFacts, Record, evaluate

SNAPSHOT = Path(__file__).parent / "data" / "format1_guidance.json"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TODAY = date(2026, 4, 1)
FILES = sorted([*DEFINITIONS_DIR.glob("*.yaml"), *(DEFINITIONS_DIR / "examples").glob("*.yaml")])
FORMAT1_FILES = [p for p in FILES if load_definition(p.read_text(encoding="utf-8"), p.name).format == 1]


def _answers(definition, values):
    return {q.id: value for q, value in zip(definition.afwegingskader, values, strict=False)}


def histories(definition):
    """A few case histories, each a list of (kind, data), one day apart."""
    first_steps = [("signal", {"is_hypothesis": False, "has_source": True}),
                   ("consultation", {"with": "colleague", "anonymous": True}),
                   ("conversation", {"purpose": "parent", "roles_present": ["leerkracht", "ib"],
                                     "child_present": False, "signed": True})]
    return {
        "nothing": [],
        "signal_only": first_steps[:1],
        "hypothesis_open": [("signal", {"is_hypothesis": True, "has_source": False})],
        "through_step_3": first_steps,
        "weighed_report": first_steps + [("weighing", {"answers": _answers(definition, [True, True])})],
        "reported": first_steps + [
            ("weighing", {"answers": _answers(definition, [True, True])}),
            ("conversation", {"purpose": "pre_report", "roles_present": ["ib"], "child_present": False,
                              "signed": True}),
            ("report", {})],
        "help_started": first_steps + [
            ("weighing", {"answers": _answers(definition, [True, False, True, True])}),
            ("help", {"deadline": "2026-03-20"})],
        "unfounded": first_steps + [("weighing", {"answers": _answers(definition, [False])})],
        "skipped_parent_talk": first_steps[:2] + [("report", {})],
        "care_team_named": [("consultation", {"with": "care_team", "anonymous": False})],
    }


def snapshot_of(guidance) -> dict:
    return {
        "current_step": guidance.current_step,
        "steps": [[s.id, s.state] for s in guidance.steps],
        "requirements": [[n.step, n.id, n.message, n.rule, n.advisory] for n in guidance.requirements],
        "advice": [[n.step, n.id, n.message] for n in guidance.advice],
        "allowed_actions": list(guidance.allowed_actions),
        "closure_reasons": list(guidance.closure_reasons),
        "skipped": [[s.step, s.id, s.message, s.covered] for s in guidance.skipped],
        "warnings": [[w.code, w.message] for w in guidance.warnings],
        "outcome": guidance.outcome.kind if guidance.outcome else None,
        "followups": [n.id for n in guidance.followups],
        "deviation_needed": guidance.deviation_needed,
    }


def current_snapshot() -> dict:
    result = {}
    for path in FORMAT1_FILES:
        definition = load_definition(path.read_text(encoding="utf-8"), path.name)
        for name, history in histories(definition).items():
            records = [Record(kind, START + timedelta(days=i), data) for i, (kind, data) in enumerate(history)]
            for route in ("regular", "acute"):
                facts = CaseFacts(route, frozenset(), 9, TODAY, records)
                result[f"{path.name}/{name}/{route}"] = snapshot_of(evaluate(definition, facts))
    return result


def test_every_shipped_format_1_file_is_still_format_1():
    """The shipped meldcodes and the example De Vlinder stay format-1 files: they prove that format 1 works."""
    names = {p.name for p in FORMAT1_FILES}
    assert {"landelijk-2019.yaml", "jso-2010.yaml", "de-sprong.yaml", "de-vlinder.yaml"} <= names


@pytest.mark.skipif(not os.environ.get("REGENERATE_FORMAT1_SNAPSHOT"), reason="only on purpose")
def test_regenerate_snapshot():
    SNAPSHOT.write_text(json.dumps(current_snapshot(), ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                        encoding="utf-8")


def test_format_1_files_give_the_same_guidance_as_before_format_2():
    """Issue 13: every format-1 file, shipped or uploaded, keeps loading and working unchanged. The guidance for
    ten case histories on two routes is compared with what the format-1 engine said."""
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    actual = current_snapshot()
    assert actual.keys() == expected.keys()
    for key in expected:
        assert actual[key] == expected[key], key
