from pathlib import Path

import pytest

from protocol.definition import (
    DEFINITIONS_DIR,
    SHIPPED_KEYS,
    DefinitionError,
    load_definition,
    shipped,
    shipped_path,
    validate_file,
)

NATIONAL = shipped_path("landelijk-2019").read_text(encoding="utf-8")
EXAMPLE = DEFINITIONS_DIR / "examples" / "de-vlinder.yaml"


def line_of(text: str, needle: str) -> int:
    """The 1-based line on which `needle` starts in `text`."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1


def problems_for(text: str) -> list[tuple[str, int, str]]:
    with pytest.raises(DefinitionError) as caught:
        load_definition(text, "school.yaml")
    return caught.value.problems


def broken(old: str, new: str) -> str:
    assert NATIONAL.count(old) == 1, old
    return NATIONAL.replace(old, new)


@pytest.mark.parametrize("key", SHIPPED_KEYS)
def test_every_shipped_definition_validates(key):
    assert validate_file(shipped_path(key)) == []
    assert shipped(key).key == key


def test_the_example_school_validates():
    assert validate_file(EXAMPLE) == []


def test_it_reads_identity_names_and_the_signal_list():
    sprong = shipped("de-sprong")
    assert sprong.owner.kind == "school" and sprong.owner.name == "C.B.S. De Sprong"
    assert sprong.names.report_point == "Veilig Thuis Drenthe"
    assert shipped("jso-2010").names.report_point.startswith("Advies- en Meldpunt Kindermishandeling")
    assert set(sprong.definitions) >= {"huiselijk_geweld", "kindermishandeling", "medewerker", "leerling"}
    category_ids = {c.id for c in sprong.signal_list}
    assert {"fgm", "honour", "witnessing_violence", "high_conflict_divorce"} <= category_ids
    assert shipped("landelijk-2019").child_involvement_age == 12
    assert {g.id for g in shipped("landelijk-2019").exemption_grounds["parent_conversation"]} == {"safety",
                                                                                                  "contact_loss"}


def test_yes_no_and_on_are_keys_not_booleans():
    national = shipped("landelijk-2019")
    assert national.adopted.on.isoformat() == "2019-01-01"
    assert national.afwegingskader[0].no.outcome == "close_unfounded"


def test_it_rejects_a_file_that_is_not_yaml():
    text = "key: de-vlinder\nsteps: [1, 2\n"
    (problem,) = problems_for(text)
    assert problem[0] == "school.yaml" and "Geen geldige YAML" in problem[2]


def test_it_rejects_a_missing_mandatory_step():
    start = NATIONAL.index('  - id: "3"\n')
    end = NATIONAL.index('  - id: "4"\n')
    text = NATIONAL[:start] + NATIONAL[end:]
    messages = [m for _f, _l, m in problems_for(text)]
    assert any("stap 3 ontbreekt" in m for m in messages)


def test_it_rejects_an_unknown_role_on_its_line():
    text = broken("    carried_out_by: [leerkracht]\n    involved: [ib]\n    role_rules:\n      - De leerkracht signaleert",
                  "    carried_out_by: [leerkracht]\n    involved: [ouder]\n    role_rules:\n      - De leerkracht signaleert")
    problems = problems_for(text)
    assert problems == [("school.yaml", line_of(text, "involved: [ouder]"),
                         "Stap 1: onbekende rol 'ouder' in 'involved'. Kies uit: aandachtsfunctionaris, beheer, "
                         "bestuur, directie, ib, leerkracht, onderwijsassistent, privacy, stagiair, vrijwilliger.")]


def test_it_rejects_a_decision_outcome_that_points_nowhere():
    text = broken("yes: {next: onveiligheid}", "yes: {next: veiligheid}")
    problems = problems_for(text)
    assert ("school.yaml", line_of(text, "yes: {next: veiligheid}"),
            "Afwegingskader, vraag 'vermoeden', ja: 'next' wijst naar vraag 'veiligheid', maar die bestaat niet.") \
        in problems


def test_it_rejects_an_answer_without_outcome_or_next_question():
    text = broken("    yes: {next: hulp_aanvaard}", "    yes: {text: verder}")
    messages = [m for _f, _l, m in problems_for(text)]
    assert any("vraag 3 ('hulp_mogelijk'), ja: dit antwoord wijst nergens heen" in m for m in messages)


def test_it_rejects_a_next_question_that_points_back():
    text = broken("    yes: {next: hulp_aanvaard}", "    yes: {next: vermoeden}")
    messages = [m for _f, _l, m in problems_for(text)]
    assert any("'next' wijst terug naar vraag 'vermoeden'" in m for m in messages)


def test_it_rejects_an_unknown_outcome_kind():
    text = broken("      outcome: close_help\n", "      outcome: close_case\n")
    problems = problems_for(text)
    assert any(line == line_of(text, "outcome: close_case") and "onbekende uitkomst 'close_case'" in m
               for _f, line, m in problems)


def test_it_rejects_a_duplicate_step_id():
    text = broken('  - id: "4"\n', '  - id: "3"\n')
    problems = problems_for(text)
    assert any(line == line_of(text, '  - id: "3"\n    title: Wegen') and "Stap '3' komt twee keer voor" in m
               for _f, line, m in problems)


def test_it_rejects_a_key_written_twice_in_one_block():
    text = broken("  care_team: zorgteam\n", "  care_team: zorgteam\n  care_team: ZAT\n")
    problems = problems_for(text)
    assert problems == [("school.yaml", line_of(text, "  care_team: ZAT"),
                         "De sleutel 'care_team' staat twee keer in hetzelfde blok; de tweede overschrijft de eerste. "
                         "Haal er één weg.")]


def test_it_rejects_a_requirement_on_an_unknown_kind_of_record():
    text = broken("        record: signal\n", "        record: observation\n")
    messages = [m for _f, _l, m in problems_for(text)]
    assert any(m.startswith("Stap 1, requires 'signal_recorded': onbekend soort vastlegging 'observation'")
               for m in messages)


def test_it_rejects_an_exemption_reference_that_does_not_exist():
    text = broken("        exempt_by: parent_conversation\n", "        exempt_by: no_parent_talk\n")
    problems = problems_for(text)
    assert any(line == line_of(text, "exempt_by: no_parent_talk") and "uitzondering 'no_parent_talk'" in m
               for _f, line, m in problems)


def test_it_rejects_an_exemption_without_grounds():
    start = NATIONAL.index("    grounds:\n", NATIONAL.index("  - id: pre_report_conversation\n    title"))
    end = NATIONAL.index("    rule: >-", start)
    text = NATIONAL[:start] + "    grounds: []\n" + NATIONAL[end:]
    messages = [m for _f, _l, m in problems_for(text)]
    assert "Uitzondering 'pre_report_conversation': de lijst 'grounds' is leeg." in messages


def test_it_rejects_a_child_involvement_age_that_is_not_a_number():
    text = broken("child_involvement_age: 12", "child_involvement_age: twaalf")
    problems = problems_for(text)
    assert problems == [("school.yaml", line_of(text, "child_involvement_age: twaalf"),
                         "Meldcode: 'child_involvement_age' moet een heel getal van 4 tot en met 18 zijn, niet "
                         "'twaalf'.")]


def test_it_rejects_a_signal_list_without_fgm():
    text = broken("    - id: fgm\n", "    - id: besnijdenis\n")
    messages = [m for _f, _l, m in problems_for(text)]
    assert any("de categorie 'fgm' (meisjesbesnijdenis" in m for m in messages)


def test_it_suggests_the_right_name_for_a_misspelled_field():
    text = broken("afwegingskader:\n", "afwegingskadr:\n")
    problems = problems_for(text)
    assert ("school.yaml", line_of(text, "afwegingskadr:"),
            "Meldcode: onbekend veld 'afwegingskadr'. Bedoelde u 'afwegingskader'?") in problems


def test_it_asks_to_quote_a_version_that_yaml_reads_as_a_number():
    text = broken('version: "2019.2"', "version: 2019.10")
    messages = [m for _f, _l, m in problems_for(text)]
    assert any("zet de versie tussen aanhalingstekens" in m for m in messages)


def test_it_rejects_a_condition_value_the_dossier_never_records():
    text = broken("where: {with: [colleague, care_team]}", "where: {with: [colleague, grandparent]}")
    messages = [m for _f, _l, m in problems_for(text)]
    assert any("'with' kan niet 'grandparent' zijn" in m for m in messages)


def test_it_rejects_a_missing_legal_definition():
    start = NATIONAL.index("  kindermishandeling: >-")
    end = NATIONAL.index("  medewerker: >-")
    text = NATIONAL[:start] + NATIONAL[end:]
    messages = [m for _f, _l, m in problems_for(text)]
    assert "Begripsbepalingen: het veld 'kindermishandeling' ontbreekt of is leeg." in messages


def test_it_explains_a_list_item_with_an_unquoted_colon():
    text = broken("      - Observeer de leerling in de klas en daarbuiten.\n",
                  "      - Let op: observeer de leerling in de klas.\n")
    problems = problems_for(text)
    assert any(line == line_of(text, "Let op: observeer") and "zet de hele tekst tussen aanhalingstekens" in m
               for _f, line, m in problems)


def test_it_rejects_an_adoption_date_that_is_not_a_date():
    text = broken("  on: 2019-01-01", "  on: januari 2019")
    messages = [m for _f, _l, m in problems_for(text)]
    assert "Vastgesteld: 'on' moet een datum zijn als 2019-01-01, niet 'januari 2019'." in messages


def test_it_reports_every_problem_at_once_sorted_by_line():
    text = broken("  care_team: zorgteam\n", "  care_team: zorgteam\n  colour: blauw\n")
    text = text.replace("involved: [ib]\n    role_rules:\n      - De leerkracht signaleert",
                        "involved: [conciërge]\n    role_rules:\n      - De leerkracht signaleert")
    with pytest.raises(DefinitionError) as caught:
        load_definition(text, "school.yaml")
    lines = caught.value.lines()
    assert len(lines) == 2
    assert lines[0].startswith(f"school.yaml:{line_of(text, 'colour: blauw')}: Namen: onbekend veld 'colour'")
    assert "onbekende rol 'conciërge'" in lines[1]


# --- The legal minimum -----------------------------------------------------------------------------------

NO_TIME = ("      - id: contact_loss\n        text: Er zijn goede redenen om aan te nemen dat de ouder",
           "      - id: no_time\n        text: Er was geen tijd voor het gesprek.\n      - id: contact_loss\n"
           "        text: Er zijn goede redenen om aan te nemen dat de ouder")


def only_problem(text: str) -> tuple[int, str]:
    ((_name, line, message),) = problems_for(text)
    return line, message


def test_an_exemption_ground_the_law_does_not_know_is_refused_on_its_line():
    text = broken(*NO_TIME)
    assert only_problem(text) == (
        line_of(text, "- id: no_time"),
        "Uitzondering 'parent_conversation': grond 'no_time' is geen wettelijke grond. Een gesprek met de ouder mag "
        "alleen vervallen om: safety (de veiligheid van de leerling, de ouder, de medewerker of een ander); "
        "contact_loss (de ouder verbreekt waarschijnlijk het contact en haalt de leerling van school).")


def test_step_3_without_the_parent_conversation_requirement_is_refused():
    start = NATIONAL.index("      - id: parent_conversation\n")
    end = NATIONAL.index("    advice:\n      - id: conversation_signed")
    text = NATIONAL[:start] + "      - id: notes\n        record: signal\n        need: n\n        rule: r\n" + \
        NATIONAL[end:]
    assert only_problem(text) == (
        line_of(text, '  - id: "3"'),
        "Stap 3: de eis van het gesprek met de ouder ontbreekt. De wet vraagt dit gesprek; zet onder 'requires' een "
        "eis met record: conversation en where: {purpose: parent}.")


def test_step_5b_without_the_pre_report_conversation_requirement_is_refused():
    text = broken("        where: {purpose: pre_report}\n", "        where: {purpose: other}\n")
    line, message = only_problem(text)
    assert line == line_of(text, "  - id: 5b")
    assert message.startswith("Stap 5b: de eis van het gesprek met de ouder ontbreekt.")
    assert message.endswith("where: {purpose: pre_report}.")


def test_a_parent_conversation_that_may_follow_the_report_is_refused():
    text = broken("        before: [weighing, help, report]\n", "        before: [weighing]\n")
    assert only_problem(text) == (
        line_of(text, "      - id: parent_conversation\n"),
        "Stap 3, eis 'parent_conversation': het gesprek met de ouder hoort vóór de melding; zet 'report' in 'before'.")


def test_the_parent_conversation_exempted_by_the_pre_report_exemption_is_refused():
    text = broken("        exempt_by: parent_conversation\n", "        exempt_by: pre_report_conversation\n")
    line, message = only_problem(text)
    assert line == line_of(text, "      - id: parent_conversation\n")
    assert message == ("Stap 3, eis 'parent_conversation': 'exempt_by' moet naar een uitzondering met applies_to: "
                       "parent_conversation wijzen, niet naar 'pre_report_conversation' (pre_report_conversation).")


@pytest.mark.parametrize("age", [13, 18])
def test_a_child_involvement_age_above_12_is_refused(age):
    text = broken("child_involvement_age: 12", f"child_involvement_age: {age}")
    assert only_problem(text) == (
        line_of(text, "child_involvement_age:"),
        f"Meldcode: 'child_involvement_age' is {age}, maar mag hoogstens 12 zijn: een leerling van 12 jaar of ouder "
        "is altijd betrokken bij het gesprek over een melding.")


def test_a_child_involvement_age_of_10_is_a_schools_own_choice():
    assert load_definition(broken("child_involvement_age: 12", "child_involvement_age: 10")).child_involvement_age == 10


def test_question_2_yes_closing_as_unfounded_is_refused():
    text = broken("      outcome: report\n      text: Meld bij Veilig Thuis. De vragen 3",
                  "      outcome: close_unfounded\n      text: Meld bij Veilig Thuis. De vragen 3")
    messages = [(line, m) for _f, line, m in problems_for(text)]
    yes_line = line_of(text, "      outcome: close_unfounded\n      text: Meld bij")
    assert (yes_line, "Afwegingskader, vraag 2 ('onveiligheid'), ja: alleen 'nee' op de eerste vraag sluit het "
                      "dossier als ongegrond; daarna staat het vermoeden vast.") in messages
    assert (yes_line, "Afwegingskader, vraag 2 ('onveiligheid'), ja: volgens het afwegingskader van 2019 is de "
                      "uitkomst 'report', niet 'close_unfounded': bij acute of structurele onveiligheid meldt de "
                      "school.") in messages


def test_question_1_no_must_close_the_case_as_unfounded():
    text = broken("    no:\n      outcome: close_unfounded\n", "    no:\n      outcome: report\n")
    messages = [m for _f, _l, m in problems_for(text)]
    assert "Afwegingskader, vraag 1 ('vermoeden'), nee: zonder vermoeden sluit u het dossier als ongegrond " \
           "(outcome: close_unfounded)." in messages


def test_the_2019_questions_must_report_where_the_law_requires():
    text = broken("    no:\n      outcome: report\n      text: Meld bij Veilig Thuis; de school kan",
                  "    no:\n      outcome: start_help\n      text: Meld bij Veilig Thuis; de school kan")
    line, message = only_problem(text)
    assert line == line_of(text, "outcome: start_help\n      text: Meld bij Veilig Thuis; de school kan")
    assert message == ("Afwegingskader, vraag 3 ('hulp_mogelijk'), nee: volgens het afwegingskader van 2019 is de "
                       "uitkomst 'report', niet 'start_help': kan de school geen hulp bieden of organiseren, dan "
                       "meldt zij.")


def test_a_meldcode_adopted_since_2019_needs_the_five_questions():
    jso = shipped_path("jso-2010").read_text(encoding="utf-8")
    text = jso.replace("adopted:\n  by: Het bevoegd gezag van de basisschool die het sjabloon invult\n  on:",
                       "adopted:\n  by: Het bevoegd gezag van de basisschool die het sjabloon invult\n  on: 2024-08-01")
    assert text != jso
    line, message = only_problem(text)
    assert line == line_of(text, "afwegingskader:")
    assert message == ("Afwegingskader: sinds 1 januari 2019 heeft het afwegingskader vijf vragen; deze meldcode is "
                       "vastgesteld op 01-08-2024 en heeft er 3.")


def test_the_meldcodes_from_before_2019_keep_their_own_decision_questions():
    assert len(shipped("jso-2010").afwegingskader) == 3 and len(shipped("de-sprong").afwegingskader) == 3


def test_a_stored_version_from_before_these_checks_still_loads_for_its_open_cases():
    text = broken(*NO_TIME).replace("child_involvement_age: 12", "child_involvement_age: 14")
    legacy = load_definition(text, legal_minimum=False)
    assert legacy.child_involvement_age == 14
    assert "no_time" in {g.id for g in legacy.exemption_grounds["parent_conversation"]}
    assert len(problems_for(text)) == 2


def test_before_names_one_kind_or_a_list_of_kinds():
    national = shipped("landelijk-2019")
    assert national.step("3").requires[0].before == ("weighing", "help", "report")
    assert national.step("5b").requires[0].before == ("report",)
    text = broken("        before: [weighing, help, report]\n", "        before: [weighing, besluit, report]\n")
    messages = [m for _f, _l, m in problems_for(text)]
    assert any(m.startswith("Stap 3, requires 'parent_conversation': 'before' noemt 'besluit', dat is geen soort "
                            "vastlegging.") for m in messages)


# --- Whatever is uploaded: an answer per line, never a crash ------------------------------------------------

@pytest.mark.parametrize(("old", "new", "expected"), [
    ("        record: signal\n", "        record: [signal]\n", "onbekend soort vastlegging '['signal']'"),
    ("        check: decision\n", "        check: {decision: true}\n", "onbekende controle"),
    ("        before: [weighing, help, report]\n", "        before: [[report]]\n", "'before' noemt '['report']'"),
    ("        before: [weighing, help, report]\n", "        before: {report: 1}\n", "'before' noemt '{'report': 1}'"),
    ("        where: {purpose: parent}\n        before", "        where: {[purpose]: parent}\n        before",
     "Een veldnaam moet een woord zijn"),
    ("    carried_out_by: [leerkracht]\n", "    carried_out_by: [{rol: leerkracht}]\n", "onbekende rol"),
    ("        exempt_by: parent_conversation\n", "        exempt_by: [parent_conversation]\n",
     "'exempt_by' is de id van één uitzondering"),
    ("    applies_to: parent_conversation\n", "    applies_to: [parent_conversation]\n", "'applies_to' is"),
    ("      outcome: close_help\n", "      outcome: [close_help]\n", "onbekende uitkomst"),
    ("  on: 2019-01-01", "  on: 2019-02-30", "'on' moet een datum zijn als 2019-01-01, niet '2019-02-30'"),
    ("title: Meldcode huiselijk", "? [a, b]\n: c\ntitle: Meldcode huiselijk", "Een veldnaam moet een woord zijn"),
])
def test_a_value_of_the_wrong_shape_gives_a_message_not_a_crash(old, new, expected):
    messages = [m for _f, _l, m in problems_for(broken(old, new))]
    assert any(expected in m for m in messages), messages
    assert not any("kon niet volledig worden gecontroleerd" in m for m in messages)


def test_yaml_aliases_are_refused_before_they_can_expand():
    text = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n"
    problems = problems_for(text)
    assert problems[0][2].startswith("Verwijzingen met * (YAML-aliassen) kunnen niet in een meldcodebestand")


def test_deeply_nested_brackets_are_refused_as_invalid_yaml():
    (problem,) = problems_for("key: " + "[" * 5000 + "]" * 5000 + "\n")
    assert problem[2].startswith("Geen geldige YAML")


@pytest.mark.parametrize(("field", "old", "limit"), [
    ("version", 'version: "2019.2"', 40), ("title", "title: Meldcode huiselijk geweld en kindermishandeling voor", 300),
    ("key", "key: landelijk-2019", 80)])
def test_identity_fields_longer_than_the_database_allows_are_refused(field, old, limit):
    long_value = {"version": '"' + "1" * 41 + '"', "title": "T" * 301, "key": "a" * 81}[field]
    text = broken(old, f"{field}: {long_value}" + ("" if field != "title" else " voor"))
    messages = [m for _f, _l, m in problems_for(text)]
    assert any(m.startswith(f"Meldcode: '{field}' is") and f"hoogstens {limit} zijn" in m for m in messages)


def test_an_unforeseen_error_while_reading_becomes_a_message(monkeypatch):
    import protocol.definition as definition

    def explode(*_args):
        raise KeyError("surprise")

    monkeypatch.setattr(definition, "_read_routes", explode)
    (problem,) = problems_for(NATIONAL)
    assert problem[1] == 1 and "kon niet volledig worden gecontroleerd" in problem[2]


def test_validate_file_reports_an_unreadable_file(tmp_path: Path):
    missing = tmp_path / "nergens.yaml"
    ((name, line, message),) = validate_file(missing)
    assert name == str(missing) and line == 1 and message.startswith("Kan het bestand niet lezen")


def test_the_format_guide_shows_the_complete_example_file_that_validates():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "meldcode-format.md").read_text(encoding="utf-8")
    complete = guide.split("## Het volledige voorbeeld: OBS De Vlinder", 1)[1]
    block = complete.split("```yaml\n", 1)[1].rsplit("```", 1)[0]
    assert block == EXAMPLE.read_text(encoding="utf-8")
    assert load_definition(block, "meldcode-format.md").key == "de-vlinder"


# --- The staff route: WPO art. 4a ---------------------------------------------------------------------

def test_the_staff_route_must_have_every_staff_member_inform_the_board_directly():
    """WPO art. 4a lid 1: every staff member informs the bevoegd gezag at once; "inform the leidinggevende or
    directie" alone is not enough."""
    text = broken("      - id: inform_board\n", "      - id: inform_management\n")
    (problem,) = problems_for(text)
    assert "de plicht 'inform_board' ontbreekt" in problem[2] and "art. 4a lid 1" in problem[2]
    assert problem[1] == line_of(text, "    duties:")
    text = broken("        roles: [leerkracht, ib, directie]\n        rule: Een medewerker met een vermoeden",
                  "        roles: [ib, directie]\n        rule: Een medewerker met een vermoeden")
    (problem,) = problems_for(text)
    assert "zet leerkracht in 'roles'" in problem[2]


def test_the_staff_route_must_let_the_board_consult_inform_and_report_only_on_reasonable_grounds():
    """WPO art. 4a lid 2-4: the board consults the vertrouwensinspecteur, informs the parents and the accused
    before the report, and reports only when the consultation gives reasonable grounds (a condition)."""
    text = broken("        condition: bij een redelijk vermoeden van een zedendelict\n", "")
    (problem,) = problems_for(text)
    assert "plicht 'police_report'" in problem[2] and "'condition'" in problem[2]
    text = broken("        roles: [bestuur]\n        rule: Het bevoegd gezag overlegt onverwijld",
                  "        roles: [directie]\n        rule: Het bevoegd gezag overlegt onverwijld")
    (problem,) = problems_for(text)
    assert "plicht 'consult_inspector'" in problem[2] and "zet bestuur in 'roles'" in problem[2]


def test_the_staff_route_keeps_the_laws_order_and_an_unconditional_board_notice():
    national = NATIONAL
    start, end = national.index("      - id: inform_parents\n"), national.index("      - id: police_report\n")
    block = national[start:end]
    swapped = national[:start] + national[end:national.index("  fgm_honour:")] + block + national[
        national.index("  fgm_honour:"):]
    problems = [p[2] for p in problems_for(swapped)]
    assert any("plicht 'police_report': deze plicht komt na 'inform_parents'" in p for p in problems)
    text = broken("        rule: Een medewerker met een vermoeden informeert onmiddellijk het bevoegd gezag.\n",
                  "        rule: Een medewerker met een vermoeden informeert onmiddellijk het bevoegd gezag.\n"
                  "        condition: als de directie het nodig vindt\n")
    (problem,) = problems_for(text)
    assert "plicht 'inform_board': deze plicht geldt altijd" in problem[2]


def test_a_stored_version_without_the_staff_minimum_still_loads_for_its_cases():
    text = broken("      - id: inform_board\n", "      - id: inform_management\n")
    assert load_definition(text, legal_minimum=False).staff_duties[0].id == "inform_management"
