"""The school's words (issue 13): the national model's names in product texts are replaced by the names the
school's meldcode file gives, once, and only where the file names them otherwise."""

from pathlib import Path

from protocol.definition import load_definition, shipped_path
from protocol.wording import NATIONAL, Words, uses_generic_names, words_for_definition

VLINDER = Path(shipped_path("landelijk-2019")).parent / "examples" / "de-vlinder.yaml"


def load(path):
    return load_definition(Path(path).read_text(encoding="utf-8"), Path(path).name, legal_minimum=False)


def test_the_national_model_keeps_every_text_as_it_is():
    words = words_for_definition(load(shipped_path("landelijk-2019")))
    for text in ("Contactpersoon bij Veilig Thuis", "Het zorgteam", "Acute onveiligheid"):
        assert words.say(text) == text.replace("Acute onveiligheid", "Acuut gevaar")


def test_the_schools_names_replace_the_generic_ones_once():
    words = words_for_definition(load(VLINDER))
    assert words.report_point == "Veilig Thuis Utrecht"
    said = words.say("Contactpersoon bij Veilig Thuis")
    assert said == "Contactpersoon bij Veilig Thuis Utrecht"
    assert words.say(said) == said  # saying twice never gives "Veilig Thuis Utrecht Utrecht"
    assert words.say("Zorgteam") == "RET (regionaal expertiseteam)"


def test_a_file_without_names_falls_back_to_the_national_names():
    # An empty name in the file is no name: the replacer is skipped, the national name stays.
    assert Words(report_point="", care_team="").say("Veilig Thuis en het zorgteam") == "Veilig Thuis en het zorgteam"
    assert NATIONAL.say("Het zorgteam en Veilig Thuis") == "Het zorgteam en Veilig Thuis"


def test_the_amk_of_an_old_meldcode_is_shown_as_veilig_thuis_with_a_note():
    # The AMK and the Steunpunt Huiselijk Geweld became Veilig Thuis in 2015 (Wmo 2015, art. 4.1.1).
    words = words_for_definition(load(shipped_path("jso-2010")))
    assert words.report_point == "Veilig Thuis"
    assert "Advies- en Meldpunt Kindermishandeling (AMK)" in words.report_point_note
    assert words.say("Melding bij Veilig Thuis") == "Melding bij Veilig Thuis"


def test_the_acute_route_title_is_the_schools():
    words = words_for_definition(load(shipped_path("de-sprong")))
    assert words.acute == "Noodsituatie"
    assert words.say("Acute onveiligheid") == "Noodsituatie"
    assert words.report_point == "Veilig Thuis Drenthe"


def test_only_texts_with_a_generic_name_need_the_meldcode():
    assert uses_generic_names("Besluit 5b: melding bij Veilig Thuis")
    assert not uses_generic_names("Monitoringsmoment hulp")


def test_what_a_person_typed_keeps_their_own_words_when_a_draft_is_opened_again():
    """Only the product's texts take the meldcode's names; a coordinator's "acute onveiligheid" or "zorgteam" in
    a draft or a correction stays exactly as written (a dossier records what was written, not our wording)."""
    from cases.forms import NoteForm

    words = words_for_definition(load(VLINDER))
    typed = "Besproken in het zorgteam: geen acute onveiligheid, wel contact met Veilig Thuis."
    form = NoteForm(initial={"text": typed})
    words.apply_to_form(form)
    assert form.initial["text"] == typed
    assert form.fields["text"].label == "Aantekening"
