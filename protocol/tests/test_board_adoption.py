"""A board (bevoegd gezag) adopts one meldcode version for all or some of its schools (issue 13). Under the Wet
meldcode (Wmo 2015 art. 4.2 / Wet verplichte meldcode, art. 1a Besluit verplichte meldcode) the bevoegd gezag
sets the meldcode; the board's version shows as the board's, each school keeps its own sociale kaart, and a
school may still adopt its own afterwards."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Case
from conftest import make_school
from core.testing import with_key
from protocol.models import (
    BoardAdoption,
    MeldcodeVersion,
    adopt,
    adopt_for_board,
    board_of_case,
    current_version,
    ensure_shipped_versions,
)
from socialmap.models import Organisation


@pytest.fixture
def shipped(db):
    ensure_shipped_versions()
    return {v.key: v for v in MeldcodeVersion.objects.filter(owner_school__isnull=True, owner_board__isnull=True)}


@pytest.fixture
def sister(board):
    return make_school(board, "De Wilg")


def post_board(client, school, data):
    return client.post(reverse("protocol:board", args=[school.slug]), data)


def test_the_board_adopts_one_version_for_all_its_schools(school, sister, other_school, people, shipped,
                                                          verified_client):
    client = verified_client(people[Role.BESTUUR])
    response = post_board(client, school, {"version": shipped["de-sprong"].pk, "scope": "all", "confirm": "on"})
    assert response.status_code == 302
    assert current_version(school) == shipped["de-sprong"]
    assert current_version(sister) == shipped["de-sprong"]
    assert current_version(other_school) is None  # another board's school is not touched
    # Audited for every school it covers.
    events = AuditEvent.objects.filter(action="meldcode.board_adopt")
    assert set(events.values_list("school_id", flat=True)) == {school.pk, sister.pk}


def test_the_board_can_adopt_for_some_schools_only(school, sister, people, shipped, verified_client):
    client = verified_client(people[Role.BESTUUR])
    response = post_board(client, school, {"version": shipped["de-sprong"].pk, "scope": "some",
                                           "schools": [sister.pk], "confirm": "on"})
    assert response.status_code == 302
    assert current_version(sister) == shipped["de-sprong"]
    assert current_version(school) is None


def test_some_schools_without_a_school_ticked_is_refused_and_changes_nothing(school, people, shipped,
                                                                             verified_client):
    client = verified_client(people[Role.BESTUUR])
    response = post_board(client, school, {"version": shipped["de-sprong"].pk, "scope": "some", "confirm": "on"})
    assert response.status_code == 400
    assert "Vink minstens één school aan" in response.content.decode()
    assert not BoardAdoption.objects.exists()


def test_a_school_of_another_board_cannot_be_chosen(school, other_school, people, shipped, verified_client):
    client = verified_client(people[Role.BESTUUR])
    response = post_board(client, school, {"version": shipped["de-sprong"].pk, "scope": "some",
                                           "schools": [other_school.pk], "confirm": "on"})
    assert response.status_code == 400
    assert current_version(other_school) is None and not BoardAdoption.objects.exists()


@pytest.mark.parametrize("role", [Role.LEERKRACHT, Role.IB, Role.DIRECTIE])
def test_only_the_board_role_may_adopt_for_the_board(role, school, people, shipped, verified_client):
    client = verified_client(people[role])
    assert client.get(reverse("protocol:board", args=[school.slug])).status_code == 404
    response = post_board(client, school, {"version": shipped["de-sprong"].pk, "scope": "all", "confirm": "on"})
    assert response.status_code == 404
    assert not BoardAdoption.objects.exists()


def test_an_outsider_gets_404(other_school, school, make_user, shipped, verified_client):
    outsider = make_user(Role.BESTUUR, other_school)
    assert verified_client(outsider).get(reverse("protocol:board", args=[school.slug])).status_code == 404


def test_the_meldcode_page_and_the_case_show_it_as_the_boards(school, people, shipped, pupil, verified_client):
    adopt_for_board(school.board, shipped["de-sprong"], by=people[Role.BESTUUR])
    page = verified_client(people[Role.LEERKRACHT]).get(reverse("protocol:show", args=[school.slug])).content.decode()
    assert "De meldcode van het bestuur Stichting Test" in page
    teacher = verified_client(people[Role.LEERKRACHT])
    response = teacher.post(reverse("cases:open", args=[school.slug]), with_key({"pupil": pupil.pk, "route": "regular"}))
    assert response.status_code == 302
    case = Case.objects.get(pupil=pupil)
    assert case.meldcode_version == shipped["de-sprong"]
    assert board_of_case(case) == school.board
    detail = verified_client(people[Role.IB]).get(reverse("cases:detail", args=[case.reference])).content.decode()
    assert "van het bestuur Stichting Test" in detail


def test_a_school_that_adopts_its_own_afterwards_keeps_its_own(school, sister, people, shipped):
    adopt_for_board(school.board, shipped["de-sprong"], by=people[Role.BESTUUR])
    adopt(school, shipped["landelijk-2019"], people[Role.DIRECTIE])
    assert current_version(school) == shipped["landelijk-2019"]
    assert current_version(sister) == shipped["de-sprong"]


def test_each_school_keeps_its_own_sociale_kaart(school, sister, people, shipped):
    Organisation.objects.create(school=school, name="Wijkteam Noord", kind="other")
    adopt_for_board(school.board, shipped["de-sprong"], by=people[Role.BESTUUR])
    assert Organisation.objects.for_school(sister).filter(name="Wijkteam Noord").count() == 0
    assert Organisation.objects.for_school(school).filter(name="Wijkteam Noord").count() == 1


def test_a_version_of_another_school_cannot_be_adopted_by_the_board(school, other_school, people):
    from protocol.definition import shipped_path
    from protocol.models import store_version

    source = (shipped_path("landelijk-2019").parent / "examples" / "de-vlinder.yaml").read_text(encoding="utf-8")
    own = store_version(source, filename="de-vlinder.yaml", school=other_school)
    with pytest.raises(ValueError):
        adopt_for_board(school.board, own)
