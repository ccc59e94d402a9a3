"""Stored versions, adoption, the diff, the screens and the commands."""

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from protocol.definition import DEFINITIONS_DIR, shipped, shipped_path
from protocol.diff import compare
from protocol.models import (
    Adoption,
    MeldcodeVersion,
    VersionRefused,
    adopt,
    current_version,
    default_version,
    ensure_shipped_versions,
)

VLINDER = DEFINITIONS_DIR / "examples" / "de-vlinder.yaml"
VLINDER_TEXT = VLINDER.read_text(encoding="utf-8")
NATIONAL_TEXT = shipped_path("landelijk-2019").read_text(encoding="utf-8")
# The national model as shipped until its step 3 conversation had to precede the decision, not only the report.
PREVIOUS_NATIONAL_TEXT = NATIONAL_TEXT.replace(
    'version: "2019.2"  # 2019.2: het gesprek met de ouder telt alleen vóór de weging, de hulp of de melding',
    'version: "2019.1"').replace("before: [weighing, help, report]", "before: report")


@pytest.fixture
def shipped_versions(db):
    return {v.key: v for v in ensure_shipped_versions()}


# --- Models -------------------------------------------------------------------------------------------

def test_ensure_shipped_versions_is_idempotent(shipped_versions):
    ensure_shipped_versions()
    assert MeldcodeVersion.objects.count() == 3
    assert set(shipped_versions) == {"landelijk-2019", "jso-2010", "de-sprong"}
    assert shipped_versions["de-sprong"].definition().names.report_point == "Veilig Thuis Drenthe"
    assert len(shipped_versions["de-sprong"].sha256) == 64


def test_the_latest_adoption_is_the_current_version_and_an_old_one_stays_readable(school, shipped_versions,
                                                                                   make_user):
    assert current_version(school) is None
    director = make_user(Role.DIRECTIE, school)
    adopt(school, shipped_versions["jso-2010"], director)
    adopt(school, shipped_versions["de-sprong"], director)
    assert current_version(school) == shipped_versions["de-sprong"]
    assert shipped_versions["jso-2010"].definition().key == "jso-2010"  # a case started under it still works


def test_a_school_cannot_adopt_another_schools_own_version(school, other_school, shipped_versions):
    own = MeldcodeVersion.objects.create(key="de-vlinder", version="2025.1", title="Vlinder",
                                         source=VLINDER.read_text(encoding="utf-8"), owner_school=other_school)
    with pytest.raises(ValueError):
        adopt(school, own, None)
    assert own not in MeldcodeVersion.for_school(school)
    assert own in MeldcodeVersion.for_school(other_school)


def test_the_default_version_is_the_national_model(db):
    assert default_version().key == "landelijk-2019"


# --- Diff ---------------------------------------------------------------------------------------------

def test_the_diff_between_the_template_and_de_sprong_shows_the_school_specific_rules():
    changes = compare(shipped("jso-2010"), shipped("de-sprong"))
    by_place = {(c.where, c.kind): c for c in changes}
    assert by_place[("namen › advies- en meldpunt", "changed")].new == "Veilig Thuis Drenthe"
    assert by_place[("Stap 3 › eisen › parent_conversation › aanwezige rollen", "added")].new == "ib"
    assert ("Stap 4 › eisen › weigh_with_amk › vastlegging", "removed") in by_place
    workflow = [c for c in changes if c.affects_workflow]
    assert changes[:len(workflow)] == workflow  # the changes to the way of working come first
    assert by_place[("Stap 3 › eisen › parent_conversation › aanwezige rollen", "added")].affects_workflow
    assert not by_place[("titel", "changed")].affects_workflow


def test_a_widened_list_of_grounds_shows_as_a_change_in_the_way_of_working():
    from protocol.definition import load_definition

    widened = load_definition(NATIONAL_TEXT.replace(
        "      - id: contact_loss\n        text: Er zijn goede redenen om aan te nemen dat de ouder door",
        "      - id: no_time\n        text: Geen tijd.\n      - id: contact_loss\n        text: Er zijn goede "
        "redenen om aan te nemen dat de ouder door"), legal_minimum=False)
    changes = [c for c in compare(shipped("landelijk-2019"), widened) if c.kind == "added"]
    assert changes and all(c.affects_workflow for c in changes)
    assert any(c.where.startswith("Uitzonderingen › parent_conversation › gronden › no_time") for c in changes)


def test_an_added_step_shows_as_a_change_in_the_way_of_working():
    from protocol.definition import load_definition

    changes = compare(shipped("landelijk-2019"), load_definition(VLINDER_TEXT))
    aftercare = [c for c in changes if c.where.startswith("Stap 6")]
    assert aftercare and all(c.affects_workflow for c in aftercare)


def test_the_new_national_version_shows_the_earlier_deadline_of_the_parent_conversation():
    from protocol.definition import load_definition

    changes = compare(load_definition(PREVIOUS_NATIONAL_TEXT), shipped("landelijk-2019"))
    before = [(c.kind, c.old, c.new) for c in changes if c.where == "Stap 3 › eisen › parent_conversation › vóór"]
    assert sorted(before) == [("added", "", "help"), ("added", "", "weighing")]
    assert all(c.affects_workflow for c in changes if c.where.endswith("vóór"))


def test_identical_definitions_have_no_differences():
    assert compare(shipped("landelijk-2019"), shipped("landelijk-2019")) == []


# --- Screens ------------------------------------------------------------------------------------------

def test_any_member_reads_the_meldcode_page_with_route_steps_and_the_social_map_link(school, people,
                                                                                      verified_client,
                                                                                      shipped_versions):
    adopt(school, shipped_versions["de-sprong"], people[Role.DIRECTIE])
    response = verified_client(people[Role.LEERKRACHT]).get(reverse("protocol:show", args=[school.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Meldcode huiselijk geweld en kindermishandeling C.B.S. De Sprong" in html
    assert 'href="#stap-5b"' in html and 'id="stap-3"' in html
    assert "Dit gesprek wordt altijd gevoerd samen met de intern begeleider." in html
    assert f"/sociale-kaart/{school.slug}/" in html
    assert "Vechtscheiding" in html and "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (the CSP forbids it); app.js is a file


def test_a_school_without_adoption_sees_the_national_model_and_that_it_must_adopt_one_first(school, people,
                                                                                              verified_client):
    html = verified_client(people[Role.LEERKRACHT]).get(reverse("protocol:show", args=[school.slug])).content.decode()
    assert "nog geen eigen meldcode vastgesteld" in html and "landelijk model 2019" in html
    assert "Dossiers openen kan pas als de intern begeleider, de directie of het bestuur een meldcode heeft " \
           "vastgesteld" in html
    assert "Tot dan geldt" not in html


def test_someone_from_another_school_gets_a_404(school, other_school, make_user, verified_client):
    outsider = make_user(Role.DIRECTIE, other_school)
    assert verified_client(outsider).get(reverse("protocol:show", args=[school.slug])).status_code == 404


@pytest.mark.parametrize("role", [Role.IB, Role.DIRECTIE, Role.BESTUUR])
def test_ib_directie_and_bestuur_upload_and_adopt_a_new_version(role, school, people, verified_client,
                                                                shipped_versions):
    client = verified_client(people[role])
    url = reverse("protocol:versions", args=[school.slug])
    response = client.post(url, {"action": "upload", "text": VLINDER.read_text(encoding="utf-8")})
    version = MeldcodeVersion.objects.get(key="de-vlinder")
    assert response.status_code == 302 and response["Location"].endswith(f"?vaststellen={version.pk}")
    assert version.owner_school == school and version.uploaded_by == people[role]

    assert "Vaststellen: Meldcode huiselijk geweld" in client.get(response["Location"]).content.decode()
    response = client.post(url, {"action": "adopt", "version": version.pk, "confirm": "on"})
    assert response.status_code == 302
    assert current_version(school) == version
    actions = list(AuditEvent.objects.filter(school_id=school.pk).values_list("action", flat=True))
    assert "meldcode.upload" in actions and "meldcode.adopt" in actions


def test_adopting_needs_the_confirmation(school, people, verified_client, shipped_versions):
    client = verified_client(people[Role.DIRECTIE])
    url = reverse("protocol:versions", args=[school.slug])
    client.post(url, {"action": "adopt", "version": shipped_versions["de-sprong"].pk})
    assert current_version(school) is None


@pytest.mark.parametrize("role", [Role.LEERKRACHT, Role.PRIVACY, Role.BEHEER])
def test_other_roles_may_not_upload_or_adopt(role, school, people, verified_client, shipped_versions):
    client = verified_client(people[role])
    url = reverse("protocol:versions", args=[school.slug])
    assert client.get(url).status_code == 200
    assert "Nieuwe versie uploaden" not in client.get(url).content.decode()
    response = client.post(url, {"action": "upload", "text": VLINDER.read_text(encoding="utf-8")})
    assert response.status_code == 404
    response = client.post(url, {"action": "adopt", "version": shipped_versions["de-sprong"].pk, "confirm": "on"})
    assert response.status_code == 404
    assert not Adoption.objects.exists() and not MeldcodeVersion.objects.filter(key="de-vlinder").exists()


def test_an_invalid_upload_shows_each_problem_with_its_line(school, people, verified_client):
    broken = NATIONAL_TEXT.replace("key: landelijk-2019", "key: de-uil").replace(
        "    involved: [ib]\n    role_rules:\n      - De leerkracht signaleert",
        "    involved: [ouder]\n    role_rules:\n      - De leerkracht signaleert")
    response = verified_client(people[Role.IB]).post(reverse("protocol:versions", args=[school.slug]),
                                                      {"action": "upload", "text": broken})
    html = response.content.decode()
    line = broken[:broken.index("involved: [ouder]")].count("\n") + 1
    assert response.status_code == 400  # refused: the page again, with what is wrong
    assert f"Regel {line}</strong>: Stap 1: onbekende rol &#x27;ouder&#x27;" in html
    assert f"{line} |     involved: [ouder]" in html
    assert not MeldcodeVersion.objects.filter(key="de-uil").exists()


def upload(client, school, text):
    return client.post(reverse("protocol:versions", args=[school.slug]), {"action": "upload", "text": text})


def test_uploading_an_existing_version_again_is_refused(school, people, verified_client, shipped_versions):
    client = verified_client(people[Role.IB])
    assert upload(client, school, VLINDER_TEXT).status_code == 302
    response = upload(client, school, VLINDER_TEXT)
    assert "Versie 2025.2 van &#x27;de-vlinder&#x27; bestaat al" in response.content.decode()
    assert MeldcodeVersion.objects.filter(key="de-vlinder").count() == 1


@pytest.mark.parametrize("key", ["landelijk-2019", "de-sprong"])
def test_an_upload_under_the_key_of_a_shipped_meldcode_is_refused(key, school, people, verified_client,
                                                                  shipped_versions):
    text = shipped_path(key).read_text(encoding="utf-8")
    text = text.replace(f'version: "{shipped(key).version}"', 'version: "2099.1"')
    response = upload(verified_client(people[Role.IB]), school, text)
    html = response.content.decode()
    assert response.status_code == 400  # refused: the page again, with what is wrong
    assert f"De sleutel &#x27;{key}&#x27; is van een meegeleverde meldcode" in html
    assert not MeldcodeVersion.objects.filter(key=key, version="2099.1").exists()


def test_another_schools_own_version_is_neither_revealed_nor_in_the_way(school, other_school, people,
                                                                         verified_client, shipped_versions):
    theirs = MeldcodeVersion.objects.create(key="de-vlinder", version="2025.2", title="Vlinder", source=VLINDER_TEXT,
                                            owner_school=other_school)
    response = upload(verified_client(people[Role.IB]), school, VLINDER_TEXT)
    assert response.status_code == 302 and "bestaat al" not in response.content.decode()
    ours = MeldcodeVersion.objects.get(key="de-vlinder", owner_school=school)
    assert ours.pk != theirs.pk and list(MeldcodeVersion.for_school(school).filter(key="de-vlinder")) == [ours]


def test_ensure_shipped_versions_never_picks_up_a_schools_own_version(school, db):
    MeldcodeVersion.objects.create(key="landelijk-2019", version=shipped("landelijk-2019").version, title="Eigen",
                                   source=NATIONAL_TEXT, owner_school=school)
    national = {v.key: v for v in ensure_shipped_versions()}["landelijk-2019"]
    assert national.owner_school is None and national.is_shipped
    assert default_version() == national


def test_the_previous_national_version_stays_loadable_and_adoptable_next_to_the_new_one(school, make_user, db):
    previous = MeldcodeVersion.objects.create(key="landelijk-2019", version="2019.1", title="Landelijk model",
                                              source=PREVIOUS_NATIONAL_TEXT)
    current = {v.key: v for v in ensure_shipped_versions()}["landelijk-2019"]
    assert current.version == "2019.2" and current.pk != previous.pk
    assert default_version() == current
    assert previous.definition().step("3").requires[0].before == ("report",)
    assert current.definition().step("3").requires[0].before == ("weighing", "help", "report")
    assert previous.legal_problems() == () and current.legal_problems() == ()
    adopt(school, previous, make_user(Role.DIRECTIE, school))
    assert current_version(school) == previous


def test_a_version_stored_before_the_legal_minimum_keeps_working_but_cannot_be_adopted(school, people,
                                                                                      verified_client, db):
    text = VLINDER_TEXT.replace("child_involvement_age: 10", "child_involvement_age: 14")
    legacy = MeldcodeVersion.objects.create(key="de-vlinder", version="2024.1", title="Vlinder oud", source=text,
                                            owner_school=school)
    assert legacy.definition().child_involvement_age == 14  # its open cases still load
    assert legacy.legal_problems() and "hoogstens 12" in legacy.legal_problems()[0]
    with pytest.raises(VersionRefused):
        adopt(school, legacy, None)
    client = verified_client(people[Role.DIRECTIE])
    url = reverse("protocol:versions", args=[school.slug])
    page = client.get(f"{url}?vaststellen={legacy.pk}").content.decode()
    assert "voldoet niet aan het wettelijk minimum" in page and 'name="confirm"' not in page
    response = client.post(url, {"action": "adopt", "version": legacy.pk, "confirm": "on"})
    assert response.status_code == 302 and current_version(school) is None


@pytest.mark.parametrize("value", ["9" * 5000, "²", "99999999999999999999", "-1", "1e3"])
def test_an_odd_version_number_in_the_address_is_ignored_not_a_server_error(value, school, people, verified_client,
                                                                           shipped_versions):
    url = reverse("protocol:versions", args=[school.slug])
    response = verified_client(people[Role.DIRECTIE]).get(url, {"vaststellen": value})
    assert response.status_code == 200 and "Vaststellen:" not in response.content.decode()


@pytest.mark.parametrize("value", ["9" * 5000, "²", "99999999999999999999"])
def test_adopting_an_odd_version_number_is_not_found(value, school, people, verified_client, shipped_versions):
    response = verified_client(people[Role.DIRECTIE]).post(reverse("protocol:versions", args=[school.slug]),
                                                           {"action": "adopt", "version": value, "confirm": "on"})
    assert response.status_code == 404


def test_the_diff_of_a_version_number_too_large_for_the_database_is_not_found(school, people, verified_client,
                                                                             shipped_versions):
    url = reverse("protocol:diff", args=[school.slug, shipped_versions["de-sprong"].pk, 10**25])
    assert verified_client(people[Role.IB]).get(url).status_code == 404


@pytest.mark.parametrize(("old", "new"), [
    ("        record: signal\n", "        record: [signal]\n"),
    ("        where: {purpose: parent}\n        before", "        where: {[purpose]: parent}\n        before"),
    ("    carried_out_by: [leerkracht]\n", "    carried_out_by: [{rol: leerkracht}]\n"),
    ('version: "2025.2"', 'version: "' + "1" * 41 + '"'),
])
def test_a_malformed_upload_is_answered_with_its_problems(old, new, school, people, verified_client):
    assert VLINDER_TEXT.count(old) == 1
    response = upload(verified_client(people[Role.IB]), school, VLINDER_TEXT.replace(old, new))
    assert response.status_code == 400 and "Het bestand heeft" in response.content.decode()
    assert not MeldcodeVersion.objects.exists()


def test_the_diff_page_lists_the_differences(school, people, verified_client, shipped_versions):
    a, b = shipped_versions["jso-2010"], shipped_versions["de-sprong"]
    response = verified_client(people[Role.LEERKRACHT]).get(reverse("protocol:diff", args=[school.slug, a.pk, b.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Stap 3 › eisen › parent_conversation › aanwezige rollen" in html
    assert "Veilig Thuis Drenthe" in html


def test_the_diff_page_hides_another_schools_own_version(school, other_school, people, verified_client,
                                                         shipped_versions):
    own = MeldcodeVersion.objects.create(key="de-vlinder", version="2025.1", title="Vlinder",
                                         source=VLINDER.read_text(encoding="utf-8"), owner_school=other_school)
    url = reverse("protocol:diff", args=[school.slug, shipped_versions["de-sprong"].pk, own.pk])
    assert verified_client(people[Role.IB]).get(url).status_code == 404


# --- Commands -----------------------------------------------------------------------------------------

def test_protocol_validate_accepts_the_shipped_files(capsys):
    call_command("protocol_validate", *[str(shipped_path(k)) for k in ("landelijk-2019", "jso-2010", "de-sprong")],
                 str(VLINDER))
    assert capsys.readouterr().out.count(": geldig") == 4


def test_protocol_validate_fails_with_file_line_messages(tmp_path, capsys):
    broken = tmp_path / "kapot.yaml"
    broken.write_text(NATIONAL_TEXT.replace("yes: {next: onveiligheid}", "yes: {next: nergens}"), encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("protocol_validate", str(broken))
    assert caught.value.returncode == 1
    line = broken.read_text().splitlines().index("    yes: {next: nergens}") + 1
    assert f"{broken}:{line}: Afwegingskader, vraag 'vermoeden', ja: 'next' wijst naar vraag 'nergens'" in \
        capsys.readouterr().err


def test_protocol_load_stores_and_adopts_for_the_school(school, make_user):
    director = make_user(Role.DIRECTIE, school)
    call_command("protocol_load", str(VLINDER), "--school", school.slug, "--adopted-by", director.email)
    version = current_version(school)
    assert version.key == "de-vlinder" and version.owner_school == school
    assert Adoption.objects.get(school=school).adopted_by == director
    call_command("protocol_load", str(VLINDER), "--school", school.slug)  # same file again: adopts, no duplicate
    assert MeldcodeVersion.objects.filter(key="de-vlinder").count() == 1


def test_protocol_load_refuses_an_unknown_school(db):
    with pytest.raises(CommandError, match="Onbekende school"):
        call_command("protocol_load", str(VLINDER), "--school", "bestaat-niet")


def test_pasted_meldcode_text_larger_than_the_upload_limit_is_refused_before_it_is_read(
        school, people, verified_client, shipped_versions, monkeypatch):
    import protocol.views

    def must_not_run(*args, **kwargs):
        raise AssertionError("the oversized text reached the validator")

    # A valid meldcode with a 600 kB comment: were it read, it would be stored.
    text = VLINDER.read_text(encoding="utf-8") + "\n# " + "x" * (600 * 1024) + "\n"
    monkeypatch.setattr(protocol.views, "store_version", must_not_run)
    response = verified_client(people[Role.DIRECTIE]).post(reverse("protocol:versions", args=[school.slug]),
                                                           {"action": "upload", "text": text})
    assert response.status_code == 400  # refused: the page again, with what is wrong
    assert "De geplakte tekst is groter dan 512 kB" in response.content.decode()
    assert "x" * 1000 not in response.content.decode()  # not echoed back in the text box
    assert not MeldcodeVersion.objects.filter(key="de-vlinder").exists()


def test_pasted_text_counts_its_bytes_not_its_characters(school, people, verified_client, shipped_versions):
    # 200,000 characters of three bytes each: 600 kB.
    text = VLINDER.read_text(encoding="utf-8") + "\n# " + "€" * 200_000 + "\n"
    response = verified_client(people[Role.DIRECTIE]).post(reverse("protocol:versions", args=[school.slug]),
                                                           {"action": "upload", "text": text})
    assert "De geplakte tekst is groter dan 512 kB" in response.content.decode()
    assert not MeldcodeVersion.objects.filter(key="de-vlinder").exists()


def test_an_uploaded_file_with_a_nul_byte_is_refused_with_a_message_not_a_500(school, people, verified_client,
                                                                                shipped_versions):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("meldcode.yaml", VLINDER.read_bytes() + b"\n# a\x00b\n", content_type="text/yaml")
    response = verified_client(people[Role.DIRECTIE]).post(reverse("protocol:versions", args=[school.slug]),
                                                           {"action": "upload", "file": upload})
    assert response.status_code == 400  # refused: the page again, with what is wrong
    assert "onzichtbare stuurtekens" in response.content.decode()
    assert not MeldcodeVersion.objects.filter(key="de-vlinder").exists()
