"""The background export: renders the document to PDF, stores it encrypted and reports progress."""

import logging

from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def build_export(job_id: int) -> str:
    from documents import evaluation, exports
    from documents.models import ExportJob, ExportKind
    from documents.pdf import render_pdf, store_generated

    job = (ExportJob.objects.select_related("case__school__board", "case__pupil", "school", "board", "requested_by",
                                            "inspection").filter(pk=job_id).first())
    if job is None or job.status != ExportJob.Status.PENDING:
        return "skipped"
    job.set_progress(5, ExportJob.Status.RUNNING)
    try:
        if job.kind == ExportKind.DOSSIER_PDF:
            context = exports.dossier_context(job.case)
        elif job.kind == ExportKind.VT_SUMMARY:
            context = exports.vt_summary_context(job.case)
        elif job.kind == ExportKind.ANONYMISED:
            context = exports.anonymised_context(job.case)
        elif job.kind == ExportKind.INSPECTION:
            context = exports.inspection_context(job.inspection)
        else:
            schools = list(job.board.schools.all()) if job.board_id else [job.school]
            context = evaluation.page_context(schools, int(job.params["year"]), board=job.board,
                                              viewer=job.requested_by)
        job.set_progress(40)
        pdf = render_pdf(exports.TEMPLATES[job.kind], context, exporter_name=job.requested_by.full_name,
                         exported_at=job.created_at, attachments=exports.pdf_attachments(context))
        job.set_progress(90)
        job.result = store_generated(pdf, purpose=f"export-{job.kind}")
        job.status, job.progress, job.finished_at = ExportJob.Status.DONE, 100, timezone.now()
        job.save(update_fields=["result", "status", "progress", "finished_at"])
        return "done"
    except Exception as error:  # the worker must record the failure rather than die with the job pending
        # Only the type: a message could quote dossier content.
        logger.error("Export job %s failed: %s", job.pk, type(error).__name__)
        job.status, job.finished_at = ExportJob.Status.FAILED, timezone.now()
        job.error = _("Het maken van het document is mislukt. Probeer het opnieuw of neem contact op met de beheerder.")
        job.save(update_fields=["status", "finished_at", "error"])
        return "failed"

