import pytest
from django.db import connection

from audit import triggers
from audit.log import record
from audit.testing import lift_triggers_during_flush

# Transactional tests empty the tables afterwards, which the append-only triggers would refuse.
lift_triggers_during_flush()


@pytest.fixture
def events(db):
    """Five chained events, as the app writes them."""
    return [record("case.view", case=10 + n, school=1, object_repr=f"Dossier {10 + n}") for n in range(5)]


@pytest.fixture
def tamper(db):
    """Run SQL the way someone with database rights could: first dropping the append-only triggers."""

    def run(sql, params=()):
        triggers.remove(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run
