"""The task worker that survives its database: django-tasks' `db_worker`, but it reconnects instead of exiting.

django_tasks_db's worker stops for good on the first OperationalError that is not a locked SQLite database
(a restarted PostgreSQL, a failover, a dropped connection). This one closes its connections, waits (1, 2, 4 …
seconds, at most TASKS_WORKER_MAX_BACKOFF_SECONDS) and goes on. Between tasks it also recovers exports
whose worker died (documents.models.ExportJob.recover_stalled), so a killed worker's job is started again.
Same options as `db_worker`.
"""

import logging
import os
import random
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

logger = logging.getLogger("django_tasks_db")

CONNECTION_ERRORS = (OperationalError, InterfaceError)


def close_connections():
    """Drop every connection of this process; Django opens a fresh one on the next query."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except CONNECTION_ERRORS:
            pass  # closing a dead connection may fail; Django forgets it all the same


class ReconnectingWorker(db_worker.Worker):
    """The loop of django_tasks_db 0.13's Worker.run, one iteration at a time, with the database errors caught."""

    def __init__(self, *, max_backoff: float, recover_every: float, **options):
        super().__init__(**options)
        self.max_backoff = max_backoff
        self.recover_every = recover_every
        self._last_recovery = float("-inf")

    def run(self) -> None:
        logger.info("Starting worker worker_id=%s queues=%s (reconnects after database errors)",
                    self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # noqa: S311 - spreads workers that start together
        backoff = 0.0
        while self.running:
            try:
                if self.run_once() == "stop":
                    return
                backoff = 0.0
            except CONNECTION_ERRORS as error:
                backoff = min(self.max_backoff, backoff * 2 or 1.0)
                logger.warning("Database error in worker_id=%s (%s); reconnecting in %.0f s", self.worker_id,
                               type(error).__name__, backoff)
                close_connections()
                time.sleep(backoff)

    def run_once(self) -> str:
        """One pass: recover dead runs when due, claim and run one task, or wait. "stop" ends the worker."""
        close_old_connections()  # dropped or expired connections, right after waking up
        self.recover_stalled_exports()
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        task_result, retrieved = None, True
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)  # so that no other worker runs it
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            retrieved = False  # a locked SQLite database unlocks eventually

        if task_result is not None:
            self.run_task_or_close(task_result)
        if self.batch and retrieved and task_result is None:
            logger.info("No more tasks to run for worker_id=%s - exiting gracefully.", self.worker_id)
            return "stop"
        if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
            logger.info("Run maximum tasks (%d) on worker=%s - exiting gracefully.", self._run_tasks, self.worker_id)
            return "stop"
        close_old_connections()
        if self.running and task_result is None:
            time.sleep(self.interval)
        return "next"

    def run_task_or_close(self, task_result: DBTaskResult) -> None:
        """Run the task; when the database went away meanwhile, close its record once reconnected."""
        try:
            self.run_task(task_result)
        except CONNECTION_ERRORS as error:
            close_connections()
            try:
                task_result.set_failed(error)
            except CONNECTION_ERRORS:
                pass  # still down: an export's own record is recovered through its heartbeat
            raise

    def recover_stalled_exports(self) -> None:
        now = time.monotonic()
        if now - self._last_recovery < self.recover_every:
            return
        self._last_recovery = now
        from documents.models import ExportJob

        counts = ExportJob.recover_stalled()
        if any(counts.values()):
            logger.warning("Exports whose worker died: %(retried)s started again, %(failed)s failed", counts)


class Command(db_worker.Command):
    help = ("Voert achtergrondtaken uit (e-mails, exports), zoals db_worker, maar maakt na een verbroken "
            "databaseverbinding opnieuw verbinding in plaats van te stoppen, en start exports opnieuw waarvan "
            "de verwerker wegviel.")

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, **options):
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("Warning: --reload and --batch cannot be specified together. Disabling autoreload.")
            reload = False
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = ReconnectingWorker(
            queue_names=queue_names, interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id, excluded_queue_names=excluded,
            max_backoff=settings.TASKS_WORKER_MAX_BACKOFF_SECONDS,
            # Often enough that a dead run is noticed soon after it goes stale, without a query every pass.
            recover_every=max(1.0, settings.DOCUMENTS_EXPORT_STALE_SECONDS / 4))
        if reload:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only in the child process
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
