"""The converter scored against the independent conversion corpus (issue 18).

The corpus (protocol/tests/conversion_corpus/) was written, with its expected rules, by a pass that never saw the
converter; the scoring follows its README (protocol.convert.scoring). The floors are the measured level, so a
change that loses rules, adds wrong proposals or misreads a template fails here. Wrong proposals are worse than
"needs a person": their ceiling is as strict as the share's floor.
"""

import pytest

from protocol.convert import scoring

# Measured with `python -m protocol.convert.scoring` (table in docs/meldcode-conversion.md).
FLOOR_SHARE = 36 / 143          # expected rules proposed correctly, all documents
FLOOR_DEPARTURES = 17 / 79       # the same over the school's own departures
CEILING_WRONG = 16              # wrong proposals, all documents
FLOOR_PER_DOCUMENT = {          # matched expected rules per document
    "01-klimop-jso2010.docx": 8, "02-baken-landelijk2019.pdf": 6, "03-regenboog-regio-twente.docx": 7,
    "04-horizon-basismodel2013.txt": 3, "05-zonnewijzer-kort.txt": 1, "06-bvo-bestuur-breed.pdf": 4,
    "07-sintjozef-basismodel2017.docx": 1, "08-walden-fries-utf16.txt": 6,
}


@pytest.fixture(scope="module")
def scores():
    return {s.document: s for s in scoring.score_corpus()}


def test_it_scores_every_document_of_the_corpus(scores):
    assert sorted(scores) == sorted(p.name for p in scoring.corpus_documents())
    assert len(scores) >= 8
    assert all(s.expected > 0 for s in scores.values())


def test_it_proposes_at_least_the_measured_share_of_expected_rules(scores):
    matched = sum(s.matched for s in scores.values())
    expected = sum(s.expected for s in scores.values())
    assert matched / expected >= FLOOR_SHARE - 1e-9


def test_it_finds_at_least_the_measured_share_of_the_schools_own_departures(scores):
    matched = sum(s.departures_matched for s in scores.values())
    expected = sum(s.departures for s in scores.values())
    assert matched / expected >= FLOOR_DEPARTURES - 1e-9


@pytest.mark.parametrize("document", sorted(FLOOR_PER_DOCUMENT))
def test_it_keeps_each_documents_measured_rules(scores, document):
    assert scores[document].matched >= FLOOR_PER_DOCUMENT[document], scores[document].missed


def test_it_makes_no_more_wrong_proposals_than_measured(scores):
    wrong = [line for s in scores.values() for line in s.wrong]
    assert len(wrong) <= CEILING_WRONG, wrong


def test_it_proposes_no_trap_as_a_rule(scores):
    """A must_not_propose passage (an example, an old version, another protocol) is never a rule's source."""
    assert {d: s.traps_proposed for d, s in scores.items() if s.traps_proposed} == {}


def test_it_recognises_the_closest_shipped_template_of_every_document(scores):
    assert {d: s.template_found for d, s in scores.items() if not s.template_ok} == {}


# --- the scoring itself ------------------------------------------------------------------------------------------

def test_sources_overlap_after_nfkc_and_whitespace_folding():
    assert scoring.overlaps("De leerkracht  bespreekt\nde signalen¹", "leerkracht bespreekt de signalen1")
    assert not scoring.overlaps("De leerkracht bespreekt de signalen.", "De directeur beslist over de melding.")


def test_a_deadline_is_read_in_days_and_unit():
    assert scoring.deadline_of("binnen 5 schooldagen met de IB") == {"days": 5, "unit": "schooldagen"}
    assert scoring.deadline_of("Binnen zes weken evalueert het team") == {"days": 42, "unit": "kalenderdagen"}
    assert scoring.deadline_of("binnen 2 werkdagen na het besluit") == {"days": 2, "unit": "werkdagen"}
    assert scoring.deadline_of("bereikbaar via 0800-2000") is None


def test_values_agree_on_the_compared_keys_only():
    expected = {"step": "2", "with": ["colleague"], "strength": "required", "whom": "ib"}
    assert scoring.agrees("consultation_required", expected, {"step": "2", "with": ["colleague"], "strength": "required"})
    assert not scoring.agrees("consultation_required", expected,
                              {"step": "2", "with": ["colleague", "care_team"], "strength": "required"})
    assert scoring.agrees("care_team_name", "Zorgteam  Plus", {"value": "zorgteam plus"})
    assert scoring.agrees("verwijsindex", {"connected": False, "from_step": None}, {"from_step": None})
