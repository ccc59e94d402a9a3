"""Managing accounts is never a way into dossiers or into another board's accounts (issue 12, findings 1 and 2).

Every change to roles, password or second factor goes through schools.staff.check_account_change: nobody
changes their own account there, and accounts that (would) span boards are for an installation administrator.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_otp import devices_for_user

from accounts.models import Membership, PendingRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from conftest import make_school
from schools import imports, staff

pytestmark = pytest.mark.django_db


def add_by_form(client, school, email, role=Role.LEERKRACHT):
    return client.post(reverse("schools:staff", args=[school.slug]),
                       {"full_name": "Iemand", "email": email, "role": role, "job_title": ""})


def import_staff(client, school, rows):
    url = reverse("schools:import_staff", args=[school.slug])
    body = "naam;email;rol\n" + "".join(f"Iemand;{email};{role}\n" for email, role in rows)
    preview = client.post(url, {"file": SimpleUploadedFile("staff.csv", body.encode(), content_type="text/csv")})
    assert preview.status_code == 200, preview.text
    return client.post(url, {"action": "confirm"})


def test_a_beheerder_cannot_make_themselves_a_teacher_through_the_staff_form(school, people, verified_client):
    beheerder = people[Role.BEHEER]
    response = add_by_form(verified_client(beheerder), school, beheerder.email.upper())
    assert response.status_code == 400
    assert "Uw eigen rollen" in response.text
    assert beheerder.roles_at(school) == {Role.BEHEER}
    assert AuditEvent.objects.get(action="staff.change_refused").details["change"] == staff.IMPORT


def test_a_beheerder_cannot_make_themselves_a_teacher_through_the_staff_import(school, people, verified_client):
    beheerder = people[Role.BEHEER]
    response = import_staff(verified_client(beheerder), school, [("nieuw@example.org", "leerkracht"),
                                                                  (beheerder.email, "leerkracht")])
    assert response.status_code == 400
    assert "Uw eigen rollen" in response.text
    assert beheerder.roles_at(school) == {Role.BEHEER}
    assert not User.objects.filter(email="nieuw@example.org").exists()  # all or nothing


def test_a_beheerder_cannot_give_themselves_the_beheer_role_at_a_second_school_either(
        school, board, people, verified_client):
    sibling = make_school(board, "De Linde")
    beheerder = people[Role.BEHEER]
    Membership.objects.create(user=beheerder, school=sibling, role=Role.BEHEER)
    response = verified_client(beheerder).post(reverse("schools:staff_add_role", args=[school.slug, beheerder.pk]),
                                               {"role": Role.LEERKRACHT})
    assert response.status_code == 403
    assert beheerder.roles_at(school) == {Role.BEHEER}


def test_a_beheerder_cannot_pull_in_an_account_of_another_board(school, other_school, people, make_user,
                                                                  verified_client):
    outsider = make_user(Role.DIRECTIE, other_school)
    client = verified_client(people[Role.BEHEER])
    response = add_by_form(client, school, outsider.email)
    assert response.status_code == 400
    assert "ander schoolbestuur" in response.text
    assert not Membership.objects.filter(user=outsider, school=school).exists()
    assert not PendingRole.objects.filter(user=outsider).exists()
    assert import_staff(client, school, [(outsider.email, "leerkracht")]).status_code == 400
    assert not Membership.objects.filter(user=outsider, school=school).exists()


def test_an_account_that_spans_boards_is_left_to_the_installation_administrator(
        school, other_school, people, make_user, verified_client, mailoutbox):
    person = make_user(Role.DIRECTIE, other_school)
    Membership.objects.create(user=person, school=school, role=Role.LEERKRACHT)  # e.g. made so by an administrator
    client = verified_client(people[Role.BEHEER])
    password = person.password
    for name in ("schools:staff_reset_2fa", "schools:staff_unlock", "schools:staff_password_link"):
        response = client.post(reverse(name, args=[school.slug, person.pk]))
        assert response.status_code == 403, name
        assert "ander schoolbestuur" in response.text
    membership = person.memberships.get(school=school)
    assert client.post(reverse("schools:staff_remove_role", args=[school.slug, membership.pk])).status_code == 403
    assert client.post(reverse("schools:staff_add_role", args=[school.slug, person.pk]),
                       {"role": Role.BEHEER}).status_code == 403
    person.refresh_from_db()
    assert list(devices_for_user(person)) and person.password == password and not mailoutbox
    assert set(person.memberships.values_list("school_id", "role")) == {(other_school.pk, Role.DIRECTIE),
                                                                        (school.pk, Role.LEERKRACHT)}
    assert AuditEvent.objects.filter(action="staff.change_refused").count() == 5


def test_a_colleague_from_another_school_of_the_same_board_can_be_added(school, board, people, make_user,
                                                                          verified_client):
    colleague = make_user(Role.LEERKRACHT, make_school(board, "De Linde"))
    assert add_by_form(verified_client(people[Role.BEHEER]), school, colleague.email).status_code == 302
    assert colleague.roles_at(school) == {Role.LEERKRACHT}


def test_the_import_command_of_the_installation_administrator_may_span_boards(school, other_school, make_user):
    person = make_user(Role.DIRECTIE, other_school)
    parsed = imports.parse_staff_csv(f"naam;email;rol\nIemand;{person.email};leerkracht\n".encode())
    imports.save_staff(school, parsed)  # no actor: the command line
    assert person.roles_at(school) == {Role.LEERKRACHT}


def test_the_directie_does_not_confirm_a_role_for_an_account_of_another_board(school, other_school, people,
                                                                                make_user, verified_client):
    outsider = make_user(Role.LEERKRACHT, other_school)
    pending = PendingRole.objects.create(user=outsider, school=school, role=Role.IB, requested_by=None)
    response = verified_client(people[Role.DIRECTIE]).post(reverse("schools:role_requests", args=[school.slug]),
                                                           {"request": pending.pk, "decision": "confirm"})
    assert response.status_code == 403
    assert not Membership.objects.filter(user=outsider, school=school).exists()
    assert PendingRole.objects.filter(pk=pending.pk).exists()
