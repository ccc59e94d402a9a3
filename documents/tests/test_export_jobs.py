"""Export jobs survive their worker: a heartbeat while they run, one more run when the worker died, then a
message; a run taken for dead cannot overwrite the one that replaced it. (The real kill and the real lost
connection are in test_worker_faults.py, on PostgreSQL.)"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import F
from django.db.utils import InterfaceError, OperationalError
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from documents import tasks
from documents.management.commands.run_worker import ReconnectingWorker
from documents.models import ExportJob, ExportKind
from vault.models import StoredFile

pytestmark = pytest.mark.django_db

INTERRUPTED = "De export is mislukt omdat de verwerking onderbrak. Probeer het opnieuw."


@pytest.fixture
def case(make_case, pupil, people, add_entry):
    case = make_case(pupil, team=[people[Role.IB]])
    add_entry(case, people[Role.IB], content={"observation": "Sanne had een blauwe plek."})
    return case


@pytest.fixture
def make_job(case, people):
    def make(**fields):
        return ExportJob.objects.create(kind=ExportKind.DOSSIER_PDF, case=case, school=case.school,
                                        requested_by=people[Role.IB], **fields)

    return make


def silent_run(make_job, *, attempts, silent_for=timedelta(minutes=10)):
    """A job that a worker was running (run number `attempts`) until it died `silent_for` ago."""
    return make_job(status=ExportJob.Status.RUNNING, progress=40, attempts=attempts,
                    heartbeat_at=timezone.now() - silent_for)


def job_page(client, job):
    return client.get(reverse("documents:job", args=[job.pk])).content.decode()


def test_each_step_of_a_run_records_a_sign_of_life(make_job, monkeypatch):
    job = make_job()
    seen = []

    def look():  # between steps: what the database says about the job
        job.refresh_from_db()
        seen.append((job.status, job.progress, job.heartbeat_at))

    monkeypatch.setattr(tasks, "_pause_between_steps", look)
    tasks.build_export.enqueue(job.pk)

    assert [(status, progress) for status, progress, _beat in seen] == [("running", 40), ("running", 90)]
    beats = [beat for _status, _progress, beat in seen]
    assert all(beats) and beats == sorted(beats)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 1 and job.heartbeat_at >= beats[-1]


def test_a_run_whose_worker_died_is_started_once_more(make_job, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    job = silent_run(make_job, attempts=1)
    assert ExportJob.recover_stalled() == {"retried": 1, "failed": 0}
    job.refresh_from_db()
    assert (job.status, job.progress, job.heartbeat_at) == (ExportJob.Status.PENDING, 0, None)
    assert [result.args for result in default_task_backend.results] == [[job.pk]]
    assert ExportJob.recover_stalled() == {"retried": 0, "failed": 0}  # once: it is no longer running


def test_the_second_run_then_makes_the_document(make_job):
    job = silent_run(make_job, attempts=1)
    assert job.recover() == "retried"  # tasks run at once in tests
    assert job.status == ExportJob.Status.DONE and job.attempts == 2 and job.result is not None


def test_when_the_second_run_dies_too_the_page_says_so_in_dutch_and_stops_refreshing(make_job, people,
                                                                                     verified_client):
    job = silent_run(make_job, attempts=2)
    html = job_page(verified_client(people[Role.IB]), job)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.finished_at is not None
    assert job.error == INTERRUPTED
    assert INTERRUPTED in html and 'http-equiv="refresh"' not in html


def test_the_page_starts_a_silent_run_again_and_says_so(make_job, people, verified_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    job = silent_run(make_job, attempts=1)
    html = job_page(verified_client(people[Role.IB]), job)
    job.refresh_from_db()
    assert job.status == ExportJob.Status.PENDING
    assert "De verwerking onderbrak; de export wordt opnieuw gestart." in html
    assert 'http-equiv="refresh"' in html


def test_a_run_that_still_gives_signs_of_life_is_left_alone(make_job, people, verified_client, settings):
    settings.DOCUMENTS_EXPORT_STALE_SECONDS = 120
    job = silent_run(make_job, attempts=2, silent_for=timedelta(seconds=100))
    html = job_page(verified_client(people[Role.IB]), job)
    assert ExportJob.recover_stalled() == {"retried": 0, "failed": 0}
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING and INTERRUPTED not in html


def test_a_running_job_from_before_the_heartbeat_counts_from_its_request(make_job):
    job = make_job(status=ExportJob.Status.RUNNING, created_at=timezone.now() - timedelta(hours=1))
    assert ExportJob.recover_stalled()["retried"] == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE


def test_a_run_taken_for_dead_cannot_overwrite_the_run_that_replaced_it(make_job, monkeypatch):
    job = make_job()

    def taken_over():  # meanwhile another process took this run for dead and a second run started
        ExportJob.objects.filter(pk=job.pk).update(attempts=F("attempts") + 1, progress=5)

    monkeypatch.setattr(tasks, "_pause_between_steps", taken_over)
    files_before = StoredFile.objects.count()
    assert tasks.build_export.enqueue(job.pk).return_value == "superseded"
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress, job.result) == (ExportJob.Status.RUNNING, 2, 5, None)
    assert StoredFile.objects.count() == files_before


def test_a_superseded_run_drops_the_file_it_already_made(make_job, monkeypatch):
    job = make_job()
    real_finish = ExportJob.finish_run

    def finish_too_late(self, status, **fields):
        ExportJob.objects.filter(pk=self.pk).update(status=ExportJob.Status.FAILED)
        return real_finish(self, status, **fields)

    monkeypatch.setattr(ExportJob, "finish_run", finish_too_late)
    files_before = StoredFile.objects.count()
    assert tasks.build_export.enqueue(job.pk).return_value == "superseded"
    assert StoredFile.objects.count() == files_before


def test_the_hourly_command_recovers_silent_runs(make_job):
    retried, failed = silent_run(make_job, attempts=1), silent_run(make_job, attempts=2)
    out = StringIO()
    call_command("purge_exports", stdout=out)
    retried.refresh_from_db()
    failed.refresh_from_db()
    assert retried.status == ExportJob.Status.DONE and failed.status == ExportJob.Status.FAILED
    assert "1 opnieuw gestart, 1 als mislukt gemeld" in out.getvalue()


def make_worker(**options):
    return ReconnectingWorker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                              startup_delay=False, max_tasks=None, worker_id="test", excluded_queue_names=[],
                              max_backoff=4, recover_every=60, **options)


def test_the_worker_waits_longer_after_each_database_error_and_then_goes_on(monkeypatch):
    worker = make_worker()
    outcomes = iter([OperationalError("server closed the connection unexpectedly"),
                     InterfaceError("connection already closed"), OperationalError("no route"),
                     OperationalError("no route"), "next", OperationalError("no route"), "stop"])
    waits = []

    def run_once():
        outcome = next(outcomes)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    monkeypatch.setattr(worker, "run_once", run_once)
    monkeypatch.setattr("documents.management.commands.run_worker.time.sleep", waits.append)
    worker.run()
    assert waits == [1, 2, 4, 4, 1]  # doubling up to the limit; back to 1 s after a pass that worked


def test_other_errors_still_stop_the_worker(monkeypatch):
    worker = make_worker()

    def run_once():
        raise ValueError("a bug")

    monkeypatch.setattr(worker, "run_once", run_once)
    with pytest.raises(ValueError):
        worker.run()


# Committed as it goes, as in a worker process: the loop closes connections that are inside a transaction.
@pytest.mark.django_db(transaction=True)
def test_the_worker_loop_recovers_silent_runs_and_runs_the_queue(make_job, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = silent_run(make_job, attempts=1)
    make_worker().run()  # batch: until the queue is empty
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.attempts == 2
