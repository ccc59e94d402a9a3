"""The engine against the rules of the national model and the differences of the two seed variants."""

from datetime import UTC, date, datetime, timedelta

import pytest

from protocol.definition import DEFINITIONS_DIR, load_definition, shipped
from protocol.engine import CaseFacts, Record, evaluate, walk_afwegingskader

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
NATIONAL_TEXT = (DEFINITIONS_DIR / "landelijk-2019.yaml").read_text(encoding="utf-8")
TODAY = date(2026, 4, 1)


class Case:
    """A tiny builder: each record is a day later than the one before, unless `hours` says otherwise."""

    def __init__(self, key="landelijk-2019", *, route="regular", flags=(), age=8, today=TODAY, definition=None,
                 born=None):
        self.definition = definition or shipped(key)
        self.route, self.flags, self.age, self.today, self.born = route, frozenset(flags), age, today, born
        self.records: list[Record] = []
        self.clock = START - timedelta(days=1)

    def add(self, kind, *, hours=None, **data):
        self.clock += timedelta(hours=hours) if hours is not None else timedelta(days=1)
        self.records.append(Record(kind, self.clock, data))
        return self

    def signal(self, hypothesis=False):
        return self.add("signal", is_hypothesis=hypothesis, has_source=True)

    def consult(self, partner="colleague", anonymous=True):
        return self.add("consultation", **{"with": partner, "anonymous": anonymous})

    def parent_talk(self, *roles, child=False, signed=True, purpose="parent"):
        return self.add("conversation", purpose=purpose, roles_present=list(roles or ["leerkracht"]),
                        child_present=child, signed=signed)

    def weigh(self, **answers):
        return self.add("weighing", answers=answers)

    def through_step_3(self):
        return self.signal().consult().parent_talk("leerkracht", "ib")

    def guidance(self):
        return evaluate(self.definition, CaseFacts(self.route, self.flags, self.age, self.today, self.records,
                                                   pupil_birth_date=self.born))


def states(guidance):
    return {s.id: s.state for s in guidance.steps}


def need_ids(guidance):
    return [n.id for n in guidance.requirements]


REPORT_NOW = {"vermoeden": True, "onveiligheid": True}
HELP = {"vermoeden": True, "onveiligheid": False, "hulp_mogelijk": True, "hulp_aanvaard": True}


# --- The national model, rule by rule ---------------------------------------------------------------

def test_a_new_case_starts_at_step_1_and_asks_for_a_signal_citing_the_rule():
    guidance = Case().guidance()
    assert guidance.current_step == "1"
    assert states(guidance) == {"1": "current", "2": "open", "3": "open", "4": "open", "5a": "open", "5b": "open"}
    (need,) = guidance.requirements
    assert need.step == "1" and need.message == "Leg minstens één signaal feitelijk vast."
    assert need.rule.startswith("Breng de signalen in kaart")


def test_a_recorded_signal_moves_the_case_to_collegial_consultation():
    guidance = Case().signal().guidance()
    assert guidance.current_step == "2"
    assert need_ids(guidance) == ["collegial_consultation"]


def test_only_a_colleague_or_the_care_team_counts_as_collegial_consultation():
    assert Case().signal().consult("veilig_thuis").guidance().current_step == "2"
    assert Case().signal().consult("care_team").guidance().current_step == "3"


def test_in_doubt_it_advises_asking_veilig_thuis_until_that_is_done():
    assert "ask_veilig_thuis" in [a.id for a in Case().signal().guidance().advice]
    assert "ask_veilig_thuis" not in [a.id for a in Case().signal().consult("veilig_thuis").guidance().advice]


def test_the_verwijsindex_opens_from_step_2_not_before():
    assert "verwijsindex" not in Case().guidance().allowed_actions
    guidance = Case().signal().guidance()
    assert "verwijsindex" in guidance.allowed_actions
    assert "verwijsindex" in [a.id for a in guidance.advice]


def test_the_parent_conversation_completes_step_3():
    guidance = Case().signal().consult().parent_talk().guidance()
    assert guidance.current_step == "4"
    assert states(guidance)["3"] == "done"


def test_an_unsigned_parent_conversation_counts_but_signing_is_advised():
    guidance = Case().signal().consult().parent_talk(signed=False).guidance()
    assert guidance.current_step == "4"
    guidance = Case().signal().consult().guidance()
    assert "conversation_signed" in [a.id for a in guidance.advice]


def test_hypotheses_never_block_the_weighing_or_a_report_and_open_ones_are_listed_in_the_weighing_guidance():
    """Landelijk model 2019, stap 1: mark a hypothesis as such and later confirm or refute it. It is weighed as
    unconfirmed; it is no condition for the weighing (stap 4) or a report (stap 5)."""
    case = Case().signal(hypothesis=True).consult().parent_talk()
    guidance = case.guidance()
    assert guidance.open_hypotheses == 1
    assert "open_hypotheses" in guidance.warning_codes()
    assert "followup" in guidance.allowed_actions and "weighing" in guidance.allowed_actions
    assert need_ids(guidance) == ["decision"]
    (listed,) = [a for a in guidance.advice if a.id == "hypotheses_resolved"]
    assert "1 hypothese open (van 02-03-2026)" in listed.message and listed.advisory

    reported = case.weigh(**REPORT_NOW).parent_talk(purpose="pre_report").add("report").guidance()
    assert reported.current_step == "5b" and states(reported)["4"] == "done"
    assert "hypotheses_resolved" not in {s.id for s in reported.skipped}

    guidance = case.add("followup", resolves_hypothesis=True).guidance()
    assert guidance.open_hypotheses == 0
    assert "followup" not in guidance.allowed_actions
    assert "hypotheses_resolved" not in [a.id for a in guidance.advice]


def test_the_weighing_is_allowed_only_from_the_deciding_step():
    assert "weighing" not in Case().signal().consult().guidance().allowed_actions
    assert "weighing" in Case().through_step_3().guidance().allowed_actions


def test_a_partly_answered_afwegingskader_names_the_next_question():
    guidance = Case().through_step_3().weigh(vermoeden=True).guidance()
    assert guidance.current_step == "4"
    assert guidance.outcome.kind == "continue" and guidance.outcome.pending_question == "onveiligheid"
    assert "Beantwoord nog vraag 2: Is er sprake van acute en/of structurele onveiligheid?" in \
        guidance.requirements[0].message


def test_no_suspicion_closes_the_case_as_unfounded():
    guidance = Case().through_step_3().weigh(vermoeden=False).guidance()
    assert guidance.outcome.kind == "close_unfounded"
    assert states(guidance) == {"1": "done", "2": "done", "3": "done", "4": "current", "5a": "skipped",
                                "5b": "skipped"}
    assert guidance.requirements[-1].id == "closure"
    assert "ongegrond" in guidance.requirements[-1].message
    assert "unfounded" in guidance.closure_reasons


@pytest.mark.parametrize("answers", [
    REPORT_NOW,
    {"vermoeden": True, "onveiligheid": False, "hulp_mogelijk": False},
    {"vermoeden": True, "onveiligheid": False, "hulp_mogelijk": True, "hulp_aanvaard": False},
    {**HELP, "hulp_resultaat": False},
])
def test_each_report_answer_of_the_afwegingskader_leads_to_step_5b(answers):
    guidance = Case().through_step_3().weigh(**answers).guidance()
    assert guidance.outcome.kind == "report"
    assert guidance.current_step == "5b"
    assert "report_due" in guidance.warning_codes()
    assert need_ids(guidance) == ["pre_report_conversation", "report_made", "feedback_recorded"]


def test_accepted_help_starts_step_5a_and_waits_for_the_evaluation_question():
    guidance = Case().through_step_3().weigh(**HELP).guidance()
    assert guidance.outcome.kind == "start_help" and guidance.outcome.pending_question == "hulp_resultaat"
    assert guidance.current_step == "5a"
    assert states(guidance)["5b"] == "open"
    assert "help" in guidance.allowed_actions and "help_evaluation" not in guidance.allowed_actions


def test_help_that_reaches_its_results_may_be_closed():
    case = Case().through_step_3().weigh(**HELP).add("help", deadline=date(2026, 6, 1))
    case.add("help_evaluation", reached=True, effective=True).weigh(**HELP, hulp_resultaat=True)
    guidance = case.guidance()
    assert guidance.outcome.kind == "close_help"
    assert states(guidance)["5a"] == "current" and "5a" == guidance.current_step
    assert guidance.requirements[-1].id == "closure"
    assert "help_completed" in guidance.closure_reasons


def test_a_passed_help_deadline_without_evaluation_is_warned_about():
    case = Case(today=date(2026, 5, 2)).through_step_3().weigh(**HELP).add("help", deadline=date(2026, 5, 1))
    assert "help_deadline_passed" in case.guidance().warning_codes()
    case = Case(today=date(2026, 4, 30)).through_step_3().weigh(**HELP).add("help", deadline=date(2026, 5, 1))
    assert "help_deadline_passed" not in case.guidance().warning_codes()


def test_a_help_deadline_stored_as_text_counts_too():
    case = Case(today=date(2026, 5, 2)).through_step_3().weigh(**HELP).add("help", deadline="2026-05-01")
    assert "help_deadline_passed" in case.guidance().warning_codes()


def test_help_that_fails_opens_the_report_step():
    case = Case().through_step_3().weigh(**HELP).add("help", deadline=date(2026, 5, 1))
    guidance = case.add("help_evaluation", reached=False, effective=False).guidance()
    assert "help_failed" in guidance.warning_codes()
    assert states(guidance)["5b"] in ("current", "open")
    assert "5b" in [s.id for s in guidance.steps if s.state != "skipped"]


def failed_help(case=None):
    case = case or Case()
    return case.through_step_3().weigh(**HELP).add("help", deadline=date(2026, 5, 1))


def test_when_the_evaluation_says_the_help_failed_step_5a_is_finished_and_5b_is_current():
    guidance = failed_help().add("help_evaluation", reached=True, effective=False).guidance()
    assert guidance.current_step == "5b"
    assert states(guidance)["5a"] == "done" and states(guidance)["5b"] == "current"
    assert need_ids(guidance) == ["pre_report_conversation", "report_made", "feedback_recorded"]
    assert guidance.skipped == ()  # the help was tried, not skipped


def test_when_question_5_says_the_help_failed_step_5b_is_current_too():
    answers = {**HELP, "hulp_resultaat": False}
    guidance = failed_help().weigh(**answers).guidance()
    assert guidance.outcome.kind == "report" and guidance.current_step == "5b"
    assert states(guidance)["5a"] == "done"
    assert "report_due" in guidance.warning_codes() and "help_failed" not in guidance.warning_codes()


def test_after_failed_help_the_pre_report_exemption_and_the_child_rule_are_offered():
    guidance = failed_help(Case(age=12)).add("help_evaluation", reached=False, effective=False).guidance()
    assert [e.id for e in guidance.exemptions] == ["pre_report_conversation"]
    assert "exemption" in guidance.allowed_actions
    assert "involve_child" in guidance.warning_codes()


def test_following_the_failed_help_warning_flags_nothing_as_skipped():
    case = failed_help().add("help_evaluation", reached=False, effective=False)
    guidance = case.parent_talk("ib", purpose="pre_report").add("report").guidance()
    assert guidance.skipped == () and "skipped" not in guidance.warning_codes()
    assert need_ids(guidance) == ["feedback_recorded"]


def test_a_parent_conversation_held_after_the_decision_does_not_complete_step_3():
    case = Case().signal().consult().weigh(**HELP).parent_talk()
    (skipped,) = case.guidance().skipped
    assert skipped.id == "parent_conversation" and not skipped.covered
    assert skipped.message == "Voer het gesprek met de ouder en leg het vast. Dit gebeurde pas na de weging van 04-03-2026."


def test_an_unfinished_weighing_is_not_yet_the_decision():
    case = Case().signal().consult().weigh(vermoeden=True).parent_talk().weigh(**REPORT_NOW)
    assert states(case.guidance())["3"] == "done" and case.guidance().skipped == ()


def test_the_old_national_version_still_accepts_a_parent_conversation_up_to_the_report():
    old = load_definition(NATIONAL_TEXT.replace("before: [weighing, help, report]", "before: report"))
    case = Case(definition=old).signal().consult().weigh(**REPORT_NOW).parent_talk()
    assert "parent_conversation" not in {s.id for s in case.guidance().skipped}


def test_a_ground_outside_the_law_in_an_old_stored_version_covers_nothing():
    text = NATIONAL_TEXT.replace("      - id: contact_loss\n        text: Er zijn goede redenen om aan te nemen dat de "
                                 "ouder", "      - id: no_time\n        text: Geen tijd.\n      - id: contact_loss\n"
                                 "        text: Er zijn goede redenen om aan te nemen dat de ouder")
    legacy = load_definition(text, legal_minimum=False)
    case = Case(definition=legacy).signal().consult().add("exemption", applies_to="parent_conversation",
                                                          ground="no_time").add("report")
    assert not {s.id: s for s in case.guidance().skipped}["parent_conversation"].covered


def test_an_old_stored_version_with_a_later_child_age_still_involves_the_child_from_12():
    legacy = load_definition(NATIONAL_TEXT.replace("child_involvement_age: 12", "child_involvement_age: 14"),
                             legal_minimum=False)
    case = Case(definition=legacy, age=12).through_step_3().weigh(**REPORT_NOW)
    assert "involve_child" in case.guidance().warning_codes()


def test_the_report_must_be_discussed_with_the_parent_beforehand():
    case = Case().through_step_3().weigh(**REPORT_NOW).parent_talk(purpose="pre_report").add("report")
    guidance = case.guidance()
    assert guidance.skipped == ()
    assert need_ids(guidance) == ["feedback_recorded"]


def test_a_report_without_the_pre_report_conversation_is_skipped_without_reason():
    guidance = Case().through_step_3().weigh(**REPORT_NOW).add("report").guidance()
    (skipped,) = guidance.skipped
    assert skipped.id == "pre_report_conversation" and not skipped.covered
    assert "skipped" in guidance.warning_codes()
    assert [e.id for e in guidance.exemptions] == ["pre_report_conversation"]
    assert "exemption" in guidance.allowed_actions


def test_a_pre_report_conversation_held_after_the_report_does_not_count():
    case = Case().through_step_3().weigh(**REPORT_NOW).add("report").parent_talk(purpose="pre_report")
    (skipped,) = case.guidance().skipped
    assert skipped.id == "pre_report_conversation" and not skipped.covered


def test_an_exemption_on_an_accepted_ground_covers_the_skipped_conversation():
    case = Case().through_step_3().weigh(**REPORT_NOW)
    case.add("exemption", applies_to="pre_report_conversation", ground="safety").add("report")
    (skipped,) = case.guidance().skipped
    assert skipped.covered
    assert skipped.covered_by.startswith("Melden zonder vooraf te bespreken: Het gesprek over de melding brengt")
    assert "skipped" not in case.guidance().warning_codes()


def test_an_exemption_on_a_ground_the_meldcode_does_not_accept_covers_nothing():
    case = Case().through_step_3().weigh(**REPORT_NOW)
    case.add("exemption", applies_to="pre_report_conversation", ground="no_time").add("report")
    (skipped,) = case.guidance().skipped
    assert not skipped.covered


def test_an_urgent_report_is_always_allowed_and_lists_what_was_skipped():
    assert {"report", "emergency_contact"} <= set(Case().guidance().allowed_actions)
    guidance = Case().signal().add("report").guidance()
    assert guidance.current_step == "5b"
    assert states(guidance) == {"1": "done", "2": "skipped", "3": "skipped", "4": "skipped", "5a": "open",
                                "5b": "current"}
    assert [(s.step, s.id) for s in guidance.skipped] == [
        ("2", "collegial_consultation"), ("3", "parent_conversation"), ("4", "decision"),
        ("5b", "pre_report_conversation")]
    assert {e.id for e in guidance.exemptions} == {"parent_conversation", "pre_report_conversation"}


def test_reporting_without_a_parent_conversation_is_covered_by_a_safety_exemption():
    case = Case().signal().consult()
    case.add("exemption", applies_to="parent_conversation", ground="safety").add("report")
    skipped = {s.id: s for s in case.guidance().skipped}
    assert skipped["parent_conversation"].covered
    assert "Melden zonder gesprek met de ouder" in skipped["parent_conversation"].covered_by


def test_exemptions_are_offered_only_once_their_step_is_reached():
    assert Case().signal().guidance().exemptions == ()
    assert [e.id for e in Case().signal().consult().guidance().exemptions] == ["parent_conversation"]


def test_feedback_can_be_recorded_only_after_a_report():
    assert "feedback" not in Case().through_step_3().guidance().allowed_actions
    assert "feedback" in Case().through_step_3().add("report").guidance().allowed_actions


def test_after_the_feedback_the_case_can_be_handed_over():
    case = Case().through_step_3().weigh(**REPORT_NOW).parent_talk(purpose="pre_report").add("report")
    guidance = case.add("feedback").guidance()
    assert states(guidance)["5b"] == "current"
    # The duty to follow the pupil and contact Veilig Thuis again stays listed (Landelijk model 2019, stap 5).
    assert need_ids(guidance) == ["report_recontact", "closure"]
    assert "handed_over" in guidance.closure_reasons


def test_a_closed_case_still_allows_an_urgent_report_and_nothing_else():
    guidance = Case().signal().add("closure", reason="pupil_left").guidance()
    assert guidance.current_step == "closed"
    assert guidance.allowed_actions == ("report", "emergency_contact")
    assert guidance.warnings == () and guidance.requirements == ()


def test_refused_consent_is_a_point_to_weigh_in_step_4():
    guidance = Case().signal().add("consent", status="refused").guidance()
    (warning,) = [w for w in guidance.warnings if w.code == "consent_refused"]
    assert "stap 4" in warning.message and warning.rule.startswith("Weigert de ouder toestemming")


def test_the_latest_consent_counts():
    case = Case().signal().add("consent", status="refused").add("consent", status="given")
    assert "consent_refused" not in case.guidance().warning_codes()


def test_discussing_the_pupil_by_name_in_the_care_team_needs_consent():
    assert "named_without_consent" in Case().signal().consult("care_team", anonymous=False).guidance().warning_codes()
    assert "named_without_consent" not in Case().signal().consult("care_team").guidance().warning_codes()
    with_consent = Case().signal().add("consent", status="given").consult("care_team", anonymous=False)
    assert "named_without_consent" not in with_consent.guidance().warning_codes()
    colleague = Case().signal().consult("colleague", anonymous=False)
    assert "named_without_consent" not in colleague.guidance().warning_codes()


def test_a_pupil_of_12_is_reminded_to_join_the_conversation_about_the_report_but_one_of_11_is_not():
    assert "involve_child" in Case(age=12).through_step_3().weigh(**REPORT_NOW).guidance().warning_codes()
    assert "involve_child" not in Case(age=11).through_step_3().weigh(**REPORT_NOW).guidance().warning_codes()
    (warning,) = [w for w in Case(age=12).through_step_3().weigh(**REPORT_NOW).guidance().warnings
                  if w.code == "involve_child"]
    assert warning.message.startswith("De leerling is 12 jaar: volgens de meldcode bespreekt u de voorgenomen melding")
    assert warning.rule.startswith("Bespreek uw melding vooraf met de ouder, en met de leerling vanaf 12 jaar")


def test_the_parent_conversation_of_step_3_does_not_need_the_child_of_12():
    guidance = Case(age=12).signal().consult().parent_talk(child=False).guidance()
    assert "involve_child" not in guidance.warning_codes()


def test_a_pre_report_conversation_without_the_child_of_12_is_warned_about_with_its_date():
    case = Case(age=12).through_step_3().weigh(**REPORT_NOW).parent_talk("ib", purpose="pre_report", child=False)
    (warning,) = [w for w in case.guidance().warnings if w.code == "involve_child"]
    assert warning.message.startswith("De leerling was 12 jaar bij het gesprek over de melding van 06-03-2026, "
                                      "maar was er niet bij.")
    with_child = Case(age=12).through_step_3().weigh(**REPORT_NOW).parent_talk("ib", purpose="pre_report", child=True)
    assert "involve_child" not in with_child.guidance().warning_codes()


def test_the_child_rule_uses_the_age_on_the_day_of_the_conversation_not_today():
    # Born 10 March 2014: 11 at the conversation of 6 March 2026, 12 today (1 April 2026).
    case = Case(age=12, born=date(2014, 3, 10)).through_step_3().weigh(**REPORT_NOW)
    case.parent_talk("ib", purpose="pre_report", child=False).add("report")
    assert "involve_child" not in case.guidance().warning_codes()
    older = Case(age=12, born=date(2014, 3, 1)).through_step_3().weigh(**REPORT_NOW)
    older.parent_talk("ib", purpose="pre_report", child=False).add("report")
    assert "involve_child" in older.guidance().warning_codes()


def test_without_a_birth_date_the_age_on_the_day_is_counted_back_from_today():
    case = Case(age=13, today=date(2027, 4, 1)).through_step_3().weigh(**REPORT_NOW)
    case.parent_talk("ib", purpose="pre_report", child=False)  # a year and more ago: the pupil was 12
    (warning,) = [w for w in case.guidance().warnings if w.code == "involve_child"]
    assert "De leerling was 12 jaar" in warning.message


def test_an_exemption_for_the_pre_report_conversation_also_covers_the_child():
    case = Case(age=12).through_step_3().weigh(**REPORT_NOW)
    case.add("exemption", applies_to="pre_report_conversation", ground="safety").add("report")
    assert "involve_child" not in case.guidance().warning_codes()


def test_a_pupil_of_16_must_consent_too_said_in_plain_dutch():
    (warning,) = [w for w in Case(age=16).guidance().warnings if w.code == "pupil_consent"]
    assert warning.message == "De leerling is 16 jaar: vraag ook de leerling zelf om toestemming."
    assert "pupil_consent" not in Case(age=15).guidance().warning_codes()


@pytest.mark.parametrize("flag", ["fgm", "honour"])
def test_fgm_or_honour_related_violence_means_contacting_veilig_thuis_urgently(flag):
    guidance = Case(flags={flag}).signal().guidance()
    (warning,) = [w for w in guidance.warnings if w.code == "fgm_honour"]
    assert "met spoed contact op met Veilig Thuis" in warning.message
    assert "fgm_honour" not in Case(flags={flag}).signal().consult("veilig_thuis").guidance().warning_codes()


def test_the_acute_route_asks_for_contact_with_veilig_thuis_or_112_first():
    guidance = Case(route="acute").guidance()
    assert need_ids(guidance)[0] == "emergency_contact"
    assert "112" in guidance.requirements[0].message
    assert "acute" in guidance.warning_codes()
    after = Case(route="acute").add("emergency_contact").guidance()
    assert "acute" not in after.warning_codes() and "emergency_contact" not in need_ids(after)


def acute_report_in_the_call():
    """Acute danger: a signal, then Veilig Thuis on the phone and the report in the same call."""
    return Case(route="acute").signal().add("emergency_contact").add("report", hours=0.5)


def test_on_the_acute_route_the_consultation_and_the_decision_passed_over_by_the_call_are_covered():
    skipped = {s.id: s for s in acute_report_in_the_call().guidance().skipped}
    assert skipped["collegial_consultation"].covered and skipped["collegial_consultation"].covered_by == "Acuut gevaar"
    assert skipped["decision"].covered and skipped["decision"].covered_by == "Acuut gevaar"


def test_acute_danger_does_not_cover_the_conversations_with_the_parent_by_itself():
    guidance = acute_report_in_the_call().guidance()
    skipped = {s.id: s for s in guidance.skipped}
    assert not skipped["parent_conversation"].covered and not skipped["pre_report_conversation"].covered
    warned = [w.message for w in guidance.warnings if w.code == "skipped"]
    assert len(warned) == 2 and all("Overgeslagen zonder vastgelegde reden" in m for m in warned)
    assert {e.id for e in guidance.exemptions} == {"parent_conversation", "pre_report_conversation"}


def test_on_the_acute_route_a_safety_exemption_covers_the_conversations():
    case = acute_report_in_the_call()
    case.add("exemption", applies_to="parent_conversation", ground="safety")
    case.add("exemption", applies_to="pre_report_conversation", ground="safety")
    guidance = case.guidance()
    assert all(s.covered for s in guidance.skipped)
    assert "skipped" not in guidance.warning_codes()


def test_a_report_days_after_the_emergency_contact_does_not_cover_the_skipped_decision():
    case = Case(route="acute").signal().add("emergency_contact").consult().parent_talk().add("report")
    skipped = {s.id: s for s in case.guidance().skipped}
    assert not skipped["decision"].covered


def test_an_acute_case_that_goes_the_help_route_still_needs_the_parent_conversation():
    case = Case(route="acute").signal().add("emergency_contact").weigh(**HELP).add("help", deadline=date(2026, 5, 1))
    skipped = {s.id: s for s in case.guidance().skipped}
    assert skipped["collegial_consultation"].covered  # the emergency call came before step 2
    assert not skipped["parent_conversation"].covered
    assert "skipped" in case.guidance().warning_codes()


def test_a_signal_not_yet_recorded_is_not_covered_by_the_emergency():
    case = Case(route="acute").add("emergency_contact").add("report", hours=1)
    skipped = {s.id: s for s in case.guidance().skipped}
    assert not skipped["signal_recorded"].covered
    assert skipped["collegial_consultation"].covered


def test_the_staff_route_replaces_the_steps_by_the_board_duties():
    guidance = Case(route="staff").guidance()
    assert [s.id for s in guidance.steps] == ["inform_board", "consult_inspector", "inform_parents", "police_report"]
    assert guidance.current_step == "inform_board"
    assert "duty" in guidance.allowed_actions and "conversation" not in guidance.allowed_actions
    assert "staff_route" in guidance.warning_codes()


def test_on_the_staff_route_each_duty_is_done_in_order_and_the_police_report_names_its_condition():
    case = Case(route="staff")
    for duty in ("inform_board", "consult_inspector", "inform_parents"):
        case.add("duty", duty=duty)
    guidance = case.guidance()
    assert guidance.current_step == "police_report"
    assert "bij een redelijk vermoeden van een zedendelict" in guidance.requirements[0].message
    guidance = case.add("duty", duty="police_report").guidance()
    assert need_ids(guidance) == ["closure"]
    assert "duty_order" not in guidance.warning_codes()


def test_the_conditional_police_report_does_not_hold_up_the_closure():
    case = Case(route="staff")
    for duty in ("inform_board", "consult_inspector", "inform_parents"):
        case.add("duty", duty=duty)
    guidance = case.guidance()
    assert need_ids(guidance) == ["police_report", "closure"]
    assert "closure" in guidance.allowed_actions
    closed = case.add("closure", reason="unfounded").guidance()
    assert states(closed)["police_report"] == "open"


def test_a_police_report_before_informing_the_parents_and_the_accused_is_warned_about():
    case = Case(route="staff").add("duty", duty="inform_board").add("duty", duty="consult_inspector")
    guidance = case.add("duty", duty="police_report").guidance()
    (warning,) = [w for w in guidance.warnings if w.code == "duty_order"]
    assert warning.message == ("'Aangifte doen bij de politie' is vastgelegd op 04-03-2026, vóór 'Ouders en de "
                               "betrokken medewerker informeren'. Volgens de meldcode gaat dat eraan vooraf.")
    assert warning.rule.startswith("Voor de aangifte stelt het bevoegd gezag de ouders")
    informed_later = case.add("duty", duty="inform_parents").guidance()
    assert "duty_order" in informed_later.warning_codes()  # the order stays on record


def test_walking_the_afwegingskader_follows_only_answered_questions():
    national = shipped("landelijk-2019")
    assert walk_afwegingskader(national, {}).pending_question == "vermoeden"
    outcome = walk_afwegingskader(national, {"vermoeden": True, "onveiligheid": False, "hulp_mogelijk": False,
                                             "hulp_aanvaard": True})
    assert outcome.kind == "report" and outcome.pending_question is None
    assert outcome.answered == (("vermoeden", True), ("onveiligheid", False), ("hulp_mogelijk", False))


# --- The seed variants ------------------------------------------------------------------------------

def test_de_sprong_requires_the_intern_begeleider_at_the_parent_conversation():
    without_ib = Case("de-sprong").signal().consult().parent_talk("leerkracht").guidance()
    assert without_ib.current_step == "3"
    (need,) = without_ib.requirements
    assert "Bij het gesprek van" in need.message and "geen intern begeleider aanwezig" in need.message
    assert need.rule == "Bespreek de signalen met de ouder. Doe dit samen met de ib'er."
    with_ib = Case("de-sprong").signal().consult().parent_talk("leerkracht", "ib").guidance()
    assert states(with_ib)["3"] == "done"


def test_the_jso_template_accepts_a_parent_conversation_without_the_intern_begeleider():
    assert Case("jso-2010").signal().consult().parent_talk("leerkracht").guidance().current_step == "4"


def test_the_jso_template_requires_the_amk_or_jgz_in_the_weighing_but_de_sprong_only_advises_it():
    jso = Case("jso-2010").through_step_3().guidance()
    assert jso.current_step == "4" and need_ids(jso) == ["weigh_with_amk"]
    assert "AMK of de jeugdgezondheidszorg" in jso.requirements[0].rule
    assert Case("jso-2010").through_step_3().consult("organisation").guidance().current_step == "5"

    sprong = Case("de-sprong").through_step_3().guidance()
    assert sprong.current_step == "5"
    assert "weigh_with_veilig_thuis" not in [a.id for a in sprong.advice]  # advice belongs to step 4, passed


def test_the_2010_meldcodes_decide_in_a_separate_step_5():
    guidance = Case("jso-2010").through_step_3().consult("veilig_thuis").guidance()
    assert guidance.current_step == "5" and need_ids(guidance) == ["decision"]
    assert list(states(guidance)) == ["1", "2", "3", "4", "5", "5a", "5b"]


def test_the_2010_decision_reports_when_the_school_cannot_protect_the_child():
    case = Case("jso-2010").through_step_3().consult("veilig_thuis")
    guidance = case.weigh(vermoeden=True, bescherming=False).guidance()
    assert guidance.outcome.kind == "report" and guidance.current_step == "5b"
    assert guidance.outcome.text == "Meld uw vermoeden bij het AMK (stap 5b)."


@pytest.mark.parametrize(("key", "point"), [
    ("landelijk-2019", "Veilig Thuis"), ("jso-2010", "Advies- en Meldpunt Kindermishandeling (AMK)"),
    ("de-sprong", "Veilig Thuis Drenthe")])
def test_the_guidance_speaks_of_the_schools_own_report_point(key, point):
    guidance = Case(key, route="acute").guidance()
    (warning,) = [w for w in guidance.warnings if w.code == "acute"]
    assert f"neem nu contact op met {point} of bel 112" in warning.message


def test_every_staff_route_starts_by_informing_the_board_and_an_old_version_with_the_manager_still_runs():
    """WPO art. 4a lid 1: the staff member informs the bevoegd gezag directly; the 2010 wording "inform the
    leidinggevende or directie" is not enough by itself, so the shipped versions now start with the board. A
    version stored before keeps working for its cases."""
    for key in ("jso-2010", "de-sprong", "landelijk-2019"):
        assert Case(key, route="staff").guidance().current_step == "inform_board"
    old = (DEFINITIONS_DIR / "jso-2010.yaml").read_text(encoding="utf-8").replace(
        "      - id: inform_board\n", "      - id: inform_management\n")
    legacy = load_definition(old, legal_minimum=False)
    assert Case(definition=legacy, route="staff").guidance().current_step == "inform_management"


# --- A school's own variant, without Python -----------------------------------------------------------

@pytest.fixture(scope="module")
def vlinder():
    path = DEFINITIONS_DIR / "examples" / "de-vlinder.yaml"
    return load_definition(path.read_text(encoding="utf-8"), path.name)


def test_de_vlinder_involves_a_child_of_10_where_the_national_model_does_not(vlinder):
    def reporting(case):
        return case.through_step_3().weigh(**REPORT_NOW).parent_talk("directie", purpose="pre_report")

    assert "involve_child" in reporting(Case(definition=vlinder, age=10)).guidance().warning_codes()
    assert "involve_child" not in reporting(Case(age=10)).guidance().warning_codes()


def test_de_vlinder_needs_the_director_at_the_pre_report_conversation(vlinder):
    def reported(case):
        return case.through_step_3().weigh(**REPORT_NOW).parent_talk("ib", purpose="pre_report").add("report")

    vlinder_case = reported(Case(definition=vlinder)).guidance()
    (skipped,) = vlinder_case.skipped
    assert skipped.id == "pre_report_conversation" and not skipped.covered
    assert reported(Case()).guidance().skipped == ()


def test_de_vlinder_adds_an_aftercare_step_after_the_feedback(vlinder):
    case = Case(definition=vlinder).through_step_3().weigh(**REPORT_NOW)
    case.parent_talk("directie", purpose="pre_report").add("report").add("feedback")
    guidance = case.guidance()
    assert guidance.current_step == "6"
    assert need_ids(guidance) == ["aftercare_conversation", "report_recontact"]
    assert guidance.requirements[0].rule.startswith("Na een melding bespreekt de intern begeleider")
    assert "Veilig Thuis Utrecht" in vlinder.names.report_point


# --- Who decides, and the two decisions of step 5 (issue 13) -----------------------------------------

from dataclasses import replace  # noqa: E402

from protocol.definition import FinalResponsibility  # noqa: E402
from protocol.engine import (  # noqa: E402
    approval_needed,
    closure_problems,
    decision_facts,
    final_roles,
    for_roles,
    may_record,
)


def reported_case(**extra):
    return Case().through_step_3().weigh(**REPORT_NOW).parent_talk("ib", purpose="pre_report").add("report", **extra)


def test_closing_deciding_weighing_and_waiving_are_never_a_leerkrachts():
    """Landelijk model 2019, stap 4 en 5: the aandachtsfunctionaris weighs and decides, the directie has final
    responsibility; a leerkracht signals, consults and talks with the parent."""
    for kind in ("closure", "weighing", "help", "report", "exemption"):
        assert not may_record(kind, {"leerkracht"})
        assert may_record(kind, {"ib"}) and may_record(kind, {"leerkracht", "directie"})
    for kind in ("signal", "consultation", "conversation", "followup", "emergency_contact", "duty"):
        assert may_record(kind, {"leerkracht"})
    guidance = Case().through_step_3().guidance()
    as_teacher = for_roles(guidance, {"leerkracht"}).allowed_actions
    assert "weighing" in guidance.allowed_actions and "closure" in guidance.allowed_actions
    assert not {"weighing", "closure", "report", "exemption"} & set(as_teacher)
    assert "emergency_contact" in as_teacher  # acute danger: anyone calls at once
    assert closure_problems(shipped("landelijk-2019"), guidance, {"reason": "pupil_left"}, {"leerkracht"})[0][0] == ""


def test_a_case_whose_weighing_says_report_cannot_be_closed_without_a_report_or_a_signed_off_deviation():
    """Afwegingskader 2019, vraag 2 tot en met 5: 'melden' is the outcome; closing without a report is a deviation
    that needs a reason and the approval of final responsibility (Besluit verplichte meldcode)."""
    national = shipped("landelijk-2019")
    guidance = Case().through_step_3().weigh(**REPORT_NOW).guidance()
    assert guidance.deviation_needed
    fields = {f for f, _m in closure_problems(national, guidance, {"reason": "pupil_left"}, {"ib"})}
    assert fields == {"deviation_reason", "approved_by"}
    fields = {f for f, _m in closure_problems(national, guidance, {"reason": "pupil_left",
                                                                   "deviation_reason": "Gezin verhuisd, VT ingelicht"},
                                              {"ib"})}
    assert fields == {"approved_by"}
    assert closure_problems(national, guidance, {"reason": "pupil_left", "deviation_reason": "Verhuisd; overgedragen"},
                            {"directie"}) == []
    assert not reported_case().guidance().deviation_needed
    # Failed help says report too.
    assert failed_help().add("help_evaluation", reached=False, effective=False).guidance().deviation_needed


def test_without_a_named_final_responsibility_the_directie_signs_off():
    """Besluit verplichte meldcode: the meldcode names who has final responsibility for the decision to report;
    where it names no one, the directie does."""
    national = shipped("landelijk-2019")
    assert final_roles(national) == ("directie",)
    assert final_roles(shipped("de-sprong")) == ("directie", "bestuur")
    unnamed = replace(national, final_responsibility=FinalResponsibility((), ""))
    assert final_roles(unnamed) == ("directie",)
    assert approval_needed(unnamed, {"ib"}) == ("directie",) and approval_needed(unnamed, {"directie"}) == ()


def test_after_a_report_the_follow_up_stays_open_until_recorded_or_waived_with_a_reason():
    """Landelijk model 2019, stap 5: after a report keep following the child, record Veilig Thuis' feedback and
    contact Veilig Thuis again when things do not improve."""
    national = shipped("landelijk-2019")
    assert [n.id for n in reported_case().guidance().followups] == ["report_feedback", "report_recontact"]
    case = reported_case().add("feedback")
    guidance = case.guidance()
    assert [n.id for n in guidance.followups] == ["report_recontact"]
    assert "report_recontact" in need_ids(guidance)
    problems = closure_problems(national, guidance, {"reason": "handed_over"}, {"directie"})
    assert [f for f, _m in problems] == ["followup_waiver"]
    assert closure_problems(national, guidance, {"reason": "handed_over", "followup_waiver": "VT heeft de regie"},
                            {"directie"}) == []
    assert case.consult("veilig_thuis").guidance().followups == ()


def test_step_5_is_two_decisions_and_a_report_and_help_can_both_happen():
    """Landelijk model 2019, stap 5: 'is melden noodzakelijk?' and 'is hulpverlening (ook) mogelijk?'. After 'yes'
    on question 2 the school reports and answers questions 3 to 5 together with Veilig Thuis."""
    national = shipped("landelijk-2019")
    outcome = walk_afwegingskader(national, REPORT_NOW)
    assert outcome.kind == "report" and outcome.report and not outcome.help
    assert outcome.pending_question == "hulp_mogelijk"  # with Veilig Thuis, after the report
    both = walk_afwegingskader(national, {**REPORT_NOW, "hulp_mogelijk": True, "hulp_aanvaard": True})
    assert both.report and both.help and both.pending_question == "hulp_resultaat"
    assert both.text.startswith("Meld bij Veilig Thuis.") and "Zet de hulp in" in both.text

    guidance = Case().through_step_3().weigh(**REPORT_NOW).guidance()
    assert states(guidance)["5a"] == "open"  # still possible, not ruled out by the report
    guidance = Case().through_step_3().weigh(**REPORT_NOW, hulp_mogelijk=True, hulp_aanvaard=True).guidance()
    assert guidance.current_step == "5b"  # the report that is due comes first
    assert states(guidance)["5a"] == "current" and states(guidance)["5b"] == "current"
    assert {"report_made", "help_started"} <= set(need_ids(guidance))
    assert "report_due" in guidance.warning_codes() and {"help", "report"} <= set(guidance.allowed_actions)


def test_help_after_a_report_is_not_skipped():
    """Landelijk model 2019, stap 5: a report does not end the school's care; help can start after it."""
    case = reported_case().add("feedback").weigh(**REPORT_NOW, hulp_mogelijk=True, hulp_aanvaard=True)
    guidance = case.add("help", deadline=date(2026, 6, 1)).guidance()
    assert states(guidance)["5a"] == "current" and states(guidance)["5b"] == "done"
    assert guidance.skipped == () and "skipped" not in guidance.warning_codes()
    # Help already running when the report is made is not skipped either.
    running = failed_help().parent_talk("ib", purpose="pre_report").add("report").guidance()
    assert running.skipped == ()


def test_questions_3_to_5_can_be_answered_after_the_report_together_with_veilig_thuis():
    """Afwegingskader 2019, vraag 2: 'ja' -> melden; de vragen 3 tot en met 5 beantwoordt u samen met Veilig
    Thuis. The weighing stays open for them after the report."""
    case = reported_case()
    assert "weighing" in case.guidance().allowed_actions
    later = case.weigh(**REPORT_NOW, hulp_mogelijk=True, hulp_aanvaard=True, hulp_resultaat=True).guidance()
    assert later.outcome.kind == "close_help" and later.outcome.report
    assert "help" in later.allowed_actions


@pytest.mark.parametrize("flag", ["fgm", "honour"])
def test_fgm_or_honour_related_violence_puts_veilig_thuis_before_any_conversation_with_the_parents(flag):
    """Landelijk model 2019, meisjesbesnijdenis en eergerelateerd geweld: consult Veilig Thuis with urgency before
    talking with the parents (in acute danger the police)."""
    guidance = Case(flags=[flag]).signal().consult().guidance()
    assert guidance.requirements[0].id == "fgm_honour_contact"
    assert "vóór een gesprek met de ouder" in guidance.requirements[0].message
    assert "conversation" not in guidance.allowed_actions
    consulted = Case(flags=[flag]).signal().consult().consult("veilig_thuis").guidance()
    assert "fgm_honour_contact" not in need_ids(consulted) and "conversation" in consulted.allowed_actions
    called = Case(flags=[flag], route="acute").add("emergency_contact").guidance()
    assert "fgm_honour_contact" not in need_ids(called)
    assert "fgm_honour_contact" not in need_ids(Case().signal().consult().guidance())


def test_a_parent_conversation_before_consulting_veilig_thuis_is_flagged_and_says_why():
    """Landelijk model 2019: with FGM or honour-related violence a conversation with the parents can raise the
    danger for the child; one held before Veilig Thuis was consulted is flagged."""
    early = Case(flags=["honour"]).signal().consult().parent_talk().consult("veilig_thuis").guidance()
    (warning,) = [w for w in early.warnings if w.code == "parent_talk_before_vt"]
    assert "04-03-2026" in warning.message and "in gevaar" in warning.message
    assert warning.rule.startswith("Bij een vermoeden van meisjesbesnijdenis")
    in_order = Case(flags=["honour"]).signal().consult().consult("veilig_thuis").parent_talk().guidance()
    assert "parent_talk_before_vt" not in in_order.warning_codes()
    assert "parent_talk_before_vt" not in Case().signal().consult().parent_talk().guidance().warning_codes()


def test_every_decision_records_who_took_it_and_a_missing_approval_is_an_open_requirement():
    """Besluit verplichte meldcode: the meldcode says who has final responsibility for the decision to report; a
    decision by someone else records their approval, and the dossier lists it while missing."""
    national = shipped("landelijk-2019")
    assert decision_facts(national, {"ib"}) == {"decided_by_roles": ["ib"], "approved_by_role": ""}
    assert decision_facts(national, {"ib"}, {"directie"})["approved_by_role"] == "directie"
    assert decision_facts(national, {"directie", "ib"})["approved_by_role"] == "directie"

    def weighed(**who):
        return Case().through_step_3().add("weighing", answers=REPORT_NOW, **who).guidance()

    pending = weighed(decided_by_roles=["ib"], approved_by_role="")
    (need,) = pending.approvals
    assert need.id == "approval" and need in pending.requirements
    assert "weging van 05-03-2026" in need.message and "directie" in need.message
    assert need.rule.startswith("De directie, namens het bevoegd gezag")
    assert weighed(decided_by_roles=["ib"], approved_by_role="directie").approvals == ()
    assert weighed(decided_by_roles=["directie"], approved_by_role="directie").approvals == ()
    assert weighed().approvals == ()  # recorded before this rule: not asked afterwards
    waived = Case().signal().consult().add("exemption", applies_to="parent_conversation", ground="safety",
                                           decided_by_roles=["ib"], approved_by_role="").guidance()
    assert [n.id for n in waived.approvals] == ["approval"]
    assert reported_case(decided_by_roles=["ib"], approved_by_role="").guidance().approvals


def staff_case(*duties, **facts_by_duty):
    case = Case(route="staff")
    for duty in duties:
        case.add("duty", duty=duty, **facts_by_duty.get(duty, {}))
    return case


def test_a_possible_sexual_offence_makes_consulting_the_vertrouwensinspecteur_required_other_violence_advised():
    """WPO art. 4a lid 1 en 2: every staff member informs the bevoegd gezag; on a possible sexual offence the
    board consults the vertrouwensinspecteur at once. For other violence that consultation is possible, not
    required."""
    sexual = staff_case("inform_board", inform_board={"sexual_offence": True}).guidance()
    assert sexual.current_step == "consult_inspector" and need_ids(sexual) == ["consult_inspector"]
    other = staff_case("inform_board", inform_board={"sexual_offence": False}).guidance()
    assert need_ids(other) == ["closure"]
    (advised,) = other.advice
    assert advised.id == "consult_inspector" and advised.advisory and "niet verplicht" in advised.message
    assert {s.id: s.state for s in other.steps}["police_report"] == "open"


def test_the_police_report_and_informing_the_parents_and_the_accused_follow_only_from_reasonable_grounds():
    """WPO art. 4a lid 3 en 4: the board reports to the police when the consultation gives reasonable grounds,
    not otherwise, and informs the pupil's parents and the accused before that report."""
    unknown = staff_case("inform_board", "consult_inspector").guidance()
    assert need_ids(unknown) == ["inform_parents", "police_report", "closure"]
    assert "alleen als het overleg met de vertrouwensinspecteur" in unknown.requirements[0].message
    grounds = staff_case("inform_board", "consult_inspector",
                         consult_inspector={"reasonable_grounds": True}).guidance()
    assert need_ids(grounds) == ["inform_parents"]
    no_grounds = staff_case("inform_board", "consult_inspector",
                            consult_inspector={"reasonable_grounds": False}).guidance()
    assert need_ids(no_grounds) == ["closure"] and "Alle plichten zijn vervuld" in no_grounds.requirements[0].message
    early = staff_case("inform_board", "consult_inspector", "police_report",
                       consult_inspector={"reasonable_grounds": True}).guidance()
    assert "duty_order" in early.warning_codes()


def test_a_missing_approval_is_listed_under_the_step_of_its_decision():
    weighed = Case().through_step_3().add("weighing", answers=REPORT_NOW, decided_by_roles=["ib"]).guidance()
    assert [n.step for n in weighed.approvals] == ["4"]
    waived = Case().signal().consult().add("exemption", applies_to="parent_conversation", ground="safety",
                                           decided_by_roles=["ib"]).guidance()
    assert [n.step for n in waived.approvals] == ["3"]
