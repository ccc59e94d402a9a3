"""Saving an import, re-importing, the board's shared entries, and the import_socialmap command."""

import json

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent
from socialmap.importing import SKIP, InvalidOrganisation, apply_import
from socialmap.models import Organisation
from socialmap.parser import ParsedOrganisation, parse_organisations
from socialmap.tests.helpers import DE_SPRONG, GENERIC_TEMPLATE, docx_bytes, pdf_bytes, seed_text

pytestmark = pytest.mark.django_db


def test_an_import_saves_every_organisation_with_its_phone_numbers(school):
    result = apply_import(school, parse_organisations(seed_text(DE_SPRONG)))
    assert len(result.created) == 10
    welzijn = Organisation.objects.get(school=school, name__startswith="Stichting Welzijnswerk")
    assert welzijn.contact_person == "Diny Hettinga"
    assert [(p.number, p.note) for p in welzijn.phones.all()] == [("0528-230388", "bgg 278855")]
    assert welzijn.website == "www.welzijnswerk-hoogeveen.nl"


def test_re_importing_updates_instead_of_duplicating(school):
    apply_import(school, parse_organisations(seed_text(DE_SPRONG)))
    changed = seed_text(DE_SPRONG).replace("Johanna Homminga", "Petra de Wit")
    result = apply_import(school, parse_organisations(changed))
    assert Organisation.objects.filter(school=school).count() == 10
    assert [org.name for org in result.updated] == ["Veilig thuis Drenthe"]
    assert len(result.unchanged) == 9
    assert Organisation.objects.get(school=school, name="Veilig thuis Drenthe").contact_person == "Petra de Wit"


def test_a_re_import_finds_an_organisation_under_another_spelling_and_keeps_what_the_document_lacks(school):
    apply_import(school, [ParsedOrganisation(name="GGD Drenthe", email="info@ggd.nl", phones=[("0592-306300", "")])])
    apply_import(school, [ParsedOrganisation(name="GGD  drenthe.", phones=[("0800-1234", "nieuw")])])
    organisation = Organisation.objects.get(school=school)
    assert organisation.email == "info@ggd.nl"
    assert [(p.number, p.note) for p in organisation.phones.all()] == [("0800-1234", "nieuw")]


def test_a_re_import_keeps_the_kind_and_emergency_flag_the_coordinator_set_unless_the_preview_changes_them(school):
    guess = ParsedOrganisation(name="Politie", kind="police", phones=[("112", "")], on_emergency_sheet=True)
    apply_import(school, [guess])
    Organisation.objects.filter(school=school).update(on_emergency_sheet=False, kind="other")
    apply_import(school, [guess])
    organisation = Organisation.objects.get(school=school)
    assert (organisation.kind, organisation.on_emergency_sheet) == ("other", False)
    apply_import(school, [guess], [guess])
    organisation.refresh_from_db()
    assert (organisation.kind, organisation.on_emergency_sheet) == ("police", True)


def test_decisions_skip_or_replace_single_organisations(school):
    parsed = [ParsedOrganisation(name="MEE"), ParsedOrganisation(name="GGZ"), ParsedOrganisation(name="CJG")]
    result = apply_import(school, parsed, [SKIP, ParsedOrganisation(name="GGZ Drenthe", kind="ggz"), "accept"])
    assert sorted(Organisation.objects.filter(school=school).values_list("name", flat=True)) == ["CJG", "GGZ Drenthe"]
    assert result.skipped == ["MEE"]


def test_an_import_is_all_or_nothing(school):
    parsed = [ParsedOrganisation(name="MEE"), ParsedOrganisation(name="GGZ", email="geen adres")]
    with pytest.raises(InvalidOrganisation, match="GGZ: 'geen adres' is geen geldig e-mailadres"):
        apply_import(school, parsed)
    assert not Organisation.objects.filter(school=school).exists()


def test_each_created_or_changed_organisation_is_audited(school, make_user):
    user = make_user()
    apply_import(school, [ParsedOrganisation(name="MEE"), ParsedOrganisation(name="GGZ")], actor=user)
    actions = list(AuditEvent.objects.filter(school_id=school.pk).values_list("action", flat=True))
    assert actions.count("socialmap.organisation_created") == 2
    assert "socialmap.imported" in actions


def test_for_school_gives_the_schools_own_entries_and_its_boards_shared_ones(school, other_school, board):
    Organisation.objects.create(school=school, name="Zorgteam De Sprong")
    Organisation.objects.create(board=board, name="Veilig Thuis Drenthe")
    Organisation.objects.create(school=other_school, name="Zorgteam De Regenboog")
    Organisation.objects.create(board=other_school.board, name="Veilig Thuis Twente")
    names = [org.name for org in Organisation.objects.for_school(school)]
    assert names == ["Veilig Thuis Drenthe", "Zorgteam De Sprong"]


def test_an_organisation_belongs_to_a_school_or_a_board_never_both(school, board):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(school=school, board=board, name="Dubbel")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Wees")


# --- the command --------------------------------------------------------------------------------------------


def run(*args):
    import io

    out, err = io.StringIO(), io.StringIO()
    call_command("import_socialmap", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def seed_file(tmp_path):
    def make(seed, suffix=".txt"):
        text = seed_text(seed)
        path = tmp_path / f"meldcode{suffix}"
        data = {".txt": text.encode(), ".docx": docx_bytes(text), ".pdf": pdf_bytes(text)}[suffix]
        path.write_bytes(data)
        return path

    return make


@pytest.mark.parametrize("suffix", [".txt", ".docx", ".pdf"])
def test_the_command_prints_json_with_one_object_per_organisation_and_saves_nothing_on_a_dry_run(
        school, seed_file, suffix):
    out, _err = run(str(seed_file(DE_SPRONG, suffix)), "--school", school.slug, "--dry-run", "--format", "json")
    data = json.loads(out)
    assert len(data) == 10
    bureau = next(item for item in data if item["name"] == "Bureau Jeugdzorg")
    assert bureau["contact"] is None
    assert bureau["address"] == "Griendtsveensweg 27a 7901 EB Hoogeveen\nPostbus 2171, 7900 BD Hoogeveen"
    assert bureau["phone"] == "0528-231066"
    assert bureau["email"] == "info@remove-this.bjzdrenthe.nl"
    assert bureau["website"] is None
    assert not Organisation.objects.exists()


def test_the_command_saves_and_a_second_run_updates(school, seed_file):
    path = str(seed_file(GENERIC_TEMPLATE))
    out, _err = run(path, "--school", school.slug)
    assert "15 toegevoegd" in out
    out, _err = run(path, "--school", school.slug)
    assert "0 toegevoegd" in out
    assert Organisation.objects.filter(school=school).count() == 15


def test_the_command_refuses_an_unreadable_file_with_a_dutch_message_and_saves_nothing(school, tmp_path):
    path = tmp_path / "kaart.pdf"
    path.write_bytes(b"\x00\x01garbage" * 20)
    with pytest.raises(CommandError, match="niets opgeslagen"):
        run(str(path), "--school", school.slug)
    assert not Organisation.objects.exists()


def test_the_command_needs_an_existing_school_to_save(db, seed_file):
    with pytest.raises(CommandError, match="bestaat niet"):
        run(str(seed_file(DE_SPRONG)), "--school", "bestaat-niet")
