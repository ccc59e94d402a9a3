"""Entries the board shares with all its schools: made and kept by the bestuur, read by every school."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from conftest import make_school
from core.testing import loaded_state
from socialmap.models import Organisation

pytestmark = pytest.mark.django_db

NO_PHONES = {"phones-TOTAL_FORMS": "0", "phones-INITIAL_FORMS": "0"}


def url(name, school, **kwargs):
    return reverse(f"socialmap:{name}", kwargs={"school_slug": school.slug, **kwargs})


@pytest.fixture
def sister_school(board):
    return make_school(board, "De Regenboog")


@pytest.fixture
def shared(school):
    return Organisation.objects.create(board=school.board, name="Veilig Thuis Drenthe", kind="veilig_thuis")


def test_the_bestuur_adds_an_entry_that_every_school_of_the_board_sees(
        school, sister_school, other_school, make_user, verified_client):
    bestuur = verified_client(make_user(Role.BESTUUR, school))
    response = bestuur.post(url("create", school), {"name": "Veilig Thuis Drenthe", "kind": "veilig_thuis",
                                                    **NO_PHONES})
    assert response.status_code == 302
    entry = Organisation.objects.get(name="Veilig Thuis Drenthe")
    assert (entry.board_id, entry.school_id) == (school.board_id, None)
    assert list(Organisation.objects.for_school(sister_school)) == [entry]
    assert list(Organisation.objects.for_school(other_school)) == []
    page = verified_client(make_user(Role.LEERKRACHT, sister_school)).get(url("list", sister_school))
    assert "Veilig Thuis Drenthe" in page.content.decode() and "van het bestuur" in page.content.decode()
    event = AuditEvent.objects.get(action="socialmap.organisation_created")
    assert event.school_id == school.pk and event.details["shared"] is True


def test_a_coordinator_cannot_change_or_delete_what_the_board_shares(school, shared, make_user, verified_client):
    client = verified_client(make_user(Role.IB, school))
    assert url("edit", school, pk=shared.pk) not in client.get(url("list", school)).content.decode()
    assert client.get(url("edit", school, pk=shared.pk)).status_code == 404
    assert client.post(url("edit", school, pk=shared.pk), {"name": "Anders", "kind": "other",
                                                            **NO_PHONES}).status_code == 404
    assert client.post(url("delete", school, pk=shared.pk)).status_code == 404
    shared.refresh_from_db()
    assert shared.name == "Veilig Thuis Drenthe"


def test_a_coordinator_cannot_make_an_entry_shared(school, sister_school, make_user, verified_client):
    client = verified_client(make_user(Role.IB, school))
    assert "Delen met alle scholen" not in client.get(url("create", school)).content.decode()
    client.post(url("create", school), {"name": "GGD Drenthe", "kind": "jgz", "shared": "on", **NO_PHONES})
    entry = Organisation.objects.get(name="GGD Drenthe")
    assert (entry.school_id, entry.board_id) == (school.pk, None)
    assert list(Organisation.objects.for_school(sister_school)) == []


def test_the_bestuur_changes_and_deletes_a_shared_entry_from_any_of_its_schools(
        school, sister_school, shared, make_user, verified_client):
    bestuur = make_user(Role.BESTUUR, sister_school)
    client = verified_client(bestuur)
    edit = url("edit", sister_school, pk=shared.pk)
    response = client.post(edit, {**loaded_state(client, edit), "name": "Veilig Thuis Drenthe", "kind": "veilig_thuis",
                                  "contact_person": "Advies en meldpunt", **NO_PHONES})
    assert response.status_code == 302
    shared.refresh_from_db()
    assert shared.contact_person == "Advies en meldpunt" and shared.is_shared
    assert client.post(url("delete", sister_school, pk=shared.pk)).status_code == 302
    assert not Organisation.objects.filter(pk=shared.pk).exists()


def test_the_bestuur_cannot_touch_a_schools_own_entries_or_another_boards(
        school, other_school, make_user, verified_client):
    own = Organisation.objects.create(school=school, name="Wijkteam Zuid")
    foreign = Organisation.objects.create(board=other_school.board, name="Veilig Thuis Twente")
    client = verified_client(make_user(Role.BESTUUR, school))
    assert client.get(url("edit", school, pk=own.pk)).status_code == 404
    assert client.get(url("edit", school, pk=foreign.pk)).status_code == 404
    assert client.get(url("import", school)).status_code == 404


def test_a_name_the_board_already_shares_is_refused(school, shared, make_user, verified_client):
    client = verified_client(make_user(Role.BESTUUR, school))
    response = client.post(url("create", school), {"name": "veilig thuis drenthe", "kind": "veilig_thuis",
                                                   **NO_PHONES})
    assert response.status_code == 400
    assert "deelt deze organisatie al" in response.content.decode()
    assert Organisation.objects.count() == 1


def test_someone_with_both_roles_chooses_whether_to_share(school, make_user, verified_client):
    person = make_user(Role.IB, school)
    from accounts.models import Membership

    Membership.objects.create(user=person, school=school, role=Role.BESTUUR)
    client = verified_client(person)
    assert "Delen met alle scholen" in client.get(url("create", school)).content.decode()
    client.post(url("create", school), {"name": "Politie", "kind": "police", **NO_PHONES})
    client.post(url("create", school), {"name": "Crisisdienst", "kind": "crisis", "shared": "on", **NO_PHONES})
    assert Organisation.objects.get(name="Politie").school_id == school.pk
    assert Organisation.objects.get(name="Crisisdienst").board_id == school.board_id
