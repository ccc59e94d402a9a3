"""The meldcode page and the upload page for format 2: parties, deadlines, what the national model filled in,
the national afwegingskader on top of a meldcode without one, old body names, and YAML mistakes in Dutch."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from protocol.definition import DEFINITIONS_DIR
from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions, store_version

TEXT = (DEFINITIONS_DIR / "examples" / "de-wilgenhoek.yaml").read_text(encoding="utf-8")


def adopted_page(school, people, verified_client, text):
    version = store_version(text, filename="x.yaml", school=school, uploaded_by=people[Role.DIRECTIE])
    adopt(school, version, people[Role.DIRECTIE])
    return verified_client(people[Role.LEERKRACHT]).get(reverse("protocol:show", args=[school.slug])).content.decode()


def test_the_meldcode_page_shows_the_parties_deadlines_and_scope_of_a_format_2_file(school, people,
                                                                                    verified_client):
    """The school's file (De Wilgenhoek): its parties, its deadlines and its scoped and conditional rules."""
    html = adopted_page(school, people, verified_client, TEXT)
    assert "Partijen in deze meldcode" in html and "Expertiseteam Rivierenland" in html
    assert "jeugdarts van de GGD (JGZ)" in html and "Jeugdgezondheidszorg (JGZ)" in html
    assert "binnen 5 schooldagen" in html
    assert "telt alleen als het in deze stap gebeurt" in html
    assert "alleen als er een consultatie is vastgelegd (with: care_team)" in html
    assert "termijn: met spoed (binnen 1 schooldag) na de weging" in html


def test_the_meldcode_page_marks_what_the_national_model_filled_in(school, people, verified_client):
    """Issue 13: what the document lacks gets the national default, marked as such, never silently invented."""
    html = adopted_page(school, people, verified_client, TEXT)
    assert "Wat de app heeft aangevuld of anders toont" in html
    assert "Signaleringslijst: uit het landelijk model." in html
    assert "De meldcode van de school heeft geen eigen signaleringslijst" in html
    assert "landelijk model</span>" in html


def test_a_meldcode_without_the_five_questions_is_adopted_with_the_national_afwegingskader_and_says_why(
        school, people, verified_client):
    """Besluit verplichte meldcode, since 1 January 2019: the school decides with the afwegingskader."""
    start, end = TEXT.index("afwegingskader:"), TEXT.index("exemptions:")
    html = adopted_page(school, people, verified_client, TEXT[:start] + TEXT[end:])
    assert "Het afwegingskader van het landelijk model (vijf vragen) is toegevoegd" in html
    assert "Sinds 1 januari 2019" in html
    assert "Het afwegingskader hieronder komt uit het landelijk model" in html


def test_an_old_body_name_is_shown_as_veilig_thuis_with_a_visible_note(school, people, verified_client):
    """Wmo 2015: the Steunpunt Huiselijk Geweld is part of Veilig Thuis since 1 January 2015."""
    text = TEXT.replace("Twijfelt u, vraag dan advies aan Veilig Thuis Rivierenland.",
                        "Twijfelt u, vraag dan advies aan het Steunpunt Huiselijk Geweld.")
    html = adopted_page(school, people, verified_client, text)
    assert "&#x27;Steunpunt Huiselijk Geweld&#x27; wordt getoond als Veilig Thuis." in html


def test_a_format_1_file_with_the_amk_keeps_its_words_and_gets_the_note(school, people, verified_client):
    ensure_shipped_versions()
    adopt(school, MeldcodeVersion.objects.get(key="jso-2010"), people[Role.DIRECTIE])
    html = verified_client(people[Role.LEERKRACHT]).get(reverse("protocol:show", args=[school.slug])).content.decode()
    assert "Advies- en Meldpunt Kindermishandeling (AMK)" in html
    assert "die instantie heet nu Veilig Thuis" in html


@pytest.mark.parametrize(("old", "new", "words"), [
    ("  - key: jgz", "\t- key: jgz", "staat een tab"),
    ("title: Meldcode huiselijk geweld en kindermishandeling OBS De Wilgenhoek",
     "title: Meldcode: OBS De Wilgenhoek", "tussen aanhalingstekens"),
    ("    name: jeugdarts van de GGD (JGZ)", "      name: jeugdarts van de GGD (JGZ)", "inspringing"),
])
def test_the_upload_page_names_the_line_and_a_hint_for_a_yaml_mistake(old, new, words, school, people,
                                                                       verified_client):
    broken = TEXT.replace(old, new)
    response = verified_client(people[Role.IB]).post(reverse("protocol:versions", args=[school.slug]),
                                                      {"action": "upload", "text": broken})
    html = response.content.decode()
    line = broken[:broken.index(new)].count("\n") + 1
    assert response.status_code == 400  # refused, with the error summary
    assert words in html
    assert f"Regel {line}</strong>" in html or f"Regel {line - 1}</strong>" in html
    assert not MeldcodeVersion.objects.filter(key="de-wilgenhoek").exists()
