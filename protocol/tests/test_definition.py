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
                         "Stap 1: onbekende rol 'ouder' in 'involved'. Kies uit: beheer, bestuur, directie, ib, "
                         "leerkracht, privacy.")]


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
    text = broken('version: "2019.1"', "version: 2019.10")
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
