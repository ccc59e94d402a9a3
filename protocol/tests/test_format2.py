"""Format 2 of the meldcode file, rule by rule, on the fourth example (OBS De Wilgenhoek, a made-up school) and
small variants of it. Each test names where its rule comes from: the national model (Landelijk model 2019), the
law (Wet verplichte meldcode / Besluit verplichte meldcode) or the school's own file."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from protocol.definition import DEFINITIONS_DIR, DefinitionError, load_definition, shipped
from protocol.engine import CaseFacts, Record, add_school_days, evaluate

EXAMPLE = DEFINITIONS_DIR / "examples" / "de-wilgenhoek.yaml"
TEXT = EXAMPLE.read_text(encoding="utf-8")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
HELP = {"vermoeden": True, "onveiligheid": False, "hulp_mogelijk": True, "hulp_aanvaard": True}
REPORT = {"vermoeden": True, "onveiligheid": True}


def example(text=TEXT):
    return load_definition(text, "de-wilgenhoek.yaml")


class Case:
    """Records one day apart from Monday 2 March 2026 unless `at` says otherwise."""

    def __init__(self, definition=None, *, today=date(2026, 3, 3), age=9):
        self.definition = definition or example()
        self.today, self.age = today, age
        self.records: list[Record] = []
        self.clock = START - timedelta(days=1)

    def add(self, kind, at=None, **data):
        self.clock = at or self.clock + timedelta(days=1)
        self.records.append(Record(kind, self.clock, data))
        return self

    def signal(self):
        return self.add("signal", is_hypothesis=False, has_source=True)

    def consult(self, partner="colleague", *parties, **kw):
        data = {"with": partner, "anonymous": True}
        if parties:
            data["party"] = parties[0]
        return self.add("consultation", **data, **kw)

    def talk(self, purpose, *roles):
        return self.add("conversation", purpose=purpose, roles_present=list(roles or ["leerkracht", "ib"]),
                        child_present=False, signed=True)

    def through_step_3(self):
        return self.signal().consult("organisation", "zorgcoordinator").talk("parent")

    def weigh(self, answers, *parties):
        return self.add("weighing", answers=answers, parties=list(parties))

    def guidance(self, today=None):
        return evaluate(self.definition, CaseFacts("regular", frozenset(), self.age, today or self.today,
                                                   self.records))


def need(guidance, need_id):
    return next((n for n in guidance.requirements if n.id == need_id), None)


# --- The file -------------------------------------------------------------------------------------------------


def test_the_fourth_example_is_a_valid_format_2_file_that_names_its_parties():
    """The school's file (De Wilgenhoek): four parties, each linked to kinds of organisation on the sociale kaart."""
    definition = example()
    assert definition.format == 2
    assert [p.key for p in definition.parties] == ["expertiseteam", "zorgcoordinator", "jgz", "wijkteam"]
    assert definition.party("jgz").organisation_kinds == ("jgz",)
    assert definition.who("expertiseteam") == "Expertiseteam Rivierenland"
    assert definition.who("ib") == "intern begeleider"
    assert "jgz" in definition.step("4").involved


def test_protocol_validate_accepts_the_fourth_example(capsys):
    call_command("protocol_validate", str(EXAMPLE))
    assert "geldig" in capsys.readouterr().out


def test_a_party_that_the_file_does_not_name_is_refused_where_a_role_may_stand():
    with pytest.raises(DefinitionError) as error:
        example(TEXT.replace("involved: [directie, jgz, expertiseteam]", "involved: [directie, ggd]"))
    assert "onbekende rol 'ggd'" in str(error.value) and "expertiseteam" in str(error.value)


def test_a_format_2_field_in_a_format_1_file_says_to_set_format_2():
    """Format-1 files are read as they always were: a format-2 field is unknown there, with a hint."""
    text = (DEFINITIONS_DIR / "landelijk-2019.yaml").read_text(encoding="utf-8")
    text = text.replace("        need: Leg minstens", "        due: immediately\n        need: Leg minstens", 1)
    with pytest.raises(DefinitionError) as error:
        load_definition(text)
    assert "bestaat pas in formaat 2" in str(error.value)


# --- Parties and who does what ---------------------------------------------------------------------------------


def test_a_consultation_satisfies_a_requirement_only_when_it_names_the_party():
    """The school's file: in step 2 the intern begeleider consults the zorgcoördinator of the board."""
    case = Case().signal().consult("colleague")
    missing = need(case.guidance(), "consult_coordinator")
    assert missing is not None and "niet betrokken" in missing.message and "zorgcoördinator" in missing.message
    case.consult("organisation", "zorgcoordinator")
    assert need(case.guidance(), "consult_coordinator") is None


def test_the_file_names_who_carries_a_requirement_in_the_guidance():
    """The school's file: `by: ib` on the consultation of step 2."""
    missing = need(Case().signal().guidance(), "consult_coordinator")
    assert missing.who == "intern begeleider" and "Dit doet: intern begeleider." in missing.message


def test_the_case_s_taakverdeling_names_the_party_that_took_the_task():
    """Issue 13 / the school's file: the expertise team decides per case who does what; the guidance follows the
    dossier's taakverdeling rather than the file's default."""
    case = Case(today=date(2026, 3, 20)).through_step_3().consult("organisation", "jgz").weigh(HELP)
    assert need(case.guidance(), "help_started").who == "Expertiseteam Rivierenland"
    case.add("assignment", task="help_started", party="wijkteam")
    assert need(case.guidance(), "help_started").who == "wijkteam"


# --- Scope ----------------------------------------------------------------------------------------------------


def test_a_jgz_consultation_in_step_2_does_not_count_for_step_4():
    """The school's file (`scope: step`): the jeugdarts is consulted in step 4, about the weighing."""
    case = Case().signal().consult("organisation", "zorgcoordinator").consult("organisation", "jgz").talk("parent")
    guidance = case.guidance()
    assert guidance.current_step == "4"
    missing = need(guidance, "consult_jgz")
    assert missing is not None and "telt hier niet mee" in missing.message
    case.consult("organisation", "jgz")
    assert need(case.guidance(), "consult_jgz") is None


def test_conversations_at_different_moments_are_different_requirements():
    """Landelijk model 2019 and the school's file: the early informal talk in step 1 is not the step-3
    conversation, and a conversation before the decision is not the one after it."""
    case = Case().signal().talk("early")
    assert not any(a.id == "early_parent_talk" for a in case.guidance().advice)
    case.consult("organisation", "zorgcoordinator")
    assert need(case.guidance(), "parent_conversation") is not None
    case.talk("post_decision")  # before any decision: does not count as the talk after it
    case.talk("parent").consult("organisation", "jgz").weigh(HELP).add("help")
    assert need(case.guidance(), "post_decision_talk") is not None
    case.talk("post_decision")
    assert need(case.guidance(), "post_decision_talk") is None


# --- Timing ---------------------------------------------------------------------------------------------------


def test_school_days_are_monday_to_friday():
    """docs/meldcode-format.md: school days are Monday to Friday; holidays are not known and count as school days."""
    friday = date(2026, 3, 6)
    assert add_school_days(friday, 1) == date(2026, 3, 9)
    assert add_school_days(friday, 5) == date(2026, 3, 13)
    assert add_school_days(date(2026, 3, 7), 0) == date(2026, 3, 9)  # from a Saturday: the Monday


def test_a_step_deadline_becomes_a_due_date_from_the_moment_the_step_began():
    """The school's file: step 2 within five school days. Step 2 begins when the signal of step 1 is recorded
    (Monday 2 March), so the consultation is due Monday 9 March."""
    missing = need(Case().signal().guidance(), "consult_coordinator")
    assert missing.due == date(2026, 3, 9) and not missing.overdue and "09-03-2026" in missing.message


def test_a_need_past_its_due_date_is_overdue_and_later_escalates():
    missing = need(Case(today=date(2026, 3, 10)).signal().guidance(), "consult_coordinator")
    assert missing.overdue
    assert not missing.escalate(date(2026, 3, 10))
    assert missing.escalate(date(2026, 3, 13))


def test_a_meldcode_with_its_own_escalation_wait_escalates_after_that_wait():
    """The school's file (`escalate_after: {school_days: 5}`): an overdue need goes to the directie only five school
    days after its due date (Monday 9 March), not after the default three."""
    own = example(TEXT.replace("recontact_after: {weeks: 6}\n",
                               "recontact_after: {weeks: 6}\nescalate_after: {school_days: 5}\n"))
    assert own.escalate_after_school_days == 5
    missing = need(Case(own, today=date(2026, 3, 10)).signal().guidance(), "consult_coordinator")
    assert missing.due == date(2026, 3, 9) and missing.escalate_after == 5
    assert not missing.escalate(date(2026, 3, 13))  # three school days: the default would have escalated here
    assert not missing.escalate(date(2026, 3, 16))
    assert missing.escalate(date(2026, 3, 17))


def test_without_an_escalation_wait_the_meldcode_waits_three_school_days():
    """docs/meldcode-format.md, Termijnen: without `escalate_after`, three school days."""
    assert "escalate_after" not in TEXT
    assert example().escalate_after_school_days == 3
    missing = need(Case(today=date(2026, 3, 10)).signal().guidance(), "consult_coordinator")
    assert missing.escalate_after == 3
    assert not missing.escalate(date(2026, 3, 12)) and missing.escalate(date(2026, 3, 13))


@pytest.mark.parametrize("value", ["{school_days: 0}", "{school_days: 21}", "{days: 5}", "vijf", "{school_days: ja}"])
def test_an_escalation_wait_that_is_not_a_number_of_school_days_is_refused_in_dutch(value):
    text = TEXT.replace("recontact_after: {weeks: 6}\n", f"recontact_after: {{weeks: 6}}\nescalate_after: {value}\n")
    with pytest.raises(DefinitionError) as error:
        example(text)
    line = text.splitlines().index(f"escalate_after: {value}") + 1
    assert any(problem_line == line and "escalate_after" in message
               for _file, problem_line, message in error.value.problems), error.value.problems


def test_a_report_the_weighing_calls_for_is_due_urgently_the_next_school_day():
    """The school's file: report within one school day of the decision (urgency: urgent)."""
    case = Case().through_step_3().consult("organisation", "jgz").weigh(REPORT)  # weighed on Friday 6 March
    report = need(case.guidance(), "report_made")
    assert report.urgency == "urgent" and report.due == date(2026, 3, 9)


def test_after_a_report_the_school_contacts_the_report_point_again_after_the_period_in_its_file():
    """Landelijk model 2019 (follow the pupil after a report) with the period of the school's file (six weeks)."""
    case = Case(today=date(2026, 5, 1)).through_step_3().consult("organisation", "jgz").weigh(REPORT)
    case.talk("pre_report", "ib").add("report").add("feedback")
    again = need(case.guidance(), "report_recontact")
    assert again.due == (case.records[-1].at.date() + timedelta(weeks=6))
    assert again.overdue


def test_a_format_1_file_has_no_due_dates():
    """Format 1 knows no deadlines: its needs carry none (and its guidance is unchanged, see
    test_format1_unchanged)."""
    case = Case(shipped("landelijk-2019")).signal()
    assert all(n.due is None and n.who == "" for n in case.guidance().requirements)


# --- Conditions -----------------------------------------------------------------------------------------------


def test_if_the_expertise_team_discussed_the_case_the_decision_is_taken_together_with_it():
    """The school's file (`if:`): discussed in the expertise team, then the decision is taken with that team."""
    case = Case().through_step_3().consult("care_team").consult("organisation", "jgz").weigh(HELP)
    assert any(s.id == "decide_with_expertiseteam" for s in case.guidance().skipped)
    together = Case().through_step_3().consult("care_team").consult("organisation", "jgz").weigh(HELP, "expertiseteam")
    assert not any(s.id == "decide_with_expertiseteam" for s in together.guidance().skipped)


def test_without_that_discussion_the_condition_asks_nothing():
    case = Case().through_step_3().consult("organisation", "jgz")
    assert need(case.guidance(), "decide_with_expertiseteam") is None
    case.weigh(HELP)
    assert not any(s.id == "decide_with_expertiseteam" for s in case.guidance().skipped)


# --- Plans ----------------------------------------------------------------------------------------------------


def test_step_5a_requires_a_plan_and_its_evaluation_dates_become_due_needs():
    """The school's file: a handelingsplan in 5a; Landelijk model 2019 step 5a: follow whether the help works."""
    case = Case(today=date(2026, 4, 20)).through_step_3().consult("organisation", "jgz").weigh(HELP).add("help")
    plan = need(case.guidance(), "plan_recorded")
    assert plan is not None and plan.who == "intern begeleider" and plan.due is not None
    assert "plan" in case.guidance().allowed_actions
    case.add("plan", evaluate_on=["2026-04-15", "2026-06-01"], who="wijkteam")
    evaluations = [n for n in case.guidance().requirements if n.id == "plan_evaluation"]
    assert [n.due for n in evaluations] == [date(2026, 4, 15), date(2026, 6, 1)]
    assert evaluations[0].overdue and not evaluations[1].overdue and evaluations[0].who == "wijkteam"
    case.add("help_evaluation", reached=False, effective=False)
    assert [n.due for n in case.guidance().requirements if n.id == "plan_evaluation"] == [date(2026, 6, 1)]


# --- What the document lacks ----------------------------------------------------------------------------------


def test_what_the_file_leaves_out_comes_from_the_national_model_and_says_so():
    """Issue 13: missing blocks get the national defaults, marked, never invented silently."""
    definition = example()
    national = shipped("landelijk-2019")
    assert definition.signal_list == national.signal_list
    assert definition.definitions["medewerker"] == national.definitions["medewerker"]
    assert definition.consent.pupil_from_age == 16
    applied = {a.field for a in definition.defaults_applied}
    assert {"signal_list", "definitions.medewerker", "definitions.leerling", "consent.pupil_from_age"} <= applied
    assert "final_responsibility" not in applied and definition.default_applied("signal_list").why


def test_a_format_1_file_must_still_give_those_blocks_itself():
    text = (DEFINITIONS_DIR / "landelijk-2019.yaml").read_text(encoding="utf-8")
    with pytest.raises(DefinitionError) as error:
        load_definition(text[:text.index("signal_list:")])
    assert "signal_list" in str(error.value)


def test_a_format_2_file_without_the_five_questions_gets_the_national_afwegingskader_with_why():
    """Besluit verplichte meldcode (since 1 January 2019): the school decides with the five questions."""
    start, end = TEXT.index("afwegingskader:"), TEXT.index("exemptions:")
    definition = example(TEXT[:start] + TEXT[end:])
    assert [q.id for q in definition.afwegingskader] == [q.id for q in shipped("landelijk-2019").afwegingskader]
    added = definition.default_applied("afwegingskader")
    assert "toegevoegd" in added.what and "2019" in added.why


def test_bodies_that_no_longer_exist_are_shown_as_veilig_thuis_with_a_note():
    """Wmo 2015: the AMK and the Steunpunt Huiselijk Geweld became Veilig Thuis on 1 January 2015."""
    text = TEXT.replace("Vraag bij twijfel advies aan Veilig Thuis Rivierenland; dat mag anoniem.",
                        "Vraag bij twijfel advies aan het AMK; dat mag anoniem.")
    definition = example(text)
    assert definition.step("2").advice[0].need == "Vraag bij twijfel advies aan Veilig Thuis; dat mag anoniem."
    assert any("AMK" in n.what for n in definition.outdated_names)
    old = shipped("jso-2010")  # format 1: the text stays, the note is there
    assert "AMK" in old.names.report_point and old.outdated_names


# --- Authoring ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("broken", "words"), [
    ("steps:\n\t- id: \"1\"\n", "tab"),
    ("title: Meldcode: De Wilgenhoek\n", "aanhalingstekens"),
    ("owner:\n  kind: school\n    name: X\n", "inspringing"),
])
def test_a_yaml_syntax_error_gets_a_dutch_message_with_its_line_and_a_hint(broken, words):
    text = "format: 2\nkey: x\n" + broken
    with pytest.raises(DefinitionError) as error:
        load_definition(text, "x.yaml")
    (filename, line, message), = error.value.problems
    assert words in message and line >= 3


def test_protocol_validate_names_the_line_of_a_tab(tmp_path, capsys):
    path = tmp_path / "meldcode.yaml"
    path.write_text(TEXT.replace("  - key: jgz", "\t- key: jgz"), encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("protocol_validate", str(path))
    line = TEXT[:TEXT.index("  - key: jgz")].count("\n") + 1
    assert f"meldcode.yaml:{line}: Op deze regel staat een tab" in capsys.readouterr().err


def test_a_version_is_text_whatever_it_looks_like():
    """The same value is judged the same way everywhere: a version like a date is the text of that date."""
    assert example(TEXT.replace('version: "2026.1"', "version: 2026-01-15")).version == "2026-01-15"
    assert example(TEXT.replace('version: "2026.1"', "version: 7")).version == "7"


def test_a_format_2_file_holds_the_child_s_age_to_the_legal_limit_when_it_is_read():
    """Besluit verplichte meldcode: from 12 at the latest the pupil takes part in the conversation; a format-2 file
    is judged by that limit even when stored without the later legal checks."""
    text = TEXT.replace("child_involvement_age: 12", "child_involvement_age: 14")
    with pytest.raises(DefinitionError):
        load_definition(text, legal_minimum=False)


# --- The walk -------------------------------------------------------------------------------------------------


def test_the_fourth_example_walks_from_signal_to_closure_quoting_its_own_rules():
    """A case under De Wilgenhoek's meldcode, from the signal through help with a plan to its closure."""
    case = Case(today=date(2026, 3, 2))
    guidance = case.guidance()
    assert guidance.current_step == "1"
    assert need(guidance, "signal_recorded").urgency == "immediately"
    case.signal()
    assert case.guidance().current_step == "2"
    case.consult("organisation", "zorgcoordinator")
    guidance = case.guidance()
    assert guidance.current_step == "3"
    assert "intern begeleider samen" in need(guidance, "parent_conversation").rule
    case.talk("parent")
    guidance = case.guidance()
    assert guidance.current_step == "4" and need(guidance, "consult_jgz") is not None
    case.consult("organisation", "jgz").weigh(HELP)
    guidance = case.guidance()
    assert guidance.current_step == "5a" and "assignment" in guidance.allowed_actions
    case.add("assignment", task="help_started", party="expertiseteam").add("help").talk("post_decision")
    case.add("plan", evaluate_on=["2026-04-01"], who="ib")
    case.add("help_evaluation", reached=True, effective=True)
    guidance = case.guidance(date(2026, 4, 2))
    assert states(guidance)["5a"] in ("current", "done")
    assert not [n for n in guidance.requirements if n.id == "plan_evaluation"]
    assert "help_completed" in guidance.closure_reasons
    case.add("closure", reason="help_completed")
    assert case.guidance().current_step == "closed"


def states(guidance):
    return {s.id: s.state for s in guidance.steps}


def test_the_format_guide_shows_the_complete_fourth_example_that_validates():
    """docs/meldcode-format.md shows De Wilgenhoek exactly as it ships."""
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "meldcode-format.md").read_text(encoding="utf-8")
    section = guide.split("## Het vierde voorbeeld: OBS De Wilgenhoek (formaat 2)", 1)[1]
    block = section.split("```yaml\n", 1)[1].split("\n```\n", 1)[0] + "\n"
    assert block == TEXT
    assert "Van uw Word-document naar het bestand" in guide and "## Formaat 2" in guide


# --- The validator on format-2 mistakes -------------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "words"), [
    ("    organisation_kinds: [jgz]", "    organisation_kinds: [ggd]", "onbekende soort organisatie 'ggd'"),
    ("  - key: wijkteam", "  - key: ib", "is al een rol van school"),
    ("        due: immediately", "        due: soon", "Schrijf immediately, urgent"),
    ("    due: {school_days: 5}\n    guidance: >-\n      De intern",
     "    due: {school_days: 5, weeks: 1}\n    guidance: >-\n      De intern", "geef één termijn"),
    ("        if: {record: consultation, where: {with: care_team}}", "        if: {record: meeting}",
     "'record' is 'meeting'"),
    ("        by: leerkracht\n        need: Leg het signaal", "        by: conciërge\n        need: Leg het signaal",
     "'by' is 'conciërge'"),
    ("        scope: step", "        scope: stap", "'scope' is 'stap'"),
    ("        after: weighing", "        after: besluit", "'after' noemt 'besluit'"),
])
def test_a_mistake_in_a_format_2_field_is_named_with_its_line(old, new, words):
    assert old in TEXT
    broken = TEXT.replace(old, new, 1)
    with pytest.raises(DefinitionError) as error:
        example(broken)
    assert words in str(error.value)
    line = broken[:broken.index(new)].count("\n") + 1
    assert any(abs(problem_line - line) <= 3 for _file, problem_line, message in error.value.problems
               if words in message)


def test_a_party_may_not_carry_final_responsibility():
    """Besluit verplichte meldcode: final responsibility lies within the school (the app asks that person's
    approval); a partner cannot carry it."""
    with pytest.raises(DefinitionError) as error:
        example(TEXT.replace("final_responsibility:\n  roles: [directie]", "final_responsibility:\n  roles: [expertiseteam]"))
    assert "onbekende rol 'expertiseteam'" in str(error.value)


def test_a_tab_inside_a_text_that_parses_stays_allowed():
    """Only a tab that breaks the file is reported: a format-1 file that loads today keeps loading."""
    text = (DEFINITIONS_DIR / "landelijk-2019.yaml").read_text(encoding="utf-8")
    text = text.replace("      Weeg op basis van de signalen", "      \tWeeg op basis van de signalen", 1)
    assert load_definition(text).key == "landelijk-2019"
