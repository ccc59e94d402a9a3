"""With DATABASE_REPLICA_URL set, the annual evaluation counts on the read replica and nothing else does
(core/databases.py, docs/scaling.md). The replica here is a second connection to the test database: a replica
with no lag, so the figures must be the same as on the primary, and the primary must not be asked for them."""

import copy
import types

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from core import databases
from documents import evaluation
from documents.tests.test_evaluation import TODAY, YEAR, cohort  # noqa: F401 (a fixture)

# Committed data: the replica is another connection and sees only what the primary committed.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def replica(transactional_db, settings, django_db_blocker):
    config = copy.deepcopy(connections[DEFAULT_DB_ALIAS].settings_dict)
    config["ATOMIC_REQUESTS"] = False  # as settings.py configures it: requests are transactions on the primary only
    connections.settings[databases.REPLICA] = config
    settings.DATABASES = {**settings.DATABASES, databases.REPLICA: config}
    connection = connections[databases.REPLICA]
    # Django's test case refuses connections to aliases it was not told of when it started, and the replica is
    # added after that: this one connection gets the real method back (pytest-django keeps it).
    connection.ensure_connection = types.MethodType(django_db_blocker._real_ensure_connection, connection)
    yield connection
    connections[databases.REPLICA].close()
    del connections[databases.REPLICA]
    del connections.settings[databases.REPLICA]


def test_without_a_replica_the_evaluation_reads_the_primary(settings):
    assert databases.REPLICA not in settings.DATABASES
    assert databases.for_reports() == DEFAULT_DB_ALIAS


def test_with_a_replica_the_evaluation_counts_there_and_gets_the_same_figures(school, cohort, replica):  # noqa: F811
    on_primary = evaluation.compute([school], YEAR, today=TODAY)
    with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary, CaptureQueriesContext(replica) as read:
        on_replica = evaluation.compute([school], YEAR, today=TODAY)
    assert databases.for_reports() == databases.REPLICA
    assert len(read.captured_queries) >= 5
    assert primary.captured_queries == []
    assert on_replica == on_primary and on_replica.total == 6


def test_a_dossier_page_still_reads_the_primary_with_a_replica(school, make_case, pupil, people, verified_client,
                                                                replica):
    case = make_case(pupil)
    read = []
    # Records what reaches the replica without opening a connection to it (SQLite's shared memory would lock).
    with replica.execute_wrapper(lambda execute, sql, *args: read.append(sql) or execute(sql, *args)):
        response = verified_client(people[Role.IB]).get(f"/dossiers/d/{case.reference}/")
    assert response.status_code == 200
    assert read == []
