from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.roles import Role
from schools.access import school_for, school_with_roles
from socialmap import auditing
from socialmap.forms import DocumentUploadForm, OrganisationForm, PhoneFormSet, PreviewFormSet, PreviewRowForm
from socialmap.importing import SKIP, InvalidOrganisation, apply_import
from socialmap.models import Kind, Organisation
from socialmap.parser import ParsedOrganisation, is_defunct, normalise_name, parse_organisations
from socialmap.readers import DocumentError, read_document

EDITORS = (Role.IB, Role.DIRECTIE)  # the school's own entries
BOARD_EDITORS = (Role.BESTUUR,)  # the entries the board shares with all its schools
SESSION_KEY = "socialmap_import"
MAX_ORGANISATIONS = 300  # the preview waits in the session; a real sociale kaart has a few dozen at most


def _edit_rights(roles) -> tuple[bool, bool]:
    """(may change the school's own entries, may change the board's shared entries)."""
    return bool(roles & set(EDITORS)), bool(roles & set(BOARD_EDITORS))


def _editable_organisation(school, roles, pk):
    """An entry this user may change at this school: its own (coordinator, directie), or its board's (bestuur)."""
    may_keep, may_share = _edit_rights(roles)
    owners = Q(pk__in=[])
    if may_keep:
        owners |= Q(school=school)
    if may_share:
        owners |= Q(board_id=school.board_id, school__isnull=True)
    return get_object_or_404(Organisation.objects.filter(owners), pk=pk)


# --- the list -------------------------------------------------------------------------------------------------


@login_required
@never_cache
def organisation_list(request, school_slug):
    school, roles = school_with_roles(request.user, school_slug)
    organisations = Organisation.objects.for_school(school)
    may_keep, may_share = _edit_rights(roles)
    return render(request, "socialmap/list.html", {
        "school": school, "organisations": organisations, "edit_own": may_keep, "edit_shared": may_share,
        "can_edit": may_keep or may_share, "can_import": may_keep,
    })


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def organisation_edit(request, school_slug, pk=None):
    school, roles = school_with_roles(request.user, school_slug, *EDITORS, *BOARD_EDITORS)
    may_keep, may_share = _edit_rights(roles)
    organisation = _editable_organisation(school, roles, pk) if pk else Organisation(school=school)
    form = OrganisationForm(request.POST or None, instance=organisation, school=school,
                            may_keep=may_keep, may_share=may_share)
    phones = PhoneFormSet(request.POST or None, instance=organisation, prefix="phones")
    saved = None
    if request.method == "POST":
        with transaction.atomic():
            # The form first: it locks the stored entry while it checks nobody changed it since it was loaded.
            if form.is_valid() and phones.is_valid():
                saved = form.save()
                phones.instance = saved
                phone_rows = phones.save(commit=False)
                for position, phone in enumerate(phone_rows):
                    phone.position = position
                    phone.save()
                for phone in phones.deleted_objects:
                    phone.delete()
    if saved is not None:
        changed = form.changed_data + (["phones"] if phones.has_changed() else [])
        auditing.record("socialmap.organisation_updated" if pk else "socialmap.organisation_created", saved,
                        school=school, actor=request.user, request=request,
                        details={"fields": changed, "shared": saved.is_shared})
        messages.success(request, _("%(name)s is opgeslagen.") % {"name": saved.name})
        return redirect("socialmap:list", school_slug=school.slug)
    status = 200 if request.method == "GET" else (409 if form.conflict else 400)
    return render(request, "socialmap/form.html", {
        "school": school, "organisation": organisation if pk else None, "form": form, "phones": phones,
        "board_only": may_share and not may_keep,
    }, status=status)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def organisation_delete(request, school_slug, pk):
    school, roles = school_with_roles(request.user, school_slug, *EDITORS, *BOARD_EDITORS)
    organisation = _editable_organisation(school, roles, pk)
    if request.method == "POST":
        name = organisation.name
        auditing.record("socialmap.organisation_deleted", organisation, school=school, actor=request.user,
                        request=request, details={"shared": organisation.is_shared})
        organisation.delete()
        messages.success(request, _("%(name)s is van de sociale kaart gehaald.") % {"name": name})
        return redirect("socialmap:list", school_slug=school.slug)
    return render(request, "socialmap/delete.html", {"school": school, "organisation": organisation})


# --- the emergency sheet --------------------------------------------------------------------------------------


NATIONAL_VEILIG_THUIS = "08002000"

# On the sheet the number for acute danger comes first, then the crisis service and Veilig Thuis.
_SHEET_ORDER = {Kind.POLICE: 1, Kind.CRISIS: 2, Kind.VEILIG_THUIS: 3}
# The school's key people for acute danger: the IB'er (also aandachtsfunctionaris) and the directie.
# Staff phone numbers are not stored in Meldcode; the sheet names them and gives the school's number.
KEY_ROLES = (Role.IB, Role.DIRECTIE)


def _emergency_context(school):
    organisations = list(Organisation.objects.for_school(school).on_emergency_sheet())
    organisations.sort(key=lambda org: (
        0 if any(phone.number == "112" for phone in org.phones.all()) else _SHEET_ORDER.get(org.kind, 9),
        org.name.casefold()))
    numbers = {"".join(c for c in phone.number if c.isdigit()) for org in organisations for phone in org.phones.all()}
    memberships = sorted(school.memberships.filter(role__in=KEY_ROLES, user__is_active=True).select_related("user"),
                         key=lambda m: (KEY_ROLES.index(m.role), m.user.full_name.casefold()))
    # One line per person, with every key role they hold (an IB'er who is also directie is listed once).
    key_people = {}
    for membership in memberships:
        person = key_people.setdefault(membership.user_id, {"name": membership.user.full_name, "roles": []})
        person["roles"].append(Role(membership.role).label)
    return {
        "school": school, "organisations": organisations, "has_112": "112" in numbers,
        # The national number always works, whatever the sociale kaart says (an old AMK number, a regional
        # Veilig Thuis without a number): it is on the sheet unless the school listed it itself.
        "has_national_veilig_thuis": NATIONAL_VEILIG_THUIS in numbers,
        "coordinators": [person["name"] for person in key_people.values()], "key_people": list(key_people.values()),
        "printed_on": timezone.localdate(),
    }


@login_required
@never_cache
def emergency(request, school_slug):
    school = school_for(request.user, school_slug)
    return render(request, "socialmap/emergency.html", _emergency_context(school))


@login_required
@never_cache
def emergency_pdf(request, school_slug):
    from django.contrib.staticfiles import finders
    from weasyprint import CSS, HTML

    school = school_for(request.user, school_slug)
    html = render_to_string("socialmap/emergency_pdf.html", _emergency_context(school), request=request)
    stylesheet = finders.find("socialmap/emergency.css")
    pdf = HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf(
        stylesheets=[CSS(filename=stylesheet)] if stylesheet else None)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="noodblad-{school.slug}.pdf"'
    return response


# --- import from the school's meldcode document ---------------------------------------------------------------


def _pending(request, school):
    pending = request.session.get(SESSION_KEY)
    if not pending or pending.get("school") != school.pk:
        return None
    return pending


def _preview_initial(school, organisations):
    """The rows as the parser found them; for entries already on the kaart, the kind and flag set before."""
    existing = {org.normalised_name: org for org in Organisation.objects.filter(school=school)}
    rows = []
    for org in organisations:
        initial = PreviewRowForm.initial_for(org)
        current = existing.get(org.key)
        if current is not None:  # what the coordinator chose before, rather than the parser's guess
            initial["on_emergency_sheet"] = current.on_emergency_sheet
            initial["kind"] = current.kind
        rows.append((initial, current))
    return rows


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def import_document(request, school_slug):
    school = school_for(request.user, school_slug, *EDITORS)
    pending = _pending(request, school)
    action = request.POST.get("action") if request.method == "POST" else None
    upload = DocumentUploadForm()
    preview = None
    status = 200

    if action == "cancel":
        request.session.pop(SESSION_KEY, None)
        messages.info(request, _("De import is afgebroken; er is niets opgeslagen."))
        return redirect("socialmap:import", school_slug=school.slug)

    if action == "preview":
        upload = DocumentUploadForm(request.POST, request.FILES)
        if upload.is_valid():
            document = upload.cleaned_data["document"]
            try:
                organisations = parse_organisations(read_document(document.read(), document.name))
            except DocumentError as error:
                upload.add_error("document", str(error))
            else:
                if len(organisations) > MAX_ORGANISATIONS:
                    upload.add_error("document", _(
                        "In dit document staan meer dan %(max)s organisaties; dat is geen sociale kaart die we "
                        "kunnen controleren. Upload alleen de meldcode van de school.") % {"max": MAX_ORGANISATIONS})
                elif organisations:
                    request.session[SESSION_KEY] = {
                        "school": school.pk, "filename": document.name[:200],
                        "organisations": [org.to_json() for org in organisations],
                    }
                    return redirect("socialmap:import", school_slug=school.slug)
                else:
                    upload.add_error("document", _(
                        "In dit document staat geen sociale kaart die we herkennen: geen regels als "
                        "'Organisatie: ...' of 'Telefoon: ...'. Vul de organisaties met de hand in."))
        status = 400

    elif action == "confirm" and pending:
        organisations = [ParsedOrganisation.from_json(data) for data in pending["organisations"]]
        preview = PreviewFormSet(request.POST, prefix="rows", initial=[
            initial for initial, _current in _preview_initial(school, organisations)])
        if preview.is_valid() and preview.total_form_count() == len(organisations):
            decisions = [SKIP if form.cleaned_data["decision"] == "skip" else form.as_parsed() for form in preview]
            try:
                result = apply_import(school, organisations, decisions, actor=request.user, request=request)
            except InvalidOrganisation as error:
                messages.error(request, str(error))
            else:
                request.session.pop(SESSION_KEY, None)
                messages.success(request, _(
                    "De sociale kaart is bijgewerkt: %(created)s toegevoegd, %(updated)s bijgewerkt, "
                    "%(unchanged)s ongewijzigd, %(skipped)s overgeslagen.") % result.as_dict())
                return redirect("socialmap:list", school_slug=school.slug)
        status = 400

    elif action == "confirm":
        messages.error(request, _("De controle is verlopen. Upload het document opnieuw."))
        status = 400

    if pending and preview is None:
        organisations = [ParsedOrganisation.from_json(data) for data in pending["organisations"]]
        preview = PreviewFormSet(prefix="rows", initial=[
            initial for initial, _current in _preview_initial(school, organisations)])
    rows = []
    if preview is not None:
        existing = {org.normalised_name: org for org in Organisation.objects.filter(school=school)}
        rows = [(form, existing.get(normalise_name(str(form.initial.get("name", "")))),
                 is_defunct(str(form.initial.get("name", "")))) for form in preview]
    return render(request, "socialmap/import.html", {
        "school": school, "upload": upload, "preview": preview, "rows": rows,
        "filename": pending["filename"] if pending else "",
    }, status=status)
