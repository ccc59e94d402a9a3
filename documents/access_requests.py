"""Requests to inspect a dossier (AVG art. 15): register one, extend its term with reasons, answer it.

The answer itself is the inspection copy the coordinator prepares (documents.views.inspection_review); this
module keeps the term: one month from receipt, at most two more with reasons told to the requester within the
first month (AVG art. 12(3)). The term is a task of the coordinator, so it shows where tasks show and is
reminded like every other task.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from audit.log import record as audit
from cases import access
from cases.models import Task
from core import idempotency
from documents.forms import AccessRequestExtensionForm, AccessRequestForm
from documents.models import AccessRequest


def _case(request, reference):
    """The same right as preparing the inspection copy: whoever may export the dossier (others get 404)."""
    case, _rights = access.case_or_404(request.user, reference, access.EXPORT)
    return case


def _form_read(request, case, what):
    """A dossier's form page is a read like any other (cases.views: entry.form; a refused post: entry.rejected)."""
    audit("entry.rejected" if request.method == "POST" else "entry.form", request=request, school=case.school,
          case=case, object_repr=what)


def _inspection_page(case):
    return redirect("documents:inspection", reference=case.reference)


@login_required
@never_cache
@idempotency.guarded
def register(request, reference):
    case = _case(request, reference)
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    form = AccessRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with idempotency.once(request) as submission:
            access_request = form.save(commit=False)
            access_request.case, access_request.recorded_by = case, request.user
            access_request.task = Task.objects.create(
                case=case, kind=Task.Kind.ACCESS_REQUEST, due_on=access_request.first_deadline,
                assignee=case.coordinator or request.user)
            access_request.save()
            audit("access_request.create", request=request, school=case.school, case=case,
                  object_repr=case.reference, details={"access_request": access_request.pk,
                                                       "received_on": access_request.received_on.isoformat(),
                                                       "deadline": access_request.deadline.isoformat()})
            messages.success(request, _("Het inzageverzoek is vastgelegd. Beantwoord het uiterlijk %(day)s.")
                             % {"day": _day(access_request.deadline)})
            return redirect(submission.done(_inspection_page(case).url))
    _form_read(request, case, "inzageverzoek vastleggen")
    return render(request, "documents/access_request_form.html", {"case": case, "form": form},
                  status=400 if form.errors else 200)


@login_required
@never_cache
def extend(request, reference, request_id):
    case = _case(request, reference)
    access_request = get_object_or_404(AccessRequest.objects.open().select_related("task"), case=case,
                                       pk=request_id)
    form = AccessRequestExtensionForm(request.POST or None, access_request=access_request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            # Conditional on the term we judged: two coordinators extending at once do not overwrite each other.
            changed = AccessRequest.objects.filter(pk=access_request.pk, answered_on__isnull=True,
                                                   extended_until=access_request.extended_until).update(
                extended_until=data["extended_until"], extension_told_on=data["told_on"])
            if changed:
                access_request.refresh_from_db()
                access_request.extension_reason = data["reason"]
                access_request.save(update_fields=["extension_reason"])
                if access_request.task_id:
                    Task.objects.filter(pk=access_request.task_id, done_at__isnull=True).update(
                        due_on=data["extended_until"], reminded_at=None)
                audit("access_request.extend", request=request, school=case.school, case=case,
                      object_repr=case.reference, details={"access_request": access_request.pk,
                                                           "deadline": data["extended_until"].isoformat()})
        if not changed:
            messages.error(request, _("Iemand anders heeft dit verzoek intussen bijgewerkt. Bekijk het opnieuw."))
            return _inspection_page(case)
        messages.success(request, _("De termijn is verlengd tot %(day)s.") % {"day": _day(data["extended_until"])})
        return _inspection_page(case)
    _form_read(request, case, f"inzageverzoek #{access_request.pk} verlengen")
    return render(request, "documents/access_request_extend.html",
                  {"case": case, "form": form, "access_request": access_request},
                  status=400 if form.errors else 200)


def answer(access_request_id, case, inspection):
    """The inspection copy made for a request answers it (called in the inspection's own transaction)."""
    access_request = AccessRequest.objects.open().filter(case=case, pk=access_request_id).first()
    if access_request is None:
        return None
    AccessRequest.objects.filter(pk=access_request.pk).update(answered_on=timezone.localdate(), answer=inspection)
    if access_request.task_id:
        Task.objects.filter(pk=access_request.task_id, done_at__isnull=True).update(done_at=timezone.now())
    return access_request


def _day(day):
    from django.utils.formats import date_format

    return date_format(day, "j F Y")
