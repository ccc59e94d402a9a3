"""The background export: renders the document to PDF, stores it encrypted and reports progress.

A run reports that it is alive at each progress step and, during a long step (WeasyPrint can take minutes
on a big dossier), on a timer. A run that stays silent lost its worker; ExportJob.recover starts it again
once or marks it failed, so no export stays "Bezig" forever.
"""

import logging
import threading
import time

from django.conf import settings
from django.db import connection, connections
from django.db.utils import InterfaceError, OperationalError
from django.utils.translation import gettext as _
from django_tasks import task

logger = logging.getLogger(__name__)


class Superseded(Exception):
    """This run was taken for dead and the job given to another run (or failed): it must not write."""


class Heartbeat:
    """Calls `beat` every `interval` seconds from a thread while a step runs; `beat` returns False to stop.

    The thread has its own database connection, so it only runs when the task's work is committed as it
    goes (the worker): inside a transaction (a task run at once within a request or a test) another
    connection could neither see the job nor write past the open transaction.
    """

    def __init__(self, beat, interval: float):
        self.beat, self.interval = beat, interval
        self._stop = threading.Event()
        self._thread = None

    def __enter__(self):
        if not connection.in_atomic_block:
            self._thread = threading.Thread(target=self._run, name="export-heartbeat", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval)
        return False

    def _run(self):
        try:
            while not self._stop.wait(self.interval):
                try:
                    if not self.beat():
                        return
                except Exception as error:  # noqa: BLE001 - a missed beat is retried; the run itself goes on
                    logger.warning("Export heartbeat failed: %s", type(error).__name__)
                    connections.close_all()  # reconnect on the next beat
        finally:
            connections.close_all()  # this thread's own connections


def _pause_between_steps():
    # A test hook: the fault tests make a run slow enough to kill it halfway. Not set in production.
    delay = getattr(settings, "DOCUMENTS_EXPORT_STEP_DELAY", 0)
    if delay:
        time.sleep(delay)


@task(takes_context=True)
def build_export(context, job_id: int) -> str:  # `context`: django-tasks insists on the name
    from documents import evaluation, exports
    from documents.models import ExportJob, ExportKind
    from documents.pdf import render_pdf, store_generated

    job = (ExportJob.objects.select_related("case__school__board", "case__pupil", "school", "board", "requested_by",
                                            "inspection").filter(pk=job_id).first())
    if job is None or job.status != ExportJob.Status.PENDING or not job.start_run(str(context.task_result.id)):
        return "skipped"

    def step(progress):
        if not job.beat(progress=progress):
            raise Superseded
        _pause_between_steps()

    result = None
    try:
        with Heartbeat(job.beat, settings.DOCUMENTS_EXPORT_HEARTBEAT_SECONDS):
            if job.kind == ExportKind.DOSSIER_PDF:
                document = exports.dossier_context(job.case)
            elif job.kind == ExportKind.VT_SUMMARY:
                document = exports.vt_summary_context(job.case)
            elif job.kind == ExportKind.ANONYMISED:
                document = exports.anonymised_context(job.case)
            elif job.kind == ExportKind.INSPECTION:
                document = exports.inspection_context(job.inspection)
            elif job.kind == ExportKind.HANDOVER:
                document = {**exports.handover_context(job.case, int(job.params["entry"])),
                            "copies": ["school", "parents"]}
            elif job.kind == ExportKind.INFORMATION:
                from inquiries.document import answer_context
                from inquiries.models import InformationRequest

                document = answer_context(InformationRequest.objects.get(
                    case=job.case, pk=job.params["information_request"]))
            else:
                schools = list(job.board.schools.all()) if job.board_id else [job.school]
                document = evaluation.page_context(schools, int(job.params["year"]), board=job.board,
                                                   viewer=job.requested_by)
            step(40)
            pdf = render_pdf(exports.TEMPLATES[job.kind], document, exporter_name=job.requested_by.full_name,
                             exported_at=job.created_at, attachments=exports.pdf_attachments(document))
            step(90)
            result = store_generated(pdf, purpose=f"export-{job.kind}")
            if not job.finish_run(ExportJob.Status.DONE, result=result, progress=100):
                raise Superseded
        return "done"
    except Superseded:
        logger.warning("Export job %s: run %s was taken over; its work is dropped", job.pk, job.attempts)
        if result is not None:
            result.delete()
        return "superseded"
    except (OperationalError, InterfaceError) as error:
        # The database went away: nothing can be recorded now. The run falls silent, so it is started again.
        logger.error("Export job %s lost its database connection: %s", job.pk, type(error).__name__)
        raise
    except Exception as error:  # the worker must record the failure rather than die with the job pending
        # Only the type: a message could quote dossier content.
        logger.error("Export job %s failed: %s", job.pk, type(error).__name__)
        if result is not None:
            result.delete()  # no generated dossier file without a job that hands it out
        job.finish_run(ExportJob.Status.FAILED, error=_(
            "Het maken van het document is mislukt. Probeer het opnieuw of neem contact op met de beheerder."))
        return "failed"
