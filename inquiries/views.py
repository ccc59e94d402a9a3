"""Information requests from Veilig Thuis, the Raad voor de Kinderbescherming or a gecertificeerde instelling.

Every view reaches the dossier through cases.access: recording a request needs the right to write in the
dossier (or, for a pupil without one, the coordinating role at the school: the request opens a dossier);
reading it needs the right to read; answering it is an export (re-authentication, rate limit, audit).
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.roles import Role
from audit.log import record as audit
from cases import access, journal
from cases.models import Case, CaseMember, Task
from core import idempotency
from documents import dossier, exports
from documents.models import ExportKind
from documents.views import _guarded, _needs_reauth, _rate_limited, _too_many
from inquiries.forms import AnswerForm, InformationRequestForm, ParentsToldForm, PupilChoiceForm
from inquiries.models import InformationRequest, ParentsTold, WithheldFromAnswer
from schools.access import school_for

# Who may take a request in for a pupil without a dossier: those who coordinate the meldcode at the school.
OPENING_ROLES = (Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE)


def _inquiry_or_404(request, reference, inquiry_id, need):
    case, rights = access.case_or_404(request.user, reference, need)
    if case.status == Case.Status.DESTROYED:
        raise Http404
    inquiry = get_object_or_404(InformationRequest.objects.select_related("recorded_by", "answered_by"),
                                case=case, pk=inquiry_id)
    return case, rights, inquiry


# Telling the parents afterwards: a reminder for the coordinator, this many days after the request came in.
PARENTS_INFORMED_WITHIN = timedelta(days=14)


def _store(request, case, form, *, opened=False):
    inquiry = form.save(commit=False)
    inquiry.case, inquiry.recorded_by = case, request.user
    if inquiry.parents_still_to_be_told:
        inquiry.task = Task.objects.create(case=case, kind=Task.Kind.PARENTS_INFORMED,
                                           due_on=inquiry.received_on + PARENTS_INFORMED_WITHIN,
                                           assignee=case.coordinator or request.user)
    inquiry.save()
    audit("information_request.create", request=request, school=case.school, case=case, object_repr=case.reference,
          details={"information_request": inquiry.pk, "requester_kind": inquiry.requester_kind,
                   "legal_basis": inquiry.legal_basis, "parents_told": inquiry.parents_told,
                   "opened_case": opened})
    return inquiry


@login_required
@never_cache
@idempotency.guarded
def new(request, reference):
    """A request about a pupil who has a dossier: an entry in that dossier."""
    case, _rights = access.case_or_404(request.user, reference, access.WRITE)
    if case.status == Case.Status.DESTROYED:
        raise Http404
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    form = InformationRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with idempotency.once(request) as submission:
            inquiry = _store(request, case, form)
            messages.success(request, _("Het informatieverzoek is vastgelegd."))
            return redirect(submission.done(reverse("inquiries:detail", args=[case.reference, inquiry.pk])))
    # The form page of a dossier is a read like any other (cases.views: entry.form; a refused post: entry.rejected).
    audit("entry.rejected" if request.method == "POST" else "entry.form", request=request, school=case.school,
          case=case, object_repr="informatieverzoek vastleggen")
    return render(request, "inquiries/form.html", {"case": case, "form": form},
                  status=400 if form.errors else 200)


@login_required
@never_cache
@idempotency.guarded
def new_for_school(request, school_slug):
    """A request about a pupil the school never opened a dossier for: it opens one (or joins the open one)."""
    from protocol.models import current_version

    school = school_for(request.user, school_slug, *OPENING_ROLES)
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    version = current_version(school)
    if version is None:
        messages.error(request, _("Deze school heeft nog geen meldcode vastgesteld. Vraag de intern begeleider of "
                                  "directie."))
        return redirect("cases:overview", school_slug=school.slug)
    pupil_form = PupilChoiceForm(request.POST or None, school=school)
    form = InformationRequestForm(request.POST or None)
    if request.method == "POST" and pupil_form.is_valid() and form.is_valid():
        pupil = pupil_form.cleaned_data["pupil"]
        existing = Case.objects.open().filter(school=school, pupil=pupil).exclude(route="staff").first()
        if existing is not None and access.WRITE not in access.permissions(request.user, existing):
            pupil_form.add_error("pupil", _("Voor deze leerling loopt al een dossier waarin u niet mag schrijven. "
                                            "Vraag de coördinator van dat dossier het verzoek vast te leggen."))
        else:
            with idempotency.once(request) as submission:
                case = existing
                if case is None:
                    case = Case.objects.create(school=school, pupil=pupil, meldcode_version=version,
                                               opened_by=request.user,
                                               coordinator=journal.default_coordinator(school))
                    team = {request.user} | ({case.coordinator} if case.coordinator else set())
                    CaseMember.objects.bulk_create([CaseMember(case=case, user=u, added_by=request.user)
                                                    for u in team])
                    case.refresh_step()
                    audit("case.create", request=request, school=school, case=case, object_repr=case.reference,
                          details={"route": case.route, "information_request": True})
                inquiry = _store(request, case, form, opened=existing is None)
                messages.success(request, _("Het informatieverzoek is vastgelegd in het dossier van %(name)s.")
                                 % {"name": pupil.full_name})
                next_url = submission.done(reverse("inquiries:detail", args=[case.reference, inquiry.pk]))
            access.forget_grants(request.user)
            return redirect(next_url)
    errors = bool(pupil_form.errors or form.errors)
    return render(request, "inquiries/form.html", {"school": school, "form": form, "pupil_form": pupil_form},
                  status=400 if errors else 200)


@login_required
@never_cache
def detail(request, reference, inquiry_id):
    case, rights, inquiry = _inquiry_or_404(request, reference, inquiry_id, access.READ)
    audit("information_request.view", request=request, school=case.school, case=case, object_repr=case.reference,
          details={"information_request": inquiry.pk})
    return render(request, "inquiries/detail.html", {
        "case": case, "rights": rights, "inquiry": inquiry, "may_export": access.EXPORT in rights,
        # Also after closing: a request can come in, and the parents be told, when the dossier is closed.
        "may_write": access.WRITE in rights,
        "withheld": inquiry.withheld.select_related("entry")})


@login_required
@never_cache
def parents_told(request, reference, inquiry_id):
    """Record the day the parents were told of a request the school handled without telling them first. Recording
    it is writing in the dossier; the day is set once (a second person finds it recorded, nothing is overwritten)."""
    case, _rights, inquiry = _inquiry_or_404(request, reference, inquiry_id, access.WRITE)
    if inquiry.parents_told != ParentsTold.AFTER:
        raise Http404
    if inquiry.parents_told_on is not None:
        messages.info(request, _("Al vastgelegd: de ouders zijn geïnformeerd op %(day)s.")
                      % {"day": date_format(inquiry.parents_told_on, "j F Y")})
        return redirect("inquiries:detail", reference=case.reference, inquiry_id=inquiry.pk)
    if not inquiry.is_answered:
        # "Afterwards" is after the answer: what the parents are told is who asked and what the school gave.
        messages.info(request, _("Beantwoord eerst het verzoek. Daarna legt u hier vast wanneer de ouders zijn "
                                 "geïnformeerd."))
        return redirect("inquiries:detail", reference=case.reference, inquiry_id=inquiry.pk)
    form = ParentsToldForm(request.POST or None, received_on=inquiry.received_on, answered_on=inquiry.answered_on)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["told_on"]
        with transaction.atomic():
            changed = InformationRequest.objects.filter(
                pk=inquiry.pk, parents_told=ParentsTold.AFTER, parents_told_on__isnull=True).update(parents_told_on=day)
            if changed:
                if inquiry.task_id:
                    Task.objects.filter(pk=inquiry.task_id, done_at__isnull=True).update(done_at=timezone.now())
                audit("information_request.parents_told", request=request, school=case.school, case=case,
                      object_repr=case.reference,
                      details={"information_request": inquiry.pk, "parents_told_on": day.isoformat()})
        if changed:
            messages.success(request, _("Vastgelegd dat de ouders zijn geïnformeerd."))
        else:
            messages.info(request, _("Iemand anders heeft dit intussen vastgelegd."))
        return redirect("inquiries:detail", reference=case.reference, inquiry_id=inquiry.pk)
    audit("entry.rejected" if request.method == "POST" else "entry.form", request=request, school=case.school,
          case=case, object_repr="ouders geïnformeerd over een informatieverzoek",
          details={"information_request": inquiry.pk})
    return render(request, "inquiries/parents_told.html", {"case": case, "inquiry": inquiry, "form": form},
                  status=400 if form.errors else 200)


@login_required
@never_cache
def answer(request, reference, inquiry_id):
    """The coordinator goes through every entry and chooses what to give; the answer is made as a PDF."""
    case, _rights, inquiry = _inquiry_or_404(request, reference, inquiry_id, access.EXPORT)
    stop = _needs_reauth(request)
    if stop:
        return stop
    if inquiry.is_answered:
        messages.info(request, _("Dit verzoek is al beantwoord."))
        return redirect("inquiries:detail", reference=case.reference, inquiry_id=inquiry.pk)
    entries = dossier.doc_entries(case)
    form = AnswerForm(request.POST or None, entries=entries, received_on=inquiry.received_on)
    if request.method == "POST" and form.is_valid():
        if _rate_limited(request):
            return _too_many(request)
        known = {e.entry_id for e in entries}
        withheld = [row for row in form.withheld() if row[0] in known]
        with transaction.atomic():
            changed = InformationRequest.objects.filter(pk=inquiry.pk, answered_on__isnull=True).update(
                answered_on=form.cleaned_data["answered_on"], answered_by=request.user, answered_at=timezone.now())
            if changed:
                inquiry.refresh_from_db()
                inquiry.given = form.cleaned_data["given"].strip()
                inquiry.save(update_fields=["given"])
                WithheldFromAnswer.objects.bulk_create([
                    WithheldFromAnswer(request=inquiry, entry_id=entry_id, ground=ground, reason=reason)
                    for entry_id, ground, reason in withheld])
                audit("information_request.answer", request=request, school=case.school, case=case,
                      object_repr=case.reference,
                      details={"information_request": inquiry.pk, "withheld": len(withheld),
                               "grounds": sorted({ground for _id, ground, _reason in withheld})})
        if not changed:
            messages.error(request, _("Iemand anders heeft dit verzoek intussen beantwoord."))
            return redirect("inquiries:detail", reference=case.reference, inquiry_id=inquiry.pk)
        return _export(request, case, inquiry)
    audit("export.preview", request=request, school=case.school, case=case, object_repr=case.reference,
          details={"kind": "information_request", "information_request": inquiry.pk,
                   "rejected": request.method == "POST"})
    return render(request, "inquiries/answer.html", {
        "case": case, "inquiry": inquiry, "form": form, "sections": dossier.sections(case, entries)},
        status=400 if form.errors else 200)


def _export(request, case, inquiry):
    audit("export.information", request=request, school=case.school, case=case,
          object_repr=case.reference, details={"information_request": inquiry.pk})
    job = exports.create_job(ExportKind.INFORMATION, request.user, case=case,
                             params={"information_request": inquiry.pk})
    return redirect("documents:job", job_id=job.pk)


@login_required
@never_cache
@require_POST
def export(request, reference, inquiry_id):
    """The answer once more as a PDF (the file itself is kept only until downloaded)."""
    case, _rights, inquiry = _inquiry_or_404(request, reference, inquiry_id, access.EXPORT)
    if not inquiry.is_answered:
        return redirect("inquiries:answer", reference=case.reference, inquiry_id=inquiry.pk)
    stop = _guarded(request)
    if stop:
        return stop
    return _export(request, case, inquiry)
