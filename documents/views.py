"""Document pages: previews, export requests, the job page and download, the evaluation and training register.

Order of checks in every export view: the access rule (outsiders get 404), then re-authentication, then
the rate limit (429), then the audit event and the job.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from accounts.reauth import require_reauth
from accounts.roles import Role
from audit.log import record as audit
from cases import access
from core.concurrency import status_for
from documents import access_requests, dossier, evaluation, exports
from documents.forms import InspectionReviewForm, TrainingForm
from documents.models import ExportJob, ExportKind, InspectionExport, TrainingRecord, WithheldItem
from schools.access import school_for, school_with_roles
from schools.models import Board

SCREEN_LAYOUT = "documents/screen.html"
# URL slugs of the documents made from one dossier.
CASE_DOCUMENTS = {
    "dossier": ExportKind.DOSSIER_PDF,
    "veilig-thuis": ExportKind.VT_SUMMARY,
    "anoniem": ExportKind.ANONYMISED,
}
EVALUATION_ROLES = (Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE, Role.PRIVACY)
BOARD_EVALUATION_ROLES = (Role.BESTUUR, Role.PRIVACY)
TRAINING_EDITORS = (Role.IB, Role.DIRECTIE, Role.BEHEER)


# --- shared checks --------------------------------------------------------------------------------------------

def _needs_reauth(request):
    """The re-authentication redirect when it is due, else None (applied after the access check)."""
    return require_reauth(lambda request: None)(request)


def _rate_limited(request) -> bool:
    rate = getattr(settings, "DOCUMENTS_EXPORT_RATE", "20/h")
    return is_ratelimited(request, group="documents.export", key="user", rate=rate, increment=True)


def _too_many(request):
    audit("export.rate_limited", request=request)
    return render(request, "documents/rate_limited.html", {}, status=429)


def _guarded(request):
    """Re-authentication and rate limit, in that order; a response when the request must stop here."""
    return _needs_reauth(request) or (_too_many(request) if _rate_limited(request) else None)


def _case_for_export(request, reference):
    case, rights = access.case_or_404(request.user, reference, access.EXPORT)
    return case


# --- documents from one dossier -------------------------------------------------------------------------------

@login_required
@never_cache
def case_document(request, reference, document):
    """The screen preview of a document (GET) and the request to make its PDF (POST)."""
    kind = CASE_DOCUMENTS.get(document)
    if kind is None:
        raise Http404
    case = _case_for_export(request, reference)
    if request.method == "POST":
        stop = _guarded(request)
        if stop:
            return stop
        audit(exports.AUDIT_ACTIONS[kind], request=request, school=case.school, case=case,
              object_repr=case.reference)
        job = exports.create_job(kind, request.user, case=case)
        return redirect("documents:job", job_id=job.pk)
    stop = _needs_reauth(request)
    if stop:
        return stop
    builders = {ExportKind.DOSSIER_PDF: exports.dossier_context, ExportKind.VT_SUMMARY: exports.vt_summary_context,
                ExportKind.ANONYMISED: exports.anonymised_context}
    context = builders[kind](case)
    audit("export.preview", request=request, school=case.school, case=case, object_repr=case.reference,
          details={"kind": kind})
    return render(request, exports.TEMPLATES[kind], {
        **context, "layout": SCREEN_LAYOUT, "export_case": case, "kind": kind, "document_slug": document,
        "exported_line": _preview_line(request.user)})


def _preview_line(user):
    from documents.pdf import exported_line

    return exported_line(user.full_name, timezone.now())


@login_required
@never_cache
def handover(request, reference, entry_id):
    """The onderwijskundig rapport's safeguarding paragraph of one warm handover, with a copy for the parents: the
    preview (GET) and the PDF (POST), through the same checks and audit as every export. Nothing is sent."""
    from cases.models import Entry

    case = _case_for_export(request, reference)
    try:
        context = exports.handover_context(case, entry_id)
    except Entry.DoesNotExist:
        raise Http404 from None
    if request.method == "POST":
        stop = _guarded(request)
        if stop:
            return stop
        audit("export.handover", request=request, school=case.school, case=case,
              object_repr=case.reference, details={"entry": entry_id})
        job = exports.create_job(ExportKind.HANDOVER, request.user, case=case, params={"entry": entry_id})
        return redirect("documents:job", job_id=job.pk)
    stop = _needs_reauth(request)
    if stop:
        return stop
    audit("export.preview", request=request, school=case.school, case=case, object_repr=case.reference,
          details={"kind": ExportKind.HANDOVER, "entry": entry_id})
    return render(request, exports.TEMPLATES[ExportKind.HANDOVER], {
        **context, "copies": ["school", "parents"], "layout": SCREEN_LAYOUT, "export_case": case,
        "kind": ExportKind.HANDOVER, "exported_line": _preview_line(request.user),
        "handover_entry": entry_id})


@login_required
@never_cache
def inspection_review(request, reference):
    """The coordinator goes through every entry before a parent or pupil inspects the dossier."""
    case = _case_for_export(request, reference)
    stop = _needs_reauth(request)
    if stop:
        return stop
    entries = dossier.doc_entries(case)
    open_requests = list(case.access_requests.open())
    form = InspectionReviewForm(request.POST or None, entries=entries, open_requests=open_requests)
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request):
            return _too_many(request)
        known = {e.entry_id for e in entries}
        with transaction.atomic():
            inspection = InspectionExport.objects.create(case=case, created_by=request.user,
                                                         for_whom=form.cleaned_data["for_whom"])
            WithheldItem.objects.bulk_create([
                WithheldItem(export=inspection, entry_id=entry_id, ground=ground, reason=reason)
                for entry_id, ground, reason in form.withheld() if entry_id in known])
            answered = (access_requests.answer(form.cleaned_data["answers"], case, inspection)
                        if form.cleaned_data.get("answers") else None)
        audit("export.inspection", request=request, school=case.school, case=case, object_repr=case.reference,
              details={"inspection": inspection.pk, "withheld": inspection.withheld.count(),
                       "grounds": sorted({ground for _id, ground, _reason in form.withheld()})}
              | ({"access_request": answered.pk} if answered else {}))
        job = exports.create_job(ExportKind.INSPECTION, request.user, case=case, inspection=inspection)
        return redirect("documents:job", job_id=job.pk)
    # Also after a refused POST: the page shows the whole dossier again, so it is a read like any other.
    audit("export.preview", request=request, school=case.school, case=case, object_repr=case.reference,
          details={"kind": "inspection_review", "rejected": request.method == "POST"})
    previous = case.inspections.select_related("created_by").prefetch_related("withheld")[:20]
    return render(request, "documents/inspection_review.html", {
        "case": case, "form": form, "sections": dossier.sections(case, entries), "previous": previous,
        "open_requests": open_requests, "today": timezone.localdate(),
    }, status=400 if form.errors else 200)


@login_required
@never_cache
def inspection_preview(request, reference, inspection_id):
    case = _case_for_export(request, reference)
    inspection = get_object_or_404(case.inspections, pk=inspection_id)
    stop = _needs_reauth(request)
    if stop:
        return stop
    audit("export.preview", request=request, school=case.school, case=case, object_repr=case.reference,
          details={"kind": "inspection", "inspection": inspection.pk})
    return render(request, exports.TEMPLATES[ExportKind.INSPECTION], {
        **exports.inspection_context(inspection), "layout": SCREEN_LAYOUT, "export_case": case,
        "exported_line": _preview_line(request.user)})


# --- the job page and the download ----------------------------------------------------------------------------

def _job_or_404(request, job_id) -> ExportJob:
    """A job of the requester only, and only while they still may see what it was made from."""
    job = get_object_or_404(ExportJob.objects.select_related("case", "school", "board", "result"),
                            pk=job_id, requested_by=request.user)
    if job.case_id:
        access.case_or_404(request.user, job.case.reference, access.EXPORT)
    elif job.board_id:
        _board_for(request.user, job.board.slug)
    elif job.school_id:
        school_for(request.user, job.school.slug, *EVALUATION_ROLES)
    else:
        raise Http404
    return job


@login_required
@never_cache
def job(request, job_id):
    export = _job_or_404(request, job_id)
    if export.status == ExportJob.Status.DONE and timezone.now() > export.expires_at:
        exports.discard_result(export, ExportJob.Status.EXPIRED)
    # Checked here too, not only by the worker: with no worker left the page would otherwise say "Bezig" forever.
    export.recover()
    return render(request, "documents/job.html", {"job": export, "Status": ExportJob.Status,
                                                  "refresh": not export.is_finished})


@login_required
@never_cache
@require_POST
def download(request, job_id):
    """Hand out the file once and then delete it: a second copy needs a new export."""
    export = _job_or_404(request, job_id)
    stop = _needs_reauth(request)
    if stop:
        return stop
    if export.status != ExportJob.Status.DONE or export.result is None or timezone.now() > export.expires_at:
        raise Http404
    data = export.result.read()
    audit("export.download", request=request, school=export.school, case=export.case,
          object_repr=export.case.reference if export.case else "", details={"kind": export.kind, "job": export.pk})
    exports.discard_result(export, ExportJob.Status.COLLECTED)
    name = exports.FILE_NAMES[export.kind]
    suffix = export.case.reference if export.case else str(export.params.get("year", ""))
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}-{suffix}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


# --- the yearly evaluation ------------------------------------------------------------------------------------

def _board_for(user, slug) -> Board:
    """The board when the user is bestuur (or privacy officer) at one of its schools; else 404."""
    if not user.is_authenticated:
        raise Http404
    board = Board.objects.filter(slug=slug).first()
    if board is None or not user.memberships.filter(school__board=board, role__in=BOARD_EVALUATION_ROLES).exists():
        raise Http404
    return board


def _year(request) -> int:
    try:
        year = int(request.GET.get("jaar") or request.POST.get("jaar") or 0)
    except ValueError:
        year = 0
    current = evaluation.school_year_of(timezone.localdate())
    return year if 2000 <= year <= current else current


def _evaluation_scope(request, scope, slug):
    """(schools, board or None, audit school) for a school's or a board's evaluation."""
    if scope == "school":
        school = school_for(request.user, slug, *EVALUATION_ROLES)
        return [school], None, school
    if scope == "bestuur":
        board = _board_for(request.user, slug)
        return list(board.schools.all()), board, None
    raise Http404


@login_required
@never_cache
def evaluation_page(request, scope, slug):
    schools, board, school = _evaluation_scope(request, scope, slug)
    year = _year(request)
    context = evaluation.page_context(schools, year, board=board, viewer=request.user)
    audit("evaluation.view", request=request, school=school, object_repr=context["scope"],
          details={"year": year, "board": board.pk if board else None})
    current = evaluation.school_year_of(timezone.localdate())
    return render(request, "documents/evaluation.html", {
        **context, "layout": SCREEN_LAYOUT, "scope_kind": scope, "slug": slug,
        "years": list(range(current, current - 6, -1)), "exported_line": _preview_line(request.user),
        "can_train": bool(school and request.user.roles_at(school) & set(TRAINING_EDITORS))})


@login_required
@never_cache
@require_POST  # an export is an act (audited, rate limited): never a link another site could trigger
def evaluation_csv(request, scope, slug):
    schools, board, school = _evaluation_scope(request, scope, slug)
    stop = _guarded(request)
    if stop:
        return stop
    year = _year(request)
    figures = evaluation.compute(schools, year, hidden_subject=request.user,
                                 include_staff_route=evaluation.staff_route_visible(request.user, schools))
    audit("export.evaluation_csv", request=request, school=school, object_repr=board.name if board else school.name,
          details={"year": year, "board": board.pk if board else None})
    response = HttpResponse("\ufeff" + evaluation.to_csv(figures, suppress=board is not None),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="jaarevaluatie-{slug}-{year}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@require_POST
def evaluation_pdf(request, scope, slug):
    schools, board, school = _evaluation_scope(request, scope, slug)
    stop = _guarded(request)
    if stop:
        return stop
    year = _year(request)
    audit("export.evaluation_pdf", request=request, school=school, object_repr=board.name if board else school.name,
          details={"year": year, "board": board.pk if board else None})
    job = exports.create_job(ExportKind.EVALUATION_PDF, request.user, school=school, board=board,
                             params={"year": year})
    return redirect("documents:job", job_id=job.pk)


# --- the training register ------------------------------------------------------------------------------------

@login_required
@never_cache
def training(request, school_slug):
    school, roles = school_with_roles(request.user, school_slug, *TRAINING_EDITORS)
    form = TrainingForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        record.school, record.recorded_by = school, request.user
        record.save()
        audit("training.create", request=request, school=school, object_repr=str(record.user),
              details={"training": record.pk})
        messages.success(request, _("De scholing is vastgelegd."))
        return redirect("documents:training", school_slug=school.slug)
    records = TrainingRecord.objects.filter(school=school).select_related("user")
    return render(request, "documents/training.html", {
        "school": school, "form": form, "records": records, "due": evaluation.due_for_refresher(school),
        "refresher_years": evaluation.refresher_years(),
    }, status=400 if form.errors else 200)


@login_required
@never_cache
def training_edit(request, school_slug, record_id):
    school, roles = school_with_roles(request.user, school_slug, *TRAINING_EDITORS)
    record = get_object_or_404(TrainingRecord, pk=record_id, school=school)
    if request.method == "POST" and "delete" in request.POST:
        audit("training.delete", request=request, school=school, object_repr=str(record.user),
              details={"training": record.pk})
        record.delete()
        messages.success(request, _("De scholing is verwijderd."))
        return redirect("documents:training", school_slug=school.slug)
    form = TrainingForm(request.POST or None, instance=record, school=school)
    saved = None
    if request.method == "POST":
        with transaction.atomic():
            saved = form.save() if form.is_valid() else None
    if saved is not None:
        audit("training.update", request=request, school=school, object_repr=str(record.user),
              details={"training": record.pk})
        messages.success(request, _("De scholing is bijgewerkt."))
        return redirect("documents:training", school_slug=school.slug)
    return render(request, "documents/training_edit.html", {"school": school, "form": form, "record": record},
                  status=status_for(form, request.method))
