"""Stored versions, adoption, the diff, the screens and the commands."""

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
    adopt,
    current_version,
    default_version,
    ensure_shipped_versions,
)

VLINDER = DEFINITIONS_DIR / "examples" / "de-vlinder.yaml"
NATIONAL_TEXT = shipped_path("landelijk-2019").read_text(encoding="utf-8")


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
    assert "Vechtscheiding" in html and "<script" not in html and "style=" not in html


def test_a_school_without_adoption_sees_the_national_model(school, people, verified_client):
    response = verified_client(people[Role.LEERKRACHT]).get(reverse("protocol:show", args=[school.slug]))
    assert "nog geen eigen meldcode vastgesteld" in response.content.decode()
    assert "landelijk model 2019" in response.content.decode()


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
    assert response.status_code == 200
    assert f"Regel {line}</strong>: Stap 1: onbekende rol &#x27;ouder&#x27;" in html
    assert f"{line} |     involved: [ouder]" in html
    assert not MeldcodeVersion.objects.filter(key="de-uil").exists()


def test_uploading_an_existing_version_again_is_refused(school, people, verified_client, shipped_versions):
    response = verified_client(people[Role.IB]).post(reverse("protocol:versions", args=[school.slug]),
                                                     {"action": "upload", "text": NATIONAL_TEXT})
    assert "Versie 2019.1 van &#x27;landelijk-2019&#x27; bestaat al" in response.content.decode()


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
