"""Fault tests on PostgreSQL with a real worker process: a worker killed halfway through an export, and a
worker whose database connection is cut. No export may stay "Bezig" forever, and the worker must go on."""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from documents.models import ExportJob
from documents.tests.test_case_documents import export

ROOT = Path(django_settings.BASE_DIR)
INTERRUPTED = "De export is mislukt omdat de verwerking onderbrak. Probeer het opnieuw."
STALE_SECONDS = 3
SLOW = 60  # seconds between the steps of an export: long enough to kill the worker halfway

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL: a worker process and the test share one database only there "
                              "(the SQLite test database lives in the test process's memory), and cutting a "
                              "connection needs pg_terminate_backend"),
    pytest.mark.django_db(transaction=True),  # the worker process must see what the test writes
]


@pytest.fixture(autouse=True)
def _tasks_in_the_database(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.DOCUMENTS_EXPORT_STALE_SECONDS = STALE_SECONDS  # the page's lazy check uses the same limit


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.IB]])
    add_entry(case, people[Role.IB], content={"observation": "Sanne had een blauwe plek."})
    return case


class Worker:
    def __init__(self, process, name, log):
        self.process, self.name, self.log = process, name, log

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self):
        return self.log.read_text()


@pytest.fixture
def start_worker(transactional_db, tmp_path):
    """Start `manage.py <command>` on the test database; every worker is killed at the end of the test."""
    started = []

    def start(*, step_delay=0.0, command="run_worker"):
        name = f"meldcode-test-worker-{uuid.uuid4().hex[:8]}"
        log = tmp_path / f"{name}.log"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "documents.tests.worker_settings",
               "MELDCODE_TEST_DATABASE_NAME": connection.settings_dict["NAME"], "MELDCODE_TEST_WORKER_NAME": name,
               "MELDCODE_TEST_STEP_DELAY": str(step_delay), "MELDCODE_VAR_DIR": str(tmp_path / "var"),
               "DOCUMENTS_EXPORT_HEARTBEAT_SECONDS": "0.5", "DOCUMENTS_EXPORT_STALE_SECONDS": str(STALE_SECONDS),
               "TASKS_WORKER_MAX_BACKOFF_SECONDS": "1", "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
               "DEBUG": "0"}
        with log.open("w") as out:
            process = subprocess.Popen(  # noqa: S603 - our own manage.py
                [sys.executable, "manage.py", command, "--interval", "0.2", "--no-startup-delay", "--no-reload"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        worker = Worker(process, name, log)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.kill()


def wait_for(condition, what, worker=None, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout} s for {what}" + (f"; worker log:\n{worker.output()}" if worker else ""))


def job_state(job):
    job.refresh_from_db()
    return job.status, job.progress, job.attempts


def running_halfway(job, attempt):
    return lambda: job_state(job) == (ExportJob.Status.RUNNING, 40, attempt)


def test_a_worker_killed_halfway_leaves_no_export_running_the_next_worker_makes_it(
        case, people, exporting_client, start_worker):
    from django_tasks_db.models import DBTaskResult

    job = export(exporting_client(people[Role.IB]), case, "dossier")
    slow = start_worker(step_delay=SLOW)
    wait_for(running_halfway(job, 1), "the first run at 40%", slow)
    first_beat = job.heartbeat_at
    wait_for(lambda: job_state(job) and job.heartbeat_at > first_beat, "a beat on the timer during the step", slow)

    slow.kill()
    assert job_state(job) == (ExportJob.Status.RUNNING, 40, 1)  # what the reviewer saw: stuck at 40%
    lost_task = job.task_id

    start_worker()  # its loop notices the silent run and starts it again
    wait_for(lambda: job_state(job)[0] == ExportJob.Status.DONE, "the second run to make the document")
    assert job.attempts == 2 and job.result is not None and job.error == ""
    # The dead worker's own task record is closed too, rather than "running" forever. (The second run's
    # record closes just after its job is done, so wait for that rather than race it.)
    assert DBTaskResult.objects.get(id=lost_task).status == "FAILED"
    wait_for(lambda: not DBTaskResult.objects.running().exists(), "the second run's task record to close")


def test_when_the_second_run_is_killed_too_the_page_reports_the_failure_in_dutch(
        case, people, exporting_client, start_worker):
    client = exporting_client(people[Role.IB])
    page = reverse("documents:job", args=[export(client, case, "dossier").pk])
    job = ExportJob.objects.get()

    first = start_worker(step_delay=SLOW)
    wait_for(running_halfway(job, 1), "the first run at 40%", first)
    first.kill()
    time.sleep(STALE_SECONDS + 0.5)
    html = client.get(page).content.decode()  # no worker running: the page itself notices
    assert job_state(job) == (ExportJob.Status.PENDING, 0, 1)
    assert "de export wordt opnieuw gestart" in html

    second = start_worker(step_delay=SLOW)
    wait_for(running_halfway(job, 2), "the second run at 40%", second)
    second.kill()
    time.sleep(STALE_SECONDS + 0.5)
    html = client.get(page).content.decode()
    assert job_state(job)[0] == ExportJob.Status.FAILED
    assert INTERRUPTED in html and 'http-equiv="refresh"' not in html


def cut_connections(worker) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = %s",
                       [worker.name])
        return cursor.fetchone()[0]


def test_a_worker_whose_database_connection_is_cut_reconnects_and_runs_the_next_job(
        case, people, exporting_client, start_worker):
    client = exporting_client(people[Role.IB])
    worker = start_worker()
    first = export(client, case, "dossier")
    wait_for(lambda: job_state(first)[0] == ExportJob.Status.DONE, "the first export", worker)

    assert cut_connections(worker) >= 1
    second = export(client, case, "veilig-thuis")
    wait_for(lambda: job_state(second)[0] == ExportJob.Status.DONE, "the export after the cut", worker)
    assert worker.process.poll() is None
    assert "reconnecting" in worker.output()


def test_a_connection_cut_during_an_export_ends_with_the_export_made(case, people, exporting_client, start_worker):
    job = export(exporting_client(people[Role.IB]), case, "dossier")
    worker = start_worker(step_delay=3)
    wait_for(running_halfway(job, 1), "the first run at 40%", worker)
    assert cut_connections(worker) >= 1
    # The run fails on its next write; the same worker reconnects, notices the silent run and starts it again.
    wait_for(lambda: job_state(job)[0] == ExportJob.Status.DONE, "the export after the cut", worker)
    assert job.attempts == 2 and worker.process.poll() is None


def test_without_the_wrapper_django_tasks_own_worker_stops_on_the_same_cut(
        case, people, exporting_client, start_worker):
    # Why run_worker exists (issue 12). Should a django-tasks upgrade fix this, the wrapper may go.
    client = exporting_client(people[Role.IB])
    worker = start_worker(command="db_worker")
    first = export(client, case, "dossier")
    wait_for(lambda: job_state(first)[0] == ExportJob.Status.DONE, "the first export", worker)
    assert cut_connections(worker) >= 1
    wait_for(lambda: worker.process.poll() is not None, "db_worker to exit", worker, timeout=30)
    assert worker.process.returncode != 0
