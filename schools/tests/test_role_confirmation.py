"""Four eyes on every new way into dossiers: roles that read them, given by the functioneel beheerder, only take
effect when someone of the directie confirms them."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Membership, PendingRole, User
from accounts.roles import Role
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def add_person(client, school, email, role):
    return client.post(reverse("schools:staff", args=[school.slug]), {
        "full_name": "Alias", "email": email, "role": role, "job_title": ""}, follow=True)


def test_a_beheerder_cannot_make_an_account_that_reads_dossiers_on_their_own(school, people, verified_client):
    beheer = verified_client(people[Role.BEHEER])
    page = add_person(beheer, school, "alias@example.net", Role.IB)
    assert "gaat in zodra iemand van de directie haar bevestigt" in page.text
    alias = User.objects.get(email="alias@example.net")
    assert not Membership.objects.filter(user=alias).exists()
    assert alias.pending_roles.get().role == Role.IB
    assert "wacht op bevestiging door de directie" in beheer.get(reverse("schools:staff", args=[school.slug])).text
    # The directie hears of it at once: who and which role, nothing from any dossier.
    assert [message.to for message in mail.outbox] == [[people[Role.DIRECTIE].email]]
    assert "alias@example.net" in mail.outbox[0].body and reverse(
        "schools:role_requests", args=[school.slug]) in mail.outbox[0].body
    assert AuditEvent.objects.get(action="staff.role_requested").details["role"] == Role.IB


@pytest.mark.parametrize("role", [Role.IB, Role.DIRECTIE, Role.BESTUUR, Role.PRIVACY])
def test_every_role_that_sees_dossier_data_waits_for_the_directie(school, people, verified_client, role):
    teacher = people[Role.LEERKRACHT]
    verified_client(people[Role.BEHEER]).post(reverse("schools:staff_add_role", args=[school.slug, teacher.pk]),
                                              {"role": role})
    assert teacher.roles_at(school) == {Role.LEERKRACHT}
    assert teacher.pending_roles.get().role == role


def test_a_teacher_role_takes_effect_at_once(school, people, verified_client):
    add_person(verified_client(people[Role.BEHEER]), school, "nieuw@example.net", Role.LEERKRACHT)
    assert User.objects.get(email="nieuw@example.net").roles_at(school) == {Role.LEERKRACHT}
    assert not PendingRole.objects.exists()


def test_the_directie_confirms_and_the_role_takes_effect(school, people, verified_client):
    add_person(verified_client(people[Role.BEHEER]), school, "ib2@example.net", Role.IB)
    directie = verified_client(people[Role.DIRECTIE])
    page = directie.get(reverse("schools:role_requests", args=[school.slug]))
    assert "ib2@example.net" in page.text
    pending = PendingRole.objects.get()
    directie.post(reverse("schools:role_requests", args=[school.slug]),
                  {"request": pending.pk, "decision": "confirm"})
    assert User.objects.get(email="ib2@example.net").roles_at(school) == {Role.IB}
    assert not PendingRole.objects.exists()
    event = AuditEvent.objects.get(action="staff.role_confirmed")
    assert event.actor_id == people[Role.DIRECTIE].pk and event.details["requested_by"] == people[Role.BEHEER].pk


def test_the_directie_refuses_and_nothing_takes_effect(school, people, verified_client):
    add_person(verified_client(people[Role.BEHEER]), school, "ib2@example.net", Role.IB)
    pending = PendingRole.objects.get()
    verified_client(people[Role.DIRECTIE]).post(reverse("schools:role_requests", args=[school.slug]),
                                                {"request": pending.pk, "decision": "refuse"})
    assert User.objects.get(email="ib2@example.net").roles_at(school) == set()
    assert not PendingRole.objects.exists()
    assert AuditEvent.objects.filter(action="staff.role_refused").exists()


@pytest.mark.parametrize("role", [Role.BEHEER, Role.IB, Role.LEERKRACHT, Role.PRIVACY, Role.BESTUUR])
def test_only_the_directie_can_confirm(school, people, verified_client, role):
    add_person(verified_client(people[Role.BEHEER]), school, "ib2@example.net", Role.IB)
    pending = PendingRole.objects.get()
    client = verified_client(people[role])
    assert client.get(reverse("schools:role_requests", args=[school.slug])).status_code == 404
    assert client.post(reverse("schools:role_requests", args=[school.slug]),
                       {"request": pending.pk, "decision": "confirm"}).status_code == 404
    assert PendingRole.objects.filter(pk=pending.pk).exists()


def test_nobody_confirms_a_role_for_themselves(school, people, make_user, verified_client):
    newcomer = make_user(Role.DIRECTIE, school)
    PendingRole.objects.create(user=newcomer, school=school, role=Role.IB, requested_by=people[Role.BEHEER])
    response = verified_client(newcomer).post(reverse("schools:role_requests", args=[school.slug]), {
        "request": PendingRole.objects.get().pk, "decision": "confirm"}, follow=True)
    assert "Een rol voor uzelf bevestigt een andere collega van de directie." in response.text
    assert newcomer.roles_at(school) == {Role.DIRECTIE}


def test_the_directie_of_another_school_cannot_confirm(school, other_school, people, make_user, verified_client):
    add_person(verified_client(people[Role.BEHEER]), school, "ib2@example.net", Role.IB)
    outsider = verified_client(make_user(Role.DIRECTIE, other_school))
    response = outsider.post(reverse("schools:role_requests", args=[other_school.slug]),
                             {"request": PendingRole.objects.get().pk, "decision": "confirm"})
    assert response.status_code == 404
    assert PendingRole.objects.exists()


def test_a_directie_member_who_also_manages_accounts_grants_directly(school, people, verified_client):
    directie = people[Role.DIRECTIE]
    Membership.objects.create(user=directie, school=school, role=Role.BEHEER)
    add_person(verified_client(directie), school, "ib2@example.net", Role.IB)
    assert User.objects.get(email="ib2@example.net").roles_at(school) == {Role.IB}


def test_a_pending_role_opens_no_dossier(school, people, make_user, verified_client, pupil):
    from cases.models import Case
    from protocol.models import MeldcodeVersion, adopt, ensure_shipped_versions

    ensure_shipped_versions()
    version = MeldcodeVersion.objects.get(key="landelijk-2019")
    adopt(school, version, people[Role.DIRECTIE])
    case = Case.objects.create(school=school, pupil=pupil, meldcode_version=version, opened_by=people[Role.IB],
                               coordinator=people[Role.IB])
    alias = make_user()
    PendingRole.objects.create(user=alias, school=school, role=Role.IB, requested_by=people[Role.BEHEER])
    client = verified_client(alias)
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    assert client.get(reverse("cases:overview", args=[school.slug])).status_code == 404


def test_a_bad_request_id_is_a_404(school, people, verified_client):
    response = verified_client(people[Role.DIRECTIE]).post(reverse("schools:role_requests", args=[school.slug]),
                                                           {"request": "abc", "decision": "confirm"})
    assert response.status_code == 404
