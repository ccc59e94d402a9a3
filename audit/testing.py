"""Pytest plugin: lets transactional tests empty the database although the trail is append-only.

`TransactionTestCase` (pytest-django's `transaction=True`) empties every table after a test with
`manage.py flush`, which the append-only triggers refuse (PostgreSQL refuses TRUNCATE even on an
empty table). This plugin lifts the triggers for the duration of a flush and puts them back right
after. Register it once in the root conftest: ``pytest_plugins = ["audit.testing"]``.
It only ever runs inside the test process, never in the application.
"""

from contextlib import contextmanager

from django.db import connections

_PATCHED = "_audit_triggers_lifted_during_flush"


@contextmanager
def triggers_lifted(alias: str = "default"):
    from audit import triggers
    from cases import triggers as entry_triggers

    connection = connections[alias]
    triggers.remove(connection)
    entry_triggers.remove(connection)
    try:
        yield
    finally:
        triggers.install(connection)
        entry_triggers.install(connection)


def lift_triggers_during_flush() -> None:
    from django.core.management.commands import flush

    if getattr(flush.Command, _PATCHED, False):
        return
    original_handle = flush.Command.handle

    def handle(self, **options):
        with triggers_lifted(options.get("database") or "default"):
            return original_handle(self, **options)

    flush.Command.handle = handle
    setattr(flush.Command, _PATCHED, True)


def pytest_configure(config):
    lift_triggers_during_flush()
