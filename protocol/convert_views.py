"""The upload page of the converter: a school's own Word/PDF meldcode becomes a draft a person checks.

Only the roles that may upload meldcode versions (protocol.access.MANAGING_ROLES) see these pages; anyone else
gets a 404. Every upload, decision, storage and adoption writes an audit event (ids and metadata only).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import Role
from audit.log import record as audit_record
from protocol.access import managed_school
from protocol.convert import convert, validate
from protocol.convert.drafts import ACCEPTED, EDITED, PENDING, REJECTED, ConversionDraft
from protocol.definition import DefinitionError
from protocol.forms import AdoptForm
from protocol.models import MeldcodeVersion, VersionRefused, adopt, store_version
from socialmap.readers import MAX_BYTES, SUPPORTED_EXTENSIONS, DocumentError

MAX_PK = 2**63 - 1


class ConvertUploadForm(forms.Form):
    document = forms.FileField(label=gettext_lazy("Uw meldcode (.docx, .pdf of .txt)"),
                               help_text=gettext_lazy("Het document zoals de school het heeft vastgesteld, met de "
                                                      "sociale kaart. Hoogstens 10 MB."))

    def clean_document(self):
        document = self.cleaned_data["document"]
        if document.size > MAX_BYTES:
            raise forms.ValidationError(_("Het bestand is groter dan 10 MB. Sla alleen de meldcode op en probeer het "
                                          "opnieuw."))
        return document


def _draft(school, pk) -> ConversionDraft:
    if not (0 < pk <= MAX_PK):
        raise Http404
    return get_object_or_404(ConversionDraft, pk=pk, school=school)


def _url(draft) -> str:
    return reverse("protocol:convert_draft", args=[draft.school.slug, draft.pk])


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def upload(request, school_slug):
    school = managed_school(request.user, school_slug)
    form = ConvertUploadForm()
    status = 200
    if request.method == "POST":
        form = ConvertUploadForm(request.POST, request.FILES)
        if form.is_valid():
            document = form.cleaned_data["document"]
            try:
                conversion = convert(document.read(), document.name)
            except DocumentError as error:
                form.add_error("document", str(error))
            else:
                with transaction.atomic():
                    draft = ConversionDraft.objects.create(
                        school=school, uploaded_by=request.user, filename=document.name[:200],
                        sha256=conversion.sha256, document_text=conversion.document.text,
                        template_key=conversion.recognition.key, confidence=conversion.recognition.confidence)
                    audit_record("meldcode.convert_upload", request=request, school=school, object_repr=str(draft),
                                 details={"draft_id": draft.pk, "sha256": draft.sha256, "template": draft.template_key,
                                          "confidence": draft.confidence,
                                          "proposals": len(conversion.proposals)})
                return redirect(_url(draft))
        status = 400
    return render(request, "protocol/convert.html", {
        "school": school, "form": form, "extensions": ", ".join(SUPPORTED_EXTENSIONS),
        "drafts": ConversionDraft.objects.filter(school=school).select_related("uploaded_by", "version")[:10],
    }, status=status)


def _context(request, school, draft, conversion=None):
    conversion = conversion or draft.conversion()
    draft_text = conversion.build(version="1")
    problems = validate(draft_text)
    proposals = conversion.proposals
    pending = [p for p in proposals if p.status == PENDING]
    departures = conversion.recognition.alignment.departures
    marked = {s.index for d in departures for s in d.doc}
    sourced = {}
    for number, proposal in enumerate(proposals):
        if proposal.source:
            sourced.setdefault(proposal.source["index"], number)
    sentences = [{"s": s, "departure": s.index in marked, "kaart": s.index in conversion.recognition.alignment.kaart,
                  "proposal": sourced.get(s.index)} for s in conversion.document.sentences]
    from socialmap.parser import parse_organisations

    roles = request.user.roles_at(school)
    return {
        "school": school, "draft": draft, "conversion": conversion, "recognition": conversion.recognition,
        "proposals": list(enumerate(proposals)), "own": [(n, p) for n, p in enumerate(proposals) if p.kind != "template"],
        "confirmed": [(n, p) for n, p in enumerate(proposals) if p.kind == "template"],
        "needs_person": conversion.extraction.needs_person, "sentences": sentences, "problems": problems,
        "pending": len(pending), "can_adopt": not problems and not pending and draft.version_id is None,
        "draft_text": draft_text, "adopt_form": AdoptForm(),
        "organisations": parse_organisations(conversion.document.text),
        "may_import_kaart": bool(roles & {Role.IB, Role.DIRECTIE}),
        "locked": draft.version_id is not None,
    }


@login_required
@never_cache
@require_http_methods(["GET"])
def draft_page(request, school_slug, pk):
    school = managed_school(request.user, school_slug)
    draft = _draft(school, pk)
    audit_record("meldcode.convert_view", request=request, school=school, object_repr=str(draft),
                 details={"draft_id": draft.pk})
    return render(request, "protocol/convert_draft.html", _context(request, school, draft))


@login_required
@never_cache
@require_POST
def decide(request, school_slug, pk):
    school = managed_school(request.user, school_slug)
    with transaction.atomic():
        draft = _draft(school, pk)
        draft = ConversionDraft.objects.select_for_update().get(pk=draft.pk)
        if draft.version_id is not None:
            messages.error(request, _("Dit concept is al opgeslagen als versie; het kan niet meer worden gewijzigd."))
            return redirect(_url(draft))
        conversion = draft.conversion()
        by_id = {p.id: p for p in conversion.proposals}
        action = request.POST.get("action", "")
        if action == "accept_all":
            changed = [p.id for p in conversion.proposals if p.status == PENDING]
            for pid in changed:
                draft.decide(pid, ACCEPTED)
        else:
            proposal = by_id.get(request.POST.get("proposal", ""))
            value = (request.POST.get("value") or "").strip()
            if proposal is None or action not in ("accept", "reject", "edit", "reset") or \
                    (action == "edit" and (not value or proposal.kind == "legal")):
                messages.error(request, _("Deze keuze kan niet worden verwerkt. Kies accepteren, aanpassen (met een "
                                          "nieuwe tekst) of afwijzen."))
                response = render(request, "protocol/convert_draft.html", _context(request, school, draft, conversion),
                                  status=400)
                return response
            status = {"accept": ACCEPTED, "reject": REJECTED, "edit": EDITED, "reset": PENDING}[action]
            draft.decide(proposal.id, status, value if action == "edit" else "")
            changed = [proposal.id]
        draft.save(update_fields=["decisions"])
        audit_record("meldcode.convert_decide", request=request, school=school, object_repr=str(draft),
                     details={"draft_id": draft.pk, "action": action, "proposals": changed[:50]})
    if request.headers.get("HX-Request") and action != "accept_all":
        context = _context(request, school, draft)
        number = next(n for n, p in context["proposals"] if p.id == changed[0])
        context.update({"number": number, "proposal": context["proposals"][number][1], "oob": True})
        return render(request, "protocol/_convert_proposal.html", context)
    anchor = f"#voorstel-{request.POST.get('number', '')}" if action != "accept_all" else "#beslissen"
    return redirect(_url(draft) + anchor)


def _next_version(school, key) -> str:
    taken = set(MeldcodeVersion.objects.filter(owner_school=school, key=key).values_list("version", flat=True))
    number = 1
    while str(number) in taken:
        number += 1
    return str(number)


@login_required
@never_cache
@require_POST
def store(request, school_slug, pk):
    """Store the checked draft as a new version of the school's meldcode, and adopt it when asked and confirmed."""
    school = managed_school(request.user, school_slug)
    draft = _draft(school, pk)
    action = request.POST.get("action", "store")
    if action not in ("store", "adopt"):
        messages.error(request, _("Kies opslaan, of opslaan en vaststellen."))
        return redirect(_url(draft))
    conversion = draft.conversion()
    context = _context(request, school, draft, conversion)
    if draft.version_id is not None:
        messages.info(request, _("Dit concept is al opgeslagen als versie."))
        return redirect("protocol:versions", school_slug=school.slug)
    if context["pending"] or context["problems"]:
        messages.error(request, _("Beslis eerst over elk voorstel; het concept moet geldig zijn voordat u het opslaat."))
        return render(request, "protocol/convert_draft.html", context, status=400)
    adopt_form = AdoptForm(request.POST)
    if action == "adopt" and not adopt_form.is_valid():
        context["adopt_form"] = adopt_form
        messages.error(request, _("Vink de bevestiging aan om deze versie vast te stellen."))
        return render(request, "protocol/convert_draft.html", context, status=400)
    key = conversion.key()
    source = conversion.build(version=_next_version(school, key))
    try:
        with transaction.atomic():
            version = store_version(source, filename=f"{key}.yaml", school=school, uploaded_by=request.user)
            draft.version = version
            draft.save(update_fields=["version"])
            audit_record("meldcode.upload", request=request, school=school, object_repr=str(version),
                         details={"version_id": version.pk, "key": version.key, "version": version.version,
                                  "sha256": version.sha256, "conversion_draft_id": draft.pk})
            if action == "adopt":
                adoption = adopt(school, version, request.user)
                audit_record("meldcode.adopt", request=request, school=school, object_repr=str(version),
                             details={"version_id": version.pk, "adoption_id": adoption.pk, "key": version.key,
                                      "version": version.version, "conversion_draft_id": draft.pk})
    except (DefinitionError, VersionRefused) as error:
        messages.error(request, str(error) if isinstance(error, VersionRefused) else "; ".join(error.lines()))
        return render(request, "protocol/convert_draft.html", context, status=400)
    if action == "adopt":
        messages.success(request, _("%(title)s (versie %(version)s) is opgeslagen en vastgesteld. Nieuwe dossiers volgen "
                                    "deze versie.") % {"title": version.title, "version": version.version})
        return redirect("protocol:show", school_slug=school.slug)
    messages.success(request, _("Het concept is opgeslagen als versie %(version)s. Bekijk de verschillen en stel haar "
                                "vast als het bevoegd gezag dat heeft besloten.") % {"version": version.version})
    return redirect(f"{reverse('protocol:versions', args=[school.slug])}?vaststellen={version.pk}")


@login_required
@never_cache
@require_POST
def socialmap_import(request, school_slug, pk):
    """Hand the document's sociale kaart to the existing importer (its preview, then the person's confirmation)."""
    from socialmap.parser import parse_organisations
    from socialmap.views import EDITORS, MAX_ORGANISATIONS, SESSION_KEY

    school = managed_school(request.user, school_slug)
    if not request.user.roles_at(school) & set(EDITORS):
        raise Http404
    draft = _draft(school, pk)
    organisations = parse_organisations(draft.document_text)
    if not organisations or len(organisations) > MAX_ORGANISATIONS:
        messages.error(request, _("In dit document staat geen sociale kaart die we kunnen importeren."))
        return redirect(_url(draft))
    request.session[SESSION_KEY] = {"school": school.pk, "filename": draft.filename,
                                    "organisations": [org.to_json() for org in organisations]}
    audit_record("meldcode.convert_socialmap", request=request, school=school, object_repr=str(draft),
                 details={"draft_id": draft.pk, "organisations": len(organisations)})
    return redirect("socialmap:import", school_slug=school.slug)
