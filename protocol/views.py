"""The school's meldcode as a readable page, uploading and adopting versions, and the difference between two."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Role
from audit.log import record as audit_record
from protocol.access import can_manage, managed_school, readable_school
from protocol.definition import DefinitionError
from protocol.diff import compare, source_diff
from protocol.forms import AdoptForm, BoardAdoptForm, UploadForm
from protocol.models import (
    BoardAdoption,
    MeldcodeVersion,
    VersionRefused,
    adopt,
    adopt_for_board,
    current_adoption,
    current_version,
    default_version,
    store_version,
)
from protocol.presentation import (
    afwegingskader_rows,
    parties_view,
    responsibilities_view,
    role_names,
    route_columns,
    staff_duties_view,
    steps_view,
)
from schools.access import school_for


def _socialmap_url(school) -> str:
    try:
        return reverse("socialmap:list", kwargs={"school_slug": school.slug})
    except NoReverseMatch:
        return f"/sociale-kaart/{school.slug}/"


MAX_PK = 2**63 - 1  # larger numbers overflow the database's integer column


def _pk(value) -> int | None:
    """A primary key from the query string or form, or None for anything else (letters, '²', 5000 digits)."""
    value = str(value or "")
    if not (value.isascii() and value.isdigit() and len(value) <= 19):
        return None
    number = int(value)
    return number if number <= MAX_PK else None


def _version_for(school, pk: int | None) -> MeldcodeVersion:
    if pk is None or pk > MAX_PK:  # the diff's <int:> path converter accepts any length
        raise Http404
    version = get_object_or_404(MeldcodeVersion, pk=pk)
    if not version.usable_by(school):
        raise Http404
    return version


@login_required
@never_cache
@require_GET
def show(request, school_slug):
    school = readable_school(request.user, school_slug)
    adoption = current_adoption(school)  # the school's own, or its board's for it
    version = adoption.version if adoption else default_version()
    definition = version.definition()
    return render(request, "protocol/show.html", {
        "school": school, "version": version, "definition": definition, "adoption": adoption,
        "columns": route_columns(definition), "steps": steps_view(definition),
        "questions": afwegingskader_rows(definition), "responsibilities": responsibilities_view(definition),
        "staff_duties": staff_duties_view(definition), "parties": parties_view(definition),
        "defaults": {a.field for a in definition.defaults_applied},
        "final_roles": role_names(definition.final_responsibility.roles),
        "can_manage": can_manage(request.user, school), "socialmap_url": _socialmap_url(school),
        "board_adoption": adoption if isinstance(adoption, BoardAdoption) else None,
        "is_board": Role.BESTUUR in request.user.roles_at(school),
    })


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def versions(request, school_slug):
    school = readable_school(request.user, school_slug)
    manage = can_manage(request.user, school)
    form, problems = UploadForm(), None
    if request.method == "POST":
        school = managed_school(request.user, school_slug)
        if request.POST.get("action") == "adopt":
            return _adopt(request, school)
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            source, filename = form.cleaned_data["source"], form.cleaned_data["filename"]
            try:
                version = store_version(source, filename=filename, school=school, uploaded_by=request.user)
            except DefinitionError as error:
                problems = _with_source_lines(error.problems, source)
            except VersionRefused as error:
                form.add_error(None, str(error))
            else:
                audit_record("meldcode.upload", request=request, school=school, object_repr=str(version),
                             details={"version_id": version.pk, "key": version.key, "version": version.version,
                                      "sha256": version.sha256})
                messages.success(request, _("De meldcode is geldig en opgeslagen. Bekijk de verschillen en stel "
                                            "haar vast als het bevoegd gezag dat heeft besloten."))
                return redirect(f"{reverse('protocol:versions', args=[school.slug])}?vaststellen={version.pk}")
    pk = _pk(request.GET.get("vaststellen")) if manage else None
    confirm = _version_for(school, pk) if pk is not None else None
    return _versions_page(request, school, manage, form=form, problems=problems, confirm=confirm,
                          adopt_form=AdoptForm(),
                          status=400 if request.method == "POST" and (form.errors or problems) else 200)


def _versions_page(request, school, manage, *, form, problems, confirm, adopt_form, status):
    current = current_version(school)
    return render(request, "protocol/versions.html", {
        "school": school, "can_manage": manage, "form": form, "problems": problems,
        "versions": MeldcodeVersion.for_school(school), "current": current,
        "adoptions": school.adoptions.select_related("version", "adopted_by")[:20],
        "confirm": confirm, "adopt_form": adopt_form,
        "confirm_changes": compare(current.definition(), confirm.definition()) if confirm and current else None,
    }, status=status)


def _adopt(request, school):
    version = _version_for(school, _pk(request.POST.get("version")))
    confirm_url = f"{reverse('protocol:versions', args=[school.slug])}?vaststellen={version.pk}"
    form = AdoptForm(request.POST)
    if not form.is_valid():
        # The page again, with the error summary linking to the box to tick (nothing is adopted).
        return _versions_page(request, school, True, form=UploadForm(), problems=None, confirm=version,
                              adopt_form=form, status=400)
    try:
        adoption = adopt(school, version, request.user)
    except VersionRefused as error:
        messages.error(request, str(error))
        return redirect(confirm_url)
    audit_record("meldcode.adopt", request=request, school=school, object_repr=str(version),
                 details={"version_id": version.pk, "adoption_id": adoption.pk, "key": version.key,
                          "version": version.version})
    messages.success(request, _("%(title)s (versie %(version)s) is vastgesteld. Nieuwe dossiers volgen deze "
                                "versie.") % {"title": version.title, "version": version.version})
    return redirect("protocol:show", school_slug=school.slug)


def _with_source_lines(problems, source):
    lines = source.splitlines()
    return [{"line": line, "message": message, "text": lines[line - 1] if 0 < line <= len(lines) else ""}
            for _filename, line, message in problems]


@login_required
@never_cache
@require_GET
def diff(request, school_slug, a_id, b_id):
    school = readable_school(request.user, school_slug)
    old, new = _version_for(school, a_id), _version_for(school, b_id)
    return render(request, "protocol/diff.html", {
        "school": school, "old": old, "new": new, "changes": compare(old.definition(), new.definition()),
        "lines": source_diff(old.source, new.source, f"{old.key} {old.version}", f"{new.key} {new.version}"),
    })


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def board(request, school_slug):
    """The board (bevoegd gezag) adopts one meldcode version for all or some of its schools. Only the bestuur role;
    each covered school gets an audit event. Each school keeps its own sociale kaart, and may still adopt its own."""
    school = school_for(request.user, school_slug, Role.BESTUUR)
    board_ = school.board
    form = BoardAdoptForm(request.POST or None, board=board_)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        schools = list(data["schools"]) if data["scope"] == "some" else None
        try:
            adoption = adopt_for_board(board_, data["version"], schools=schools, by=request.user)
        except VersionRefused as error:
            form.add_error("version", str(error))
        else:
            covered = schools if schools is not None else list(board_.schools.all())
            for covered_school in covered:
                audit_record("meldcode.board_adopt", request=request, school=covered_school,
                             object_repr=str(adoption.version),
                             details={"version_id": adoption.version_id, "board_adoption_id": adoption.pk,
                                      "board_id": board_.pk, "all_schools": adoption.all_schools,
                                      "key": adoption.version.key, "version": adoption.version.version})
            messages.success(request, _("Het bestuur heeft %(title)s (versie %(version)s) vastgesteld voor "
                                        "%(count)s school/scholen. Nieuwe dossiers volgen deze versie.")
                             % {"title": adoption.version.title, "version": adoption.version.version,
                                "count": len(covered)})
            return redirect("protocol:board", school_slug=school.slug)
    if request.method == "GET":
        audit_record("meldcode.board_view", request=request, school=school, object_repr=str(board_))
    schools = [{"school": s, "adoption": current_adoption(s)} for s in board_.schools.order_by("name")]
    return render(request, "protocol/board.html", {
        "school": school, "board": board_, "form": form, "schools": schools,
        "adoptions": BoardAdoption.objects.filter(board=board_).select_related("version", "adopted_by")
        .prefetch_related("schools")[:20],
    }, status=400 if form.errors else 200)
