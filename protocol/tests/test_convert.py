"""The converter from a school's own meldcode document to a draft definition (issue 18)."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from protocol.convert import convert, convert_text, validate
from protocol.convert.measure import share
from protocol.convert.writer import load_plain, shipped

GENERIC_TEMPLATE = "000_7f4a6d81fa48c56a.txt"  # the JSO template of 2010, sociale kaart for Maastricht
DE_SPRONG = "003_f675b55e4d39137c.txt"  # C.B.S. De Sprong, the same template adopted after 2015

# The share of De Sprong's hand-written rules the converter proposes with a source (41 of 41 when written).
DE_SPRONG_FLOOR = 0.95


def seed(name: str) -> str:
    base = Path(settings.BASE_DIR)
    for folder in (base.parent / "shared" / "seeds", base.parent.parent / "shared" / "seeds"):
        if (folder / name).exists():
            return (folder / name).read_text(encoding="utf-8")
    pytest.skip(f"seed document {name} not found")


def without_legal(conversion):
    return [p for p in conversion.proposals if p.kind != "legal"]


def test_it_recognises_the_2010_template_as_such_with_no_departures():
    conversion = convert_text(seed(GENERIC_TEMPLATE), GENERIC_TEMPLATE)
    assert conversion.recognition.key == "jso-2010"
    assert conversion.recognition.confidence >= 0.7
    assert conversion.recognition.alignment.departures == []
    assert conversion.extraction.needs_person == []
    assert [p.id for p in conversion.proposals if p.kind == "departure"] == []


def test_the_2010_template_converts_to_the_shipped_2010_definition_rule_for_rule():
    conversion = convert_text(seed(GENERIC_TEMPLATE), GENERIC_TEMPLATE)
    draft = load_plain(conversion.build(without_legal(conversion)))
    result = share(shipped("jso-2010"), draft, conversion.proposals)
    assert result["missing"] == []


def test_it_proposes_every_rule_of_de_sprongs_hand_written_definition_with_its_source():
    conversion = convert_text(seed(DE_SPRONG), DE_SPRONG)
    assert conversion.recognition.key == "jso-2010"
    assert conversion.recognition.variant == "Veilig Thuis Drenthe"
    draft_text = conversion.build(without_legal(conversion))
    assert validate(draft_text) == []
    result = share(shipped("de-sprong"), load_plain(draft_text), conversion.proposals)
    assert result["share"] >= DE_SPRONG_FLOOR, result["missing"]


def test_de_sprongs_own_rules_quote_the_documents_sentence_with_its_line():
    conversion = convert_text(seed(DE_SPRONG), DE_SPRONG)
    by_id = {p.id: p for p in conversion.proposals}
    assert by_id["report_point"].value == "Veilig Thuis Drenthe"
    assert by_id["care_team"].value == "zorgadviesteam"
    # Stap 3: "Bespreek de signalen met de ouder. Doe dit samen met de ib'er." (line 137 of the document)
    assert by_id["attends:3"].source["line"] == 137
    assert "samen met" in by_id["attends:3"].source["text"]
    assert by_id["consult_with"].source["text"] == "Bespreek de signalen met IB."
    assert by_id["demote:4:weigh_with_amk"].source["text"] == "Vraag het AMK hierover een oordeel te geven."
    draft = load_plain(conversion.build(without_legal(conversion)))
    step3 = next(s for s in draft["steps"] if s["id"] == "3")
    assert step3["requires"][0]["roles_present"] == ["ib"]


def test_what_it_cannot_turn_into_a_rule_is_listed_with_its_source_never_dropped():
    conversion = convert_text(seed(DE_SPRONG), DE_SPRONG)
    departures = conversion.recognition.alignment.departures
    unconsumed = [d for d in departures if not d.consumed_by]
    assert len(conversion.extraction.needs_person) >= len(unconsumed) > 0
    # "Indien tijdens het gesprek met de ouder blijkt dat de zorgen een andere oorzaak hebben" (line 152)
    assert any(n.source and n.source["line"] == 152 for n in conversion.extraction.needs_person)


def test_the_same_document_always_gives_the_same_draft():
    first, second = convert_text(seed(DE_SPRONG), DE_SPRONG), convert_text(seed(DE_SPRONG), DE_SPRONG)
    assert first.build() == second.build()
    assert json.dumps(first.as_report(), sort_keys=True) == json.dumps(second.as_report(), sort_keys=True)


def test_an_older_document_gets_the_2019_afwegingskader_as_a_marked_legal_minimum_addition():
    # Besluit verplichte meldcode (since 1 January 2019): the afwegingskader is part of every meldcode.
    conversion = convert_text(seed(DE_SPRONG), DE_SPRONG)
    legal = [p for p in conversion.proposals if p.kind == "legal"]
    assert [p.id for p in legal] == ["afwegingskader_2019"]
    draft_text = conversion.build()
    assert validate(draft_text) == []
    questions = load_plain(draft_text)["afwegingskader"]
    assert [q["id"] for q in questions] == [q["id"] for q in shipped("landelijk-2019")["afwegingskader"]]
    assert "Veilig Thuis Drenthe" in json.dumps(questions, ensure_ascii=False)


def test_a_rejected_proposal_stays_out_of_the_draft():
    conversion = convert_text(seed(DE_SPRONG), DE_SPRONG)
    for proposal in conversion.proposals:
        proposal.status = "rejected" if proposal.id == "attends:3" else "accepted"
    step3 = next(s for s in load_plain(conversion.build())["steps"] if s["id"] == "3")
    assert "roles_present" not in step3["requires"][0]


def test_an_edited_proposal_writes_the_persons_value():
    conversion = convert_text(seed(DE_SPRONG), DE_SPRONG)
    for proposal in conversion.proposals:
        if proposal.id == "care_team":
            proposal.status, proposal.edited_value = "edited", "ondersteuningsteam"
    assert load_plain(conversion.build())["names"]["care_team"] == "ondersteuningsteam"


def test_it_recognises_the_2019_model_by_its_afwegingskader():
    text = (
        "Meldcode huiselijk geweld en kindermishandeling van OBS Het Anker\n\n"
        "Stap 1: Signalen in kaart brengen.\n\nStap 2: Collegiale consultatie en zo nodig raadplegen van Veilig Thuis.\n\n"
        "Stap 3: Gesprek met de ouder.\n\nStap 4: Wegen aan de hand van het afwegingskader.\n\n"
        "Is er acute en/of structurele onveiligheid? Is melden noodzakelijk?\n\n"
        "Stap 5: Beslissen over het doen van een melding en het inzetten van hulp.\n"
    )
    conversion = convert_text(text, "anker.txt")
    assert conversion.recognition.key == "landelijk-2019"
    assert not [p for p in conversion.proposals if p.kind == "legal"]
    assert validate(conversion.build()) == []


def test_it_reads_a_word_document_with_the_sociale_kaart_readers(settings):
    from socialmap.tests.helpers import docx_bytes

    conversion = convert(docx_bytes(seed(DE_SPRONG)), "desprong.docx")
    assert conversion.recognition.key == "jso-2010"
    assert {p.id for p in conversion.proposals} >= {"report_point", "attends:3", "consult_with"}


def test_an_unreadable_file_is_refused_with_a_dutch_message():
    from socialmap.readers import DocumentError

    with pytest.raises(DocumentError):
        convert(b"%PDF-1.4 this is not a pdf", "kapot.pdf")


def test_the_command_writes_a_valid_draft_and_a_report_with_the_sociale_kaart(tmp_path):
    source = tmp_path / "desprong.txt"
    source.write_text(seed(DE_SPRONG), encoding="utf-8")
    output, report = tmp_path / "draft.yaml", tmp_path / "report.json"
    call_command("convert_meldcode", str(source), "--output", str(output), "--report", str(report))
    assert validate(output.read_text(encoding="utf-8")) == []
    payload = json.loads(report.read_text(encoding="utf-8"))
    assert payload["template"] == "jso-2010"
    assert any("Drenthe" in org["name"] for org in payload["sociale_kaart"])


def test_rejecting_a_template_requirement_removes_it_and_the_validator_says_when_the_law_needs_it():
    # Wet verplichte meldcode / Besluit: the conversation with the parent (step 3) may not be dropped.
    conversion = convert_text(seed(GENERIC_TEMPLATE), GENERIC_TEMPLATE)
    for proposal in conversion.proposals:
        if proposal.id == "template:step:3:parent_conversation":
            proposal.status = "rejected"
    problems = validate(conversion.build())
    assert any("Stap 3" in line and "gesprek met de ouder" in line for line in problems)


ANKER = """Meldcode huiselijk geweld en kindermishandeling
IKC Het Anker, Zwolle

Stap 1: Signalen in kaart brengen
De leerkracht legt signalen feitelijk vast in het leerlingdossier.

Stap 2: Collegiale consultatie en zo nodig raadplegen van Veilig Thuis
De leerkracht bespreekt de signalen altijd met de aandachtsfunctionaris. Zo nodig wordt de leerling besproken in het
ondersteuningsteam (OT). Het ondersteuningsteam komt elke zes weken bijeen. Voor bespreking in het ondersteuningsteam
is toestemming van de ouders nodig, en van de leerling vanaf 16 jaar.

Stap 3: Gesprek met de ouder
Het gesprek met de ouders wordt gevoerd door de leerkracht en de directeur.

Stap 4: Wegen aan de hand van het afwegingskader
Is er acute en/of structurele onveiligheid? Dan melden. Neem binnen vijf werkdagen een besluit.

Stap 5: Beslissen
De directeur is, namens het bevoegd gezag, eindverantwoordelijk voor het besluit om wel of niet te melden bij
Veilig Thuis IJsselland.
"""


def test_a_2019_document_in_its_own_words_gets_its_rules_and_no_proposal_that_repeats_the_model():
    conversion = convert_text(ANKER, "anker.txt")
    assert conversion.recognition.key == "landelijk-2019"
    own = {p.id: p.value for p in conversion.proposals if p.kind == "departure"}
    assert own["school_name"] == "IKC Het Anker"
    assert own["report_point"] == "Veilig Thuis IJsselland"
    assert own["care_team"] == "ondersteuningsteam (OT)"
    assert any(key.startswith("role_rule:4:") for key in own)  # "binnen vijf werkdagen"
    # the directie decides "namens het bevoegd gezag", as the model says: not a departure
    assert "final_responsibility" not in own and "consent_pupil_age" not in own
    draft = load_plain(conversion.build())
    step3 = next(s for s in draft["steps"] if s["id"] == "3")
    assert step3["requires"][0]["roles_present"] == ["leerkracht", "directie"]  # "door de leerkracht en de directeur"
    assert validate(conversion.build()) == []


def test_a_pdf_is_read_in_the_sandbox_and_each_source_keeps_its_page():
    from weasyprint import HTML

    data = HTML(string=(
        "<html><body><p>Meldcode van OBS De Linde</p><p>Stap 3: Gesprek met de ouder</p><p>Bespreek de signalen met "
        "de ouder. Dit gesprek voert u altijd samen met de intern begeleider.</p>"
        "<p style='page-break-before: always'>Stap 4: Wegen</p><p>Vraag Veilig Thuis Utrecht om advies.</p>"
        "</body></html>")).write_pdf()
    conversion = convert(data, "de-linde.pdf")
    pages = {s.text: s.page for s in conversion.document.sentences}
    assert pages["Stap 3: Gesprek met de ouder"] == 1
    assert pages["Vraag Veilig Thuis Utrecht om advies."] == 2
    attends = next(p for p in conversion.proposals if p.id == "attends:3")
    assert attends.source["page"] == 1 and "intern begeleider" in attends.source["text"]


def test_a_document_that_is_no_meldcode_gets_a_low_confidence_and_no_invented_rules():
    conversion = convert_text("Notulen van de ouderraad\n\nDe schoolreis gaat dit jaar naar Ouwehands.\n"
                              "Het schoolfeest is op vrijdag.\n", "notulen.txt")
    assert conversion.recognition.confidence < 0.4
    assert [p for p in conversion.proposals if p.kind == "departure"] == []
    assert conversion.extraction.needs_person  # the sentences are listed for a person, not dropped


def test_a_regional_veilig_thuis_is_named_as_the_region_has_it():
    from protocol.convert.templates import regional_report_point

    assert regional_report_point("Meld bij Veilig Thuis Zuid-Holland Zuid als u twijfelt.") == \
        "Veilig Thuis Zuid-Holland Zuid"
    assert regional_report_point("Bel Veilig Thuis Drenthe Dit mag anoniem.") == "Veilig Thuis Drenthe"
    assert regional_report_point("Bel Veilig Thuis. Het advies is gratis.") == ""


def jso_variant(**replacements) -> str:
    path = Path(__file__).resolve().parents[1] / "convert" / "templates_ref" / "jso-2010.txt"
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    text = text.replace("[naam basisschool]", "KBS De Wegwijzer")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_a_made_up_2010_variant_gets_its_deadline_final_responsibility_and_own_wording_as_rules():
    text = jso_variant(**{
        "Bespreek de signalen met een deskundige collega.":
            "Bespreek de signalen binnen twee werkdagen met de intern begeleider.",
        "eindverantwoordelijkheid dragen voor de uitvoering van de meldcode.":
            "de directeur is eindverantwoordelijk voor het besluit om te melden.",
        "Vanaf stap 2 is het raadzaam registratie in de Verwijsindex Risicojongeren te overwegen indien u op dit "
        "systeem bent aangesloten.": "De school is niet aangesloten op de Verwijsindex Risicojongeren.",
        "Bespreek de signalen met de ouder.": "Bij dit gesprek is de intern begeleider altijd aanwezig.",
    })
    conversion = convert_text(text, "wegwijzer.txt")
    assert conversion.recognition.key == "jso-2010"
    own = {p.id: p for p in conversion.proposals if p.kind == "departure"}
    assert own["school_name"].value == "KBS De Wegwijzer"
    assert any(key.startswith("role_rule:2:") for key in own)  # "binnen twee werkdagen"
    assert own["final_responsibility"].value.startswith("de directeur is eindverantwoordelijk")
    assert own["text:verwijsindex"].value == "De school is niet aangesloten op de Verwijsindex Risicojongeren."
    assert own["attends:3"].source["text"] == "Bij dit gesprek is de intern begeleider altijd aanwezig."
    draft = load_plain(conversion.build())
    assert draft["final_responsibility"]["roles"] == ["directie"]
    assert draft["verwijsindex"]["rule"].startswith("De school is niet aangesloten")
    assert next(s for s in draft["steps"] if s["id"] == "3")["requires"][0]["roles_present"] == ["ib"]
    assert "report_point" not in own and "care_team" not in own  # what the school did not change stays
    assert validate(conversion.build()) == []


def test_help_with_the_parent_conversation_is_not_read_as_presence_at_it():
    from protocol.convert.rules import attendee_role

    assert attendee_role("Bereid het gesprek samen met de intern begeleider voor.") == ""
    assert attendee_role("Hebt u ondersteuning nodig bij het gesprek, raadpleeg dan de IB.") == ""
    assert attendee_role("Het gesprek wordt gevoerd in aanwezigheid van de directeur.") == "directie"
    assert attendee_role("Doe dit samen met de ib’ er.") == "ib"


def test_a_named_aandachtsfunctionaris_becomes_the_name_of_the_role():
    text = jso_variant(**{"Bespreek de signalen met een deskundige collega.":
                          "Bespreek de signalen met een deskundige collega. De directeur is de aandachtsfunctionaris."})
    own = {p.id: p for p in convert_text(text, "wegwijzer.txt").proposals if p.kind == "departure"}
    assert own["attention_officer"].value == "directeur (aandachtsfunctionaris)"
