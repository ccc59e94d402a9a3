"""The generated access matrix for account management: every role × every account action × every kind of account.

The expectation below is the policy in words (schools.staff.check_account_change): only the functioneel
beheerder manages accounts, and only the directie confirms a role; nobody changes their own account there;
an account of another board, or one that spans boards, is for an installation administrator. A person who
has no role at the school is not found (404) through its pages; the staff import and the confirmation reach
them by e-mail address or request, and refuse. Every refusal leaves the account exactly as it was.
"""

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user

from accounts.models import Membership, PendingRole
from accounts.roles import Role
from audit.models import AuditEvent
from conftest import make_school

pytestmark = pytest.mark.django_db

ROLES = list(Role)  # the new roles (aandachtsfunctionaris, onderwijsassistent, stagiair, vrijwilliger) manage nothing
ACTIONS = ["add_role", "remove_role", "confirm_role", "reset_2fa", "unlock", "password_link", "import"]
TARGETS = ["own_school", "same_board", "other_board", "self", "two_boards"]

ALLOWED, REFUSED, HIDDEN = "allowed", "refused", "hidden"


def expected(role, action, target):
    if action == "confirm_role":
        if role != Role.DIRECTIE:
            return HIDDEN
        return ALLOWED if target in ("own_school", "same_board") else REFUSED
    if role != Role.BEHEER:
        return HIDDEN
    if target == "own_school" or (action == "import" and target == "same_board"):
        return ALLOWED
    if target in ("same_board", "other_board") and action != "import":
        return HIDDEN  # no role at this school: its pages do not know them
    return REFUSED


@pytest.fixture
def world(school, board, other_school, people, make_user):
    sibling = make_school(board, "De Linde")
    targets = {
        "own_school": make_user(Role.LEERKRACHT, school),
        "same_board": make_user(Role.LEERKRACHT, sibling),
        "other_board": make_user(Role.LEERKRACHT, other_school),
        "two_boards": make_user(Role.LEERKRACHT, school),
    }
    Membership.objects.create(user=targets["two_boards"], school=other_school, role=Role.LEERKRACHT)
    return targets


def state(user):
    """Everything an account action could change about a person."""
    user.refresh_from_db()
    return (sorted(user.memberships.values_list("school_id", "role")),
            sorted(user.pending_roles.values_list("school_id", "role")),
            sorted(device.persistent_id for device in devices_for_user(user, confirmed=None)),
            user.password, AccessAttempt.objects.filter(username=user.email).count())


def prepare(user):
    """Give the person a lock to lift (and so something to lose)."""
    AccessAttempt.objects.create(username=user.email, ip_address="192.0.2.1", user_agent="test", get_data="",
                                 post_data="", http_accept="", path_info="/account/inloggen/",
                                 failures_since_start=5, attempt_time=timezone.now())


def perform(client, school, action, person):
    if action == "add_role":
        return client.post(reverse("schools:staff_add_role", args=[school.slug, person.pk]), {"role": Role.BEHEER})
    if action == "remove_role":
        membership = person.memberships.filter(school=school).first() or person.memberships.first()
        return client.post(reverse("schools:staff_remove_role", args=[school.slug, membership.pk]))
    if action == "confirm_role":
        pending = PendingRole.objects.get(user=person, school=school)
        return client.post(reverse("schools:role_requests", args=[school.slug]),
                           {"request": pending.pk, "decision": "confirm"})
    if action == "import":
        url = reverse("schools:import_staff", args=[school.slug])
        upload = SimpleUploadedFile("staff.csv", f"naam;email;rol\nIemand;{person.email};beheer\n".encode())
        preview = client.post(url, {"file": upload})
        if preview.status_code != 200:
            return preview
        return client.post(url, {"action": "confirm"})
    name = {"reset_2fa": "schools:staff_reset_2fa", "unlock": "schools:staff_unlock",
            "password_link": "schools:staff_password_link"}[action]
    return client.post(reverse(name, args=[school.slug, person.pk]))


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_every_account_action_follows_the_rule(world, people, school, verified_client, mailoutbox, role, action):
    actor = people[role]
    targets = {**world, "self": actor}
    for person in targets.values():
        PendingRole.objects.get_or_create(user=person, school=school, role=Role.PRIVACY,
                                          defaults={"requested_by": people[Role.BEHEER]})
        prepare(person)
    client = verified_client(actor)
    for target in TARGETS:
        person = targets[target]
        where = f"{role} doing {action} to the {target} account"
        before, mails_before = state(person), len(mailoutbox)
        refusals_before = [event.pk for event in AuditEvent.objects.filter(action="staff.change_refused")]
        response = perform(client, school, action, person)
        outcome = expected(role, action, target)
        mailed = any(person.email in message.to for message in mailoutbox[mails_before:])
        refusals = [event for event in AuditEvent.objects.filter(action="staff.change_refused")
                    if event.pk not in refusals_before]
        if outcome == ALLOWED:
            assert response.status_code == 302, where
            assert state(person) != before or mailed, where
            assert not refusals, where
            continue
        assert state(person) == before, where
        assert not mailed, where
        if outcome == HIDDEN:
            assert response.status_code == 404, where
            assert not refusals, where
        else:
            assert response.status_code == (400 if action == "import" else 403), where
            assert [event.details["user"] for event in refusals] == [person.pk], where
            assert any(reason in response.text for reason in ("Uw eigen", "uzelf", "ander schoolbestuur")), where


def test_the_matrix_covers_every_role_and_every_gated_action():
    from schools import staff

    assert set(ROLES) == set(Role)
    assert set(ACTIONS) == set(staff.ACCOUNT_ACTIONS)
