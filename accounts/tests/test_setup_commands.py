"""create_board and create_school: a new board and school, and the first directie or beheerder invited by e-mail."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, User
from accounts.roles import Role
from audit.models import AuditEvent
from schools.models import Board, School


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def invitation_link(message):
    return next(line.strip() for line in message.body.splitlines() if "/wachtwoord-kiezen/" in line)


@pytest.fixture
def noord(db):
    run("create_board", "Stichting Noorderlicht")
    return Board.objects.get(slug="stichting-noorderlicht")


def test_create_board_makes_the_board_once_and_says_so_the_second_time(db):
    first = run("create_board", "Stichting Noorderlicht")
    second = run("create_board", "Stichting Noorderlicht")
    assert "Schoolbestuur Stichting Noorderlicht aangemaakt (stichting-noorderlicht)" in first
    assert "bestaat al; niets gewijzigd" in second
    assert Board.objects.filter(name="Stichting Noorderlicht").count() == 1
    assert AuditEvent.objects.filter(action="setup.board_created").count() == 1


def test_create_board_does_not_rename_an_existing_board_but_says_so(noord):
    output = run("create_board", "Stichting Zuiderlicht", "--slug", "stichting-noorderlicht")
    assert "niets gewijzigd" in output and "niet gewijzigd" in output
    noord.refresh_from_db()
    assert noord.name == "Stichting Noorderlicht"


def test_create_school_invites_the_first_directie_by_email(noord, mailoutbox, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    output = run("create_school", "O.B.S. De Wilg", "--board", noord.slug, "--brin", "99zz",
                 "--invite", "Jan.Wit@Example.org", "--role", "directie", "--name", "Jan Wit")
    school = School.objects.get(slug="obs-de-wilg")
    assert school.brin == "99ZZ" and school.board == noord
    jan = User.objects.get(email="jan.wit@example.org")
    assert not jan.has_usable_password()
    assert Membership.objects.filter(user=jan, school=school, role=Role.DIRECTIE).exists()
    assert "Uitnodiging gemaild naar jan.wit@example.org" in output
    (message,) = mailoutbox
    assert message.to == ["jan.wit@example.org"]
    assert "O.B.S. De Wilg" in message.subject
    assert invitation_link(message).startswith("http://127.0.0.1:8123/account/wachtwoord-kiezen/")
    assert AuditEvent.objects.filter(action="auth.invitation_sent", school_id=school.pk).count() == 1


def test_create_school_twice_changes_nothing_and_sends_no_second_invitation(noord, mailoutbox):
    args = ("create_school", "De Wilg", "--board", noord.slug, "--brin", "99ZZ",
            "--invite", "jan@example.org", "--role", "beheer", "--name", "Jan Wit")
    run(*args)
    counts = (School.objects.count(), User.objects.count(), Membership.objects.count(), AuditEvent.objects.count())
    second = run(*args)
    assert "bestaat al bij Stichting Noorderlicht; niets gewijzigd" in second
    assert "had de rol beheer bij De Wilg al; niets gewijzigd" in second
    assert (School.objects.count(), User.objects.count(), Membership.objects.count(),
            AuditEvent.objects.count()) == counts
    assert len(mailoutbox) == 1
    run(*args, "--resend")
    assert len(mailoutbox) == 2


def test_create_school_refuses_an_unknown_board_a_taken_brin_and_another_boards_slug(noord, db):
    with pytest.raises(CommandError, match="bestaat niet"):
        run("create_school", "De Wilg", "--board", "nergens", "--brin", "99ZZ")
    run("create_school", "De Wilg", "--board", noord.slug, "--brin", "99ZZ")
    with pytest.raises(CommandError, match="hoort al bij De Wilg"):
        run("create_school", "De Eik", "--board", noord.slug, "--brin", "99ZZ")
    run("create_board", "Stichting Zuid")
    with pytest.raises(CommandError, match="ander schoolbestuur"):
        run("create_school", "De Wilg", "--board", "stichting-zuid", "--brin", "11AA")
    assert School.objects.count() == 1


def test_the_first_person_must_be_directie_or_beheerder_and_a_new_account_needs_a_name(noord, mailoutbox):
    with pytest.raises(CommandError, match="invalid choice"):
        run("create_school", "De Wilg", "--board", noord.slug, "--brin", "99ZZ",
            "--invite", "a@example.org", "--role", "leerkracht")
    with pytest.raises(CommandError, match="naam"):
        run("create_school", "De Wilg", "--board", noord.slug, "--brin", "99ZZ",
            "--invite", "a@example.org", "--role", "directie")
    # Refused as a whole: not even the school was kept.
    assert not School.objects.exists() and not User.objects.exists() and not mailoutbox


def test_create_board_invites_a_beheerder_at_each_of_its_schools_but_not_for_a_board_without_schools(
        noord, mailoutbox):
    with pytest.raises(CommandError, match="nog geen scholen"):
        run("create_board", "Stichting Leeg", "--invite", "b@example.org", "--role", "beheer", "--name", "Bea")
    assert not Board.objects.filter(slug="stichting-leeg").exists()
    run("create_school", "De Wilg", "--board", noord.slug, "--brin", "99ZZ")
    run("create_school", "De Eik", "--board", noord.slug, "--brin", "98ZZ")
    run("create_board", "Stichting Noorderlicht", "--invite", "b@example.org", "--role", "beheer", "--name", "Bea")
    bea = User.objects.get(email="b@example.org")
    assert set(Membership.objects.filter(user=bea).values_list("school__name", "role")) == {
        ("De Wilg", "beheer"), ("De Eik", "beheer")}
    assert len(mailoutbox) == 2


def test_an_existing_account_gets_the_role_and_a_note_without_a_password_link(noord, make_user, mailoutbox):
    person = make_user(name="Iris Oud")
    run("create_school", "De Wilg", "--board", noord.slug, "--brin", "99ZZ",
        "--invite", person.email, "--role", "directie")
    (message,) = mailoutbox
    assert "/wachtwoord-kiezen/" not in message.body
    assert "/account/inloggen/" in message.body
    assert person.check_password("correct-horse-battery-staple")
