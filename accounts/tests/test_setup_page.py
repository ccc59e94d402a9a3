"""The set-up page of an installation administrator, and the checklist a new school's directie sees."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, User
from accounts.roles import Role
from audit.models import AuditEvent
from schools.models import Board, Pupil, School


@pytest.fixture
def admin(make_user):
    return make_user(is_superuser=True, is_staff=True, name="Ina Installatie")


def post(client, action, **fields):
    return client.post(reverse("accounts:setup"), {"action": action, **{f"{action}-{k}": v for k, v in fields.items()}},
                       follow=True)


def test_an_installation_administrator_sets_up_a_board_and_school_and_invites_its_directie(
        admin, verified_client, mailoutbox):
    client = verified_client(admin)
    assert reverse("accounts:setup") in client.get(reverse("core:home")).text
    page = post(client, "board", name="Stichting Noorderlicht")
    assert "Schoolbestuur Stichting Noorderlicht aangemaakt." in page.text
    board = Board.objects.get(slug="stichting-noorderlicht")
    page = post(client, "school", board=board.pk, name="De Wilg", brin="99ZZ", invite_email="jan@example.org",
                invite_name="Jan Wit", invite_role="directie")
    assert "School De Wilg aangemaakt." in page.text
    assert "Uitnodiging gemaild naar Jan Wit &lt;jan@example.org&gt; voor De Wilg." in page.text
    assert "uitnodiging nog niet gebruikt" in page.text
    school = School.objects.get(slug="de-wilg")
    assert Membership.objects.filter(user__email="jan@example.org", school=school, role=Role.DIRECTIE).exists()
    assert len(mailoutbox) == 1
    # The events name the administrator who did it.
    assert set(AuditEvent.objects.filter(actor_id=admin.pk).values_list("action", flat=True)) >= {
        "setup.board_created", "setup.school_created", "auth.invitation_sent", "staff.role_added"}


def test_the_page_does_what_the_commands_do_again_without_changing_anything(admin, verified_client, mailoutbox):
    client = verified_client(admin)
    post(client, "board", name="Stichting Noorderlicht")
    board = Board.objects.get()
    fields = {"board": board.pk, "name": "De Wilg", "brin": "99ZZ", "invite_email": "jan@example.org",
              "invite_name": "Jan Wit", "invite_role": "beheer"}
    post(client, "school", **fields)
    again = post(client, "school", **fields)
    assert "School De Wilg bestaat al; niets gewijzigd." in again.text
    assert "had deze rol bij De Wilg al" in again.text
    assert (Board.objects.count(), School.objects.count(), User.objects.count()) == (1, 1, 2)
    assert len(mailoutbox) == 1
    post(client, "invite", school=School.objects.get().pk, invite_email="jan@example.org", invite_role="beheer",
         resend="on")
    assert len(mailoutbox) == 2


def test_a_refused_step_saves_nothing_and_says_why(admin, verified_client, board, school, mailoutbox):
    client = verified_client(admin)
    page = post(client, "school", board=board.pk, name="Andere School", brin=school.brin,
                invite_email="x@example.org", invite_name="X", invite_role="directie")
    assert page.status_code == 400
    assert f"BRIN-nummer {school.brin} hoort al bij De Sprong." in page.text
    assert not School.objects.filter(name="Andere School").exists()
    assert not User.objects.filter(email="x@example.org").exists() and not mailoutbox


def test_only_an_installation_administrator_reaches_the_page(school, make_user, verified_client, admin):
    for role in Role.values:
        person = make_user(role, school)
        client = verified_client(person)
        assert client.get(reverse("accounts:setup")).status_code == 404
        assert post(client, "board", name="Stichting Stiekem").status_code == 404
        assert reverse("accounts:setup") not in client.get(reverse("core:home")).text
    assert not Board.objects.filter(name="Stichting Stiekem").exists()
    # An administrator who gave only the password is sent to the second factor first.
    half = Client()
    half.force_login(admin)
    response = half.get(reverse("accounts:setup"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:verify"))
    assert half.post(reverse("accounts:setup"), {"action": "board", "board-name": "Stichting Half"}).status_code == 302
    assert not Board.objects.filter(name="Stichting Half").exists()


def test_the_setup_functions_refuse_an_actor_who_is_not_an_installation_administrator(school, make_user):
    from django.core.exceptions import PermissionDenied

    from accounts import setup

    beheerder = make_user(Role.BEHEER, school)
    with pytest.raises(PermissionDenied):
        setup.invite(school, email="x@example.org", full_name="X", role=Role.DIRECTIE, actor=beheerder)
    with pytest.raises(setup.SetupRefused):
        setup.invite(school, email="x@example.org", full_name="X", role=Role.LEERKRACHT)
    assert not User.objects.filter(email="x@example.org").exists()


# --- the checklist on the home page ------------------------------------------------------------------------

def checklist_state(page):
    import re

    return dict(re.findall(r'data-check="(\w+)" data-done="(\w+)"', page.text))


def test_a_new_schools_directie_sees_what_is_still_missing_with_links_to_fix_it(school, make_user, verified_client):
    directie = make_user(Role.DIRECTIE, school)
    page = verified_client(directie).get(reverse("core:home"))
    assert checklist_state(page) == {key: "nee" for key in
                                     ("meldcode", "ib", "socialmap", "pupils", "staff", "training")}
    assert "Nog te doen voor De Sprong" in page.text
    for name, args in (("protocol:versions", [school.slug]), ("socialmap:list", [school.slug]),
                       ("documents:training", [school.slug])):
        assert reverse(name, args=args) in page.text
    # Staff and pupil imports are the functioneel beheerder's: the directie is told who, not sent to a 404.
    assert reverse("schools:import_staff", args=[school.slug]) not in page.text
    assert "te regelen door: functioneel beheerder" in page.text


def test_the_checklist_follows_what_the_school_has_done(school, make_user, verified_client):
    from documents.models import TrainingRecord
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions
    from socialmap.models import Organisation

    directie = make_user(Role.DIRECTIE, school)
    client = verified_client(directie)
    ensure_shipped_versions()
    adopt(school, MeldcodeVersion.objects.filter(key="landelijk-2019").first(), directie)
    make_user(Role.IB, school)
    Organisation.objects.create(school=school, name="Veilig Thuis Drenthe")
    Pupil.objects.create(school=school, first_name="Sanne", last_name="de Vries", date_of_birth=date(2017, 9, 12))
    teacher = make_user(Role.LEERKRACHT, school)
    state = checklist_state(client.get(reverse("core:home")))
    assert state == {"meldcode": "ja", "ib": "ja", "socialmap": "ja", "pupils": "ja", "staff": "ja",
                     "training": "nee"}
    for person in User.objects.filter(memberships__school=school).distinct():
        TrainingRecord.objects.create(user=person, school=school, course="Meldcode basis", date=date.today())
    page = client.get(reverse("core:home"))
    # All done: the checklist goes away.
    assert checklist_state(page) == {} and "Nog te doen" not in page.text
    assert teacher


def test_a_teacher_sees_no_checklist(school, make_user, verified_client):
    teacher = make_user(Role.LEERKRACHT, school)
    assert "Nog te doen" not in verified_client(teacher).get(reverse("core:home")).text
