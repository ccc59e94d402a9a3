"""Wrong passwords slow an attacker down without letting anyone lock an account for good (issue 12, finding 3)."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog
from django.db.models import F
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from audit.models import AuditEvent
from conftest import PASSWORD

WRONG = "wrong-password-123"


def sign_in(email, password=PASSWORD, address="10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(reverse("accounts:login"), {"email": email, "password": password})


def pass_time(minutes):
    """Move every recorded attempt into the past, as if `minutes` went by."""
    shift = timedelta(minutes=minutes)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - shift)
    AccessAttemptExpiration.objects.update(expires_at=F("expires_at") - shift)
    AccessFailureLog.objects.update(attempt_time=F("attempt_time") - shift)


def lock(email, settings, address="10.0.0.1"):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(email, WRONG, address)


@pytest.fixture
def teacher(school, make_user):
    return make_user(Role.LEERKRACHT, school)


@pytest.fixture
def lockout_settings(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.AXES_COOLOFF_MINUTES = 15
    settings.AXES_COOLOFF_MAX_HOURS = 24
    return settings


def test_capitalisation_variants_of_the_address_count_as_one_account(teacher, lockout_settings):
    variants = [teacher.email.upper(), teacher.email.title(), teacher.email, teacher.email.capitalize(),
                " " + teacher.email.swapcase()]
    for number, variant in enumerate(variants):
        sign_in(variant, WRONG, address=f"10.0.1.{number}")  # other addresses: only the account counts
    assert sign_in(teacher.email.upper(), address="10.0.2.1").status_code == 429


def test_a_lock_lifts_itself_after_the_cool_off(teacher, lockout_settings):
    lock(teacher.email, lockout_settings, address="10.0.0.7")
    locked = sign_in(teacher.email, address="10.0.0.8")
    assert locked.status_code == 429
    assert "Probeer het over 15 minuten opnieuw" in locked.text
    pass_time(14)
    assert sign_in(teacher.email, address="10.0.0.8").status_code == 429
    pass_time(2)
    assert sign_in(teacher.email, address="10.0.0.8").status_code == 302


def test_every_further_lock_lasts_twice_as_long_and_attempts_during_a_lock_do_not_extend_it(
        teacher, lockout_settings):
    lock(teacher.email, lockout_settings)
    pass_time(10)
    assert sign_in(teacher.email, WRONG).status_code == 429  # hammering during the lock ...
    pass_time(6)
    assert sign_in(teacher.email, address="10.0.0.9").status_code == 302  # ... does not make it longer

    lock(teacher.email, lockout_settings)
    pass_time(16)
    assert sign_in(teacher.email, address="10.0.0.9").status_code == 429  # the second lock: 30 minutes
    pass_time(15)
    assert sign_in(teacher.email, address="10.0.0.9").status_code == 302


def test_the_longest_lock_is_the_configured_maximum(teacher, lockout_settings):
    from accounts.lockout import duration

    assert duration(1) == timedelta(minutes=15)
    assert duration(3) == timedelta(minutes=60)
    assert duration(50) == timedelta(hours=24)


def test_one_address_trying_many_accounts_is_locked_without_locking_those_accounts(
        school, make_user, lockout_settings):
    people = [make_user(Role.LEERKRACHT, school) for _n in range(lockout_settings.AXES_FAILURE_LIMIT + 1)]
    for person in people[:-1]:
        sign_in(person.email, WRONG, address="192.0.2.66")
    assert sign_in(people[-1].email, address="192.0.2.66").status_code == 429
    assert sign_in(people[0].email, address="10.0.0.5").status_code == 302
    assert sign_in(people[-1].email, address="10.0.0.5").status_code == 302


def test_the_person_and_the_beheerder_hear_of_a_lock_and_it_is_audited(
        school, other_school, people, make_user, lockout_settings, mailoutbox):
    teacher = people[Role.LEERKRACHT]
    make_user(Role.BEHEER, other_school)  # not this person's school: not told
    lock(teacher.email, lockout_settings)
    recipients = sorted(address for message in mailoutbox for address in message.to)
    assert recipients == sorted([teacher.email, people[Role.BEHEER].email])
    assert all("geblokkeerd tot" in message.body for message in mailoutbox)
    assert all(WRONG not in message.body for message in mailoutbox)
    event = AuditEvent.objects.get(action="auth.locked_out")
    assert event.object_repr == teacher.email and event.details["minutes"] == 15
    sign_in(teacher.email, WRONG)  # an attempt during the lock sends nothing new
    assert len(mailoutbox) == 2


def test_the_staff_page_shows_a_lock_only_while_it_holds(school, people, verified_client, lockout_settings):
    teacher = people[Role.LEERKRACHT]
    lock(teacher.email, lockout_settings)
    client = verified_client(people[Role.BEHEER])
    assert "geblokkeerd" in client.get(reverse("schools:staff", args=[school.slug])).text
    pass_time(16)
    assert "geblokkeerd" not in client.get(reverse("schools:staff", args=[school.slug])).text


def test_addresses_are_stored_lowercased_whoever_saves_them(db):
    user = User(email="  Juf.Anna@Example.ORG ", full_name="Anna")
    user.save()
    assert User.objects.get(pk=user.pk).email == "juf.anna@example.org"
    assert User.objects.get_by_natural_key("JUF.anna@example.org") == user
