from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.models import Membership, PendingRole
from accounts.roles import Role
from core.concurrency import status_for
from schools import imports, mapping, staff
from schools.access import PUPIL_EDITORS, PUPIL_IMPORTERS, PUPIL_VIEWERS, STAFF_MANAGERS, school_with_roles
from schools.events import record, record_import
from schools.forms import (
    ColumnMappingForm,
    GuardianForm,
    ImportUploadForm,
    PupilForm,
    PupilSearchForm,
    RoleForm,
    StaffMemberForm,
)
from schools.models import Guardian, Pupil
from schools.pupils import PAGE_SIZE, search_pupils

# --- pupils -----------------------------------------------------------------------------------


@login_required
@never_cache
def pupils(request, school_slug):
    school, roles = school_with_roles(request.user, school_slug, *PUPIL_VIEWERS)
    # A name typed into the search travels in the POST body, never in the address: addresses end up in access
    # logs and browser history. A `q` in the address is ignored. Status and page number are no names.
    data = request.POST if request.method == "POST" else request.GET.copy()
    if request.method != "POST":
        data.pop("q", None)
    search = PupilSearchForm(data or None)
    query, status = "", "active"
    if search.is_valid():
        query, status = search.cleaned_data["q"], search.cleaned_data["status"] or "active"
    page = Paginator(search_pupils(school, query, status), PAGE_SIZE).get_page(data.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    querystring.pop("q", None)
    if request.method == "POST":
        querystring = QueryDict(mutable=True)
        querystring["status"] = status
    return render(request, "schools/pupils.html", {
        "school": school, "page": page, "search": search, "query": query, "status": status,
        "querystring": querystring.urlencode(),
        "can_edit": bool(roles & set(PUPIL_EDITORS)), "can_import": bool(roles & set(PUPIL_IMPORTERS)),
        "can_manage_staff": bool(roles & set(STAFF_MANAGERS)),
    }, status=400 if search.errors else 200)


def _pupil_of(school, pupil_id):
    return get_object_or_404(Pupil, pk=pupil_id, school=school)


@login_required
@never_cache
def pupil(request, school_slug, pupil_id):
    school, roles = school_with_roles(request.user, school_slug, *PUPIL_VIEWERS)
    the_pupil = _pupil_of(school, pupil_id)
    guardians = list(the_pupil.guardians.current())
    return render(request, "schools/pupil.html", {
        "school": school, "pupil": the_pupil, "guardians": guardians,
        "guardians_without_authority": any(not g.has_authority for g in guardians),
        "can_edit": bool(roles & set(PUPIL_EDITORS)), "roles": roles,
    })


@login_required
@never_cache
def pupil_edit(request, school_slug, pupil_id=None):
    school, _roles = school_with_roles(request.user, school_slug, *PUPIL_EDITORS)
    the_pupil = _pupil_of(school, pupil_id) if pupil_id else None
    form = PupilForm(request.POST or None, instance=the_pupil, school=school)
    if request.method == "POST":
        with transaction.atomic():
            saved = form.save() if form.is_valid() else None
        if saved is not None:
            record("pupil.updated" if the_pupil else "pupil.created", request=request, actor=request.user,
                   school=school, object_repr=str(saved), details={"pupil": saved.pk, "fields": form.changed_data})
            messages.success(request, _("De gegevens van %(name)s zijn opgeslagen.") % {"name": saved.full_name})
            return redirect("schools:pupil", school_slug=school.slug, pupil_id=saved.pk)
    return render(request, "schools/pupil_form.html", {"school": school, "pupil": the_pupil, "form": form},
                  status=status_for(form, request.method))


@login_required
@never_cache
def guardian_edit(request, school_slug, pupil_id, guardian_id=None):
    school, _roles = school_with_roles(request.user, school_slug, *PUPIL_EDITORS)
    the_pupil = _pupil_of(school, pupil_id)
    guardian = (get_object_or_404(Guardian.objects.current(), pk=guardian_id, pupil=the_pupil)
                if guardian_id else None)
    form = GuardianForm(request.POST or None, instance=guardian)
    saved = None
    if request.method == "POST":
        with transaction.atomic():
            if form.is_valid():
                form.instance.pupil = the_pupil
                saved = form.save()
    if saved is not None:
        record("guardian.updated" if guardian else "guardian.created", request=request, actor=request.user,
               school=school, object_repr=str(the_pupil),
               details={"pupil": the_pupil.pk, "guardian": saved.pk, "fields": form.changed_data})
        messages.success(request, _("Ouder/verzorger %(name)s is opgeslagen.") % {"name": saved.name})
        return redirect("schools:pupil", school_slug=school.slug, pupil_id=the_pupil.pk)
    return render(request, "schools/guardian_form.html",
                  {"school": school, "pupil": the_pupil, "guardian": guardian, "form": form},
                  status=status_for(form, request.method))


@login_required
@require_POST
def guardian_delete(request, school_slug, pupil_id, guardian_id):
    school, _roles = school_with_roles(request.user, school_slug, *PUPIL_EDITORS)
    the_pupil = _pupil_of(school, pupil_id)
    guardian = get_object_or_404(Guardian.objects.current(), pk=guardian_id, pupil=the_pupil)
    # A soft delete: the row stays so that anonymised documents keep replacing her name. The page says the
    # same whether or not the pupil has a dossier; a beheerder must not learn that one exists.
    if guardian.remove():
        record("guardian.deleted", request=request, actor=request.user, school=school, object_repr=str(the_pupil),
               details={"pupil": the_pupil.pk, "guardian": guardian_id})
    messages.success(request, _("Ouder/verzorger %(name)s is verwijderd.") % {"name": guardian.name})
    return redirect("schools:pupil", school_slug=school.slug, pupil_id=the_pupil.pk)


# --- CSV import -------------------------------------------------------------------------------

IMPORTS = {
    "pupils": {"parse": imports.parse_pupils_csv, "save": imports.save_pupils, "roles": PUPIL_IMPORTERS,
               "done": "schools:pupils", "template": "schools/import_pupils.html"},
    "staff": {"parse": imports.parse_staff_csv, "save": imports.save_staff, "roles": STAFF_MANAGERS,
              "done": "schools:staff", "template": "schools/import_staff.html"},
}


def _session_key(kind, school):
    return f"schools.import.{kind}.{school.pk}"


def _import(request, school_slug, kind):
    """Upload -> preview with per-row errors -> confirm. The checked rows wait in the session as JSON."""
    spec = IMPORTS[kind]
    school, _roles = school_with_roles(request.user, school_slug, *spec["roles"])
    key = _session_key(kind, school)
    action = request.POST.get("action")
    if request.method == "POST" and action == "cancel":
        request.session.pop(key, None)
        request.session.pop(key + ".table", None)
        return redirect(request.path)
    if request.method == "POST" and action == "confirm":
        stored = request.session.pop(key, None)
        if stored is None:
            messages.error(request, _("Er staat geen gecontroleerd bestand klaar. Upload het bestand opnieuw."))
            return redirect(request.path)
        parsed = imports.ParsedImport.from_session(stored)
        if kind == "staff":
            try:
                summary = spec["save"](school, parsed, actor=request.user, request=request)
            except staff.StaffChangeRefused as refusal:
                messages.error(request, str(refusal))
                return render(request, spec["template"], {"school": school, "form": ImportUploadForm()}, status=400)
        else:
            summary = spec["save"](school, parsed)
        record_import(parsed, summary, school=school, request=request, actor=request.user)
        messages.success(request, _("Import opgeslagen: %(created)s toegevoegd, %(updated)s bijgewerkt.")
                         % summary.as_dict())
        if summary.pending:
            staff.notify_directie_of_pending_roles(school)
            messages.info(request, _("%(pending)s rollen gaan pas in als iemand van de directie ze bevestigt; de "
                                     "directie heeft bericht gekregen.") % {"pending": summary.pending})
        return redirect(spec["done"], school_slug=school.slug)

    if request.method == "POST" and action == "map":
        stored_table = request.session.get(key + ".table")
        if stored_table is None:
            messages.error(request, _("Er staat geen bestand klaar. Upload het bestand opnieuw."))
            return redirect(request.path)
        table = mapping.Table.from_session(stored_table)
        mapping_form = ColumnMappingForm(request.POST, kind=kind, header=table.header)
        if not mapping_form.is_valid():
            return _render_mapping(request, spec, school, table, mapping_form, stored_table.get("name", ""), status=400)
        request.session.pop(key + ".table", None)
        data = mapping.to_import_csv(kind, table, mapping_form.mapping(),
                                     default_role=mapping_form.cleaned_data.get("default_role", ""))
        return _preview(request, spec, school, kind, key, spec["parse"](data), stored_table.get("name", ""))

    form = ImportUploadForm(request.POST or None, request.FILES or None)
    context = {"school": school, "form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        raw = upload.read()
        try:
            table = mapping.read_table(upload.name, raw, kind)
        except mapping.UnreadableFile as problem:
            parsed = imports.ParsedImport(kind=kind, file_errors=[str(problem)])
            return _preview(request, spec, school, kind, key, parsed, upload.name)
        if mapping.needs_mapping(kind, table):
            request.session.pop(key, None)
            request.session[key + ".table"] = {**table.to_session(), "name": upload.name}
            chosen, preset = mapping.suggest(kind, table.header)
            mapping_form = ColumnMappingForm(kind=kind, header=table.header, initial_mapping=chosen)
            return _render_mapping(request, spec, school, table, mapping_form, upload.name, preset=preset)
        # The import's own CSV layout is read as it is (its checks of the raw file included).
        data = raw if table.source == "csv" else mapping.to_import_csv(kind, table,
                                                                         mapping.identity_mapping(kind, table))
        return _preview(request, spec, school, kind, key, spec["parse"](data), upload.name)
    return render(request, spec["template"], context, status=400 if form.errors else 200)


def _preview(request, spec, school, kind, key, parsed, filename):
    if parsed.is_valid:
        request.session[key] = parsed.to_session()
    else:
        request.session.pop(key, None)
    existing = (imports.existing_student_numbers(school, parsed.rows) if kind == "pupils"
                else imports.existing_staff_emails(parsed.rows))
    context = {"school": school, "parsed": parsed, "existing": existing, "form": ImportUploadForm(),
               "filename": filename}
    return render(request, spec["template"], context, status=200 if parsed.is_valid else 400)


def _render_mapping(request, spec, school, table, mapping_form, filename, *, preset=None, status=200):
    samples = [[row[i] if i < len(row) else "" for row in table.rows[:3]] for i in range(len(table.header))]
    return render(request, spec["template"], {
        "school": school, "form": ImportUploadForm(), "mapping_form": mapping_form, "filename": filename,
        "columns": list(zip(table.header, samples, strict=True)), "row_count": len(table.rows), "preset": preset,
    }, status=status)


@login_required
@never_cache
def import_pupils(request, school_slug):
    return _import(request, school_slug, "pupils")


@login_required
@never_cache
def import_staff(request, school_slug):
    return _import(request, school_slug, "staff")


# --- staff ------------------------------------------------------------------------------------


@login_required
@never_cache
def staff_list(request, school_slug):
    school, _roles = school_with_roles(request.user, school_slug, *STAFF_MANAGERS)
    form = StaffMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person, outcome = staff.add_staff_member(
                school, full_name=data["full_name"], email=data["email"], role=data["role"],
                job_title=data["job_title"], actor=request.user, request=request)
        except staff.StaffChangeRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            _say_role_outcome(request, school, person, data["role"], outcome)
            return redirect("schools:staff", school_slug=school.slug)
    return render(request, "schools/staff.html", {
        "school": school, "members": staff.staff_of(school), "form": form,
    }, status=400 if form.errors else 200)


def _say_role_outcome(request, school, person, role, outcome):
    if outcome == staff.PENDING:
        staff.notify_directie_of_pending_roles(school)
        messages.info(request, _("De rol %(role)s voor %(name)s gaat in zodra iemand van de directie haar "
                                 "bevestigt; de directie heeft bericht gekregen.")
                      % {"name": person, "role": Role(role).label})
    elif outcome == staff.ADDED:
        messages.success(request, _("%(name)s heeft nu de rol %(role)s.") % {"name": person, "role": Role(role).label})
    else:
        messages.info(request, _("%(name)s had de rol %(role)s al.") % {"name": person, "role": Role(role).label})


def _refused(request, school, refusal):
    """A change the staff-management gate refused: the staff page with the reason, as a 403."""
    messages.error(request, str(refusal))
    return render(request, "schools/staff.html", {
        "school": school, "members": staff.staff_of(school), "form": StaffMemberForm(),
    }, status=403)


def _staff_action(request, school_slug, user_id):
    school, _roles = school_with_roles(request.user, school_slug, *STAFF_MANAGERS)
    person = staff.member_of(school, user_id)
    if person is None:
        raise Http404
    return school, person


@login_required
@require_POST
def staff_add_role(request, school_slug, user_id):
    school, person = _staff_action(request, school_slug, user_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            outcome = staff.add_role(school, person, form.cleaned_data["role"], actor=request.user, request=request)
        except staff.StaffChangeRefused as refusal:
            return _refused(request, school, refusal)
        else:
            _say_role_outcome(request, school, person, form.cleaned_data["role"], outcome)
    else:
        messages.error(request, _("Kies een rol."))
    return redirect("schools:staff", school_slug=school.slug)


@login_required
@never_cache
def role_requests(request, school_slug):
    """The directie confirms or refuses the roles that open dossiers, given by the functioneel beheerder."""
    school, _roles = school_with_roles(request.user, school_slug, Role.DIRECTIE)
    if request.method == "POST":
        request_id = request.POST.get("request", "")
        if not (request_id.isascii() and request_id.isdigit() and len(request_id) <= 18):  # not '²' nor 5000 digits
            raise Http404
        pending = get_object_or_404(PendingRole.objects.select_related("user"), pk=request_id, school=school)
        confirm = request.POST.get("decision") == "confirm"
        try:
            staff.decide_role(school, pending, confirm=confirm, actor=request.user, request=request)
        except staff.StaffChangeRefused as refusal:
            messages.error(request, str(refusal))
            waiting = PendingRole.objects.filter(school=school).select_related("user", "requested_by")
            return render(request, "schools/role_requests.html", {"school": school, "waiting": waiting},
                          status=403)
        message = (_("%(name)s heeft nu de rol %(role)s.") if confirm
                   else _("De rol %(role)s voor %(name)s is geweigerd."))
        messages.success(request, message % {"name": pending.user, "role": pending.get_role_display()})
        return redirect("schools:role_requests", school_slug=school.slug)
    waiting = PendingRole.objects.filter(school=school).select_related("user", "requested_by")
    return render(request, "schools/role_requests.html", {"school": school, "waiting": waiting})


@login_required
@require_POST
def staff_remove_role(request, school_slug, membership_id):
    school, _roles = school_with_roles(request.user, school_slug, *STAFF_MANAGERS)
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=membership_id, school=school)
    try:
        staff.remove_role(school, membership, actor=request.user, request=request)
    except staff.StaffChangeRefused as refusal:
        return _refused(request, school, refusal)
    else:
        messages.success(request, _("Rol %(role)s van %(name)s verwijderd.")
                         % {"role": membership.get_role_display(), "name": membership.user})
    return redirect("schools:staff", school_slug=school.slug)


@login_required
@require_POST
def staff_unlock(request, school_slug, user_id):
    school, person = _staff_action(request, school_slug, user_id)
    try:
        staff.unlock(school, person, actor=request.user, request=request)
    except staff.StaffChangeRefused as refusal:
        return _refused(request, school, refusal)
    messages.success(request, _("Het account van %(name)s is ontgrendeld.") % {"name": person})
    return redirect("schools:staff", school_slug=school.slug)


@login_required
@require_POST
def staff_reset_two_factor(request, school_slug, user_id):
    school, person = _staff_action(request, school_slug, user_id)
    try:
        staff.reset_two_factor(school, person, actor=request.user, request=request)
    except staff.StaffChangeRefused as refusal:
        return _refused(request, school, refusal)
    else:
        messages.success(request, _("De tweestapsverificatie van %(name)s is gereset. Bij de volgende keer inloggen "
                                    "stelt %(name)s een nieuwe authenticator-app in.") % {"name": person})
    return redirect("schools:staff", school_slug=school.slug)


@login_required
@require_POST
def staff_send_password_link(request, school_slug, user_id):
    school, person = _staff_action(request, school_slug, user_id)
    try:
        staff.send_password_link(school, person, actor=request.user, request=request)
    except staff.StaffChangeRefused as refusal:
        return _refused(request, school, refusal)
    messages.success(request, _("Er is een link gestuurd naar %(email)s waarmee %(name)s een wachtwoord kiest.")
                     % {"email": person.email, "name": person})
    return redirect("schools:staff", school_slug=school.slug)
