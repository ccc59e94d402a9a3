"""Shared test fixtures: schools, people in every role, and signed-in (2FA-verified) browsers."""

import itertools

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Membership, User
from accounts.roles import Role
from schools.models import Board, Pupil, School

# Transactional tests empty tables with flush; the audit trail's triggers need to allow that in tests only.
pytest_plugins = ["audit.testing"]

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery-staple"  # noqa: S105


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Hashing strength is not under test here; the real hasher costs ~0.2 s per account.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _audit_chained_at_once(settings):
    # Inside a test's transaction nothing commits, so "after commit" would never come: chain at once.
    # The deferred modes and the sequencer have their own tests in audit/tests.
    settings.AUDIT_CHAIN_MODE = "immediate"


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    # Background tasks run in-process in tests, so that their effects (e-mails) can be asserted.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def board(db):
    return Board.objects.create(name="Stichting Test", slug="stichting-test")


def make_school(board, name):
    n = next(_counter)
    # A BRIN has at most six characters (PostgreSQL enforces it); the counter passes 9999 in a full run.
    return School.objects.create(board=board, name=name, slug=f"school-{n}", brin=f"{n % 10000:04d}AB")


@pytest.fixture
def school(board):
    return make_school(board, "De Sprong")


@pytest.fixture
def other_school(db):
    other_board = Board.objects.create(name="Andere Stichting", slug="andere-stichting")
    return make_school(other_board, "De Regenboog")


@pytest.fixture
def make_user(db):
    def make(role=None, school=None, name=None, **extra):
        n = next(_counter)
        user = User.objects.create_user(f"user{n}@example.org", PASSWORD, full_name=name or f"Medewerker {n}", **extra)
        if role and school:
            Membership.objects.create(user=user, school=school, role=role)
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
        return user

    return make


@pytest.fixture
def verified_client():
    """A browser in which `user` has signed in with password and second factor."""

    def make(user):
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.filter(user=user, confirmed=True).first().persistent_id
        session.save()
        return client

    return make


@pytest.fixture
def pupil(school):
    import datetime

    return Pupil.objects.create(school=school, first_name="Sanne", last_name="de Vries",
                                date_of_birth=datetime.date(2017, 3, 14), group="5")


@pytest.fixture
def people(school, make_user):
    """One person in every role at `school`."""
    return {role: make_user(role, school, name=f"{role.label} Test") for role in Role}
