"""Dossier pages. Every view goes through `cases.access` and writes an audit event."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Window
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from accounts.models import Membership
from accounts.reauth import recently_reauthenticated
from accounts.roles import Role
from audit.log import record as audit
from cases import access, journal, next_actions, notifications, rendered, retention, tasks
from cases.case_forms import (
    BreakGlassForm,
    CorrectionForm,
    DossierSettingsForm,
    OpenCaseForm,
    PupilPickForm,
    QuickSignalForm,
    SiblingForm,
    SignForm,
    TeamMemberForm,
)
from cases.forms import ENTRY_FORMS
from cases.models import (
    COORDINATOR_KINDS,
    BreakGlass,
    Case,
    CaseMember,
    CaseSibling,
    Entry,
    EntryKind,
    Route,
    Signature,
    Task,
)
from core import idempotency
from core.concurrency import FIELD as FINGERPRINT_FIELD
from core.concurrency import status_for
from protocol import engine
from protocol.models import current_version, definition_fields
from schools.access import school_for, school_with_roles
from socialmap.models import Organisation

# Roles that work with dossiers at all; the functioneel beheerder never does.
DOSSIER_ROLES = (Role.LEERKRACHT, Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE, Role.BESTUUR, Role.PRIVACY)
OPENING_ROLES = (Role.LEERKRACHT, Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE, Role.BESTUUR)


def _is_id(value: str) -> bool:
    """Whether a posted value can be a row's id: ASCII digits, short enough for the database. `str.isdigit` also
    says yes to '²', '١٢' and 5000 digits, which `int()` then refuses with a 500."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def _case_url(case):
    return reverse("cases:detail", args=[case.reference])


def _closed(request, case):
    """A closed dossier is read-only: say so and go back to it. None when the case is open."""
    if case.is_open:
        return None
    messages.error(request, _("Dit dossier is gesloten. Er kan niets meer aan worden toegevoegd of gewijzigd."))
    return redirect(_case_url(case))


@login_required
def overview(request, school_slug):
    """The coordinator's overview: what needs attention across the school, then all cases one may see."""
    school = school_for(request.user, school_slug, *DOSSIER_ROLES)
    overdue = (Task.objects.filter(case=OuterRef("pk"), done_at__isnull=True, due_on__lt=timezone.localdate())
               .order_by().values("case").annotate(n=Count("pk")).values("n"))
    cases = (access.listed_with_readable(request.user, Case.objects.filter(school=school))
             # The table shows no coordinator: no join, no user object per row. The meldcode (without its source)
             # words the route's label, in this query rather than one per row.
             .select_related("pupil", "meldcode_version")
             .only("reference", "route", "current_step", "open_hypotheses", "last_activity_at", "status",
                   "pupil__first_name", "pupil__last_name", *definition_fields("meldcode_version"))
             .annotate(overdue_tasks=Coalesce(Subquery(overdue), 0))
             .order_by("status", "-last_activity_at"))
    status = request.GET.get("status", "open")
    if status in (Case.Status.OPEN, Case.Status.CLOSED):
        cases = cases.filter(status=status)
    page = _page_with_window_count(cases, request.GET.get("pagina"), 50)
    # Someone who may only know that a case exists (the privacy officer) sees no pupil name, whatever other roles
    # they hold: the name is shown per case, for the cases they may read.
    # (`readable` is annotated per case by access.listed_with_readable, in the page's own query.)
    readable = access.visible(request.user, access.READ).filter(school=school).values("pk")
    tasks = (Task.objects.filter(case__in=readable, done_at__isnull=True, due_on__lte=timezone.localdate()
                                 + timezone.timedelta(days=7))
             # A task's label may use the names of its case's meldcode: it comes in this query.
             .select_related("case__meldcode_version", "case__pupil")
             .only("kind", "due_on", "case__reference", "case__pupil__first_name", "case__pupil__last_name",
                   *definition_fields("case__meldcode_version"))
             .order_by("due_on")[:50])
    idle_before = timezone.now() - journal.IDLE_AFTER
    idle = (access.visible(request.user, access.READ).filter(school=school, status=Case.Status.OPEN,
                                                             last_activity_at__lt=idle_before)
            .select_related("pupil").only("reference", "last_activity_at", "pupil__first_name", "pupil__last_name")
            .order_by("last_activity_at")[:50])
    roles = request.user.roles_at(school)
    audit("case.list", request=request, school=school, details={"status": status})
    return render(request, "cases/overview.html", {
        "school": school, "cases": page, "page": page, "tasks": tasks, "idle": idle, "status": status,
        "content_allowed": bool(roles - {Role.PRIVACY}), "may_open": bool(roles & set(OPENING_ROLES)),
        "today": timezone.localdate(),
    })


def _page_with_window_count(queryset, number, per_page):
    """The page as Paginator.get_page gives it, with the total counted in the page's own query (a window count)
    instead of a COUNT query first. A number past the end falls back to Paginator, which shows the last page."""
    try:
        # Bounded: a page number of thirty digits would overflow the database's integer in OFFSET.
        number = min(max(int(number), 1), 100_000)
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * per_page
    rows = list(queryset.annotate(_total=Window(Count("pk")))[offset:offset + per_page])
    if not rows and number > 1:
        return Paginator(queryset, per_page).get_page(number)
    paginator = Paginator(queryset, per_page)
    paginator.count = rows[0]._total if rows else 0  # Paginator.count is a cached_property: set, not queried
    return Page(rows, number, paginator)


SETTINGS_EDITORS = (Role.DIRECTIE,)
SETTINGS_READERS = (Role.DIRECTIE, Role.PRIVACY, Role.BESTUUR, Role.BEHEER)


@login_required
def dossier_settings(request, school_slug):
    """The school's policy for dossiers. The directie sets it; the privacy officer, bestuur and functioneel
    beheerder read it. Every change is an access-rule change in the audit trail, with the new values."""
    school, roles = school_with_roles(request.user, school_slug, *SETTINGS_READERS)
    may_edit = bool(roles & set(SETTINGS_EDITORS))
    if request.method == "POST" and not may_edit:
        raise Http404
    form = DossierSettingsForm(request.POST or None, instance=school)
    if not may_edit:
        for field in form.fields.values():
            field.disabled = True
    saved = None
    if request.method == "POST":
        with transaction.atomic():
            saved = form.save() if form.is_valid() else None
    if saved is not None:
        changed = [name for name in form.changed_data if name != FINGERPRINT_FIELD]
        audit("school.settings_changed", request=request, school=school, object_repr=school.name,
              details={"fields": changed,
                       "values": {name: form.cleaned_data[name] for name in changed}})
        recomputed = retention.recompute_school(school) if form.retention_changed() else []
        messages.success(request, _("De instellingen zijn opgeslagen.") + (" " + ngettext(
            "Van %(n)s gesloten dossier is de bewaartermijn opnieuw berekend.",
            "Van %(n)s gesloten dossiers is de bewaartermijn opnieuw berekend.", len(recomputed))
            % {"n": len(recomputed)} if recomputed else ""))
        return redirect("cases:settings", school_slug=school.slug)
    return render(request, "cases/settings.html", {"school": school, "form": form, "may_edit": may_edit},
                  status=status_for(form, request.method))


@login_required
def search(request, school_slug):
    school = school_for(request.user, school_slug, *OPENING_ROLES)
    query = request.POST.get("q", "").strip()[:100] if request.method == "POST" else ""
    results = []
    if query:
        results = (access.visible(request.user, access.READ).filter(school=school)
                   .filter(Q(pupil__first_name__icontains=query) | Q(pupil__last_name__icontains=query)
                           | Q(reference__iexact=query))
                   .select_related("pupil")[:50])
        audit("case.search", request=request, school=school, details={"results": len(results)})
    return render(request, "cases/search.html", {"school": school, "query": query, "results": results})


@login_required
@idempotency.guarded
def open_case(request, school_slug):
    school = school_for(request.user, school_slug, *OPENING_ROLES)
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    version = current_version(school)
    if version is None:
        messages.error(request, _("Deze school heeft nog geen meldcode vastgesteld. Vraag de intern begeleider of directie."))
        return redirect("cases:overview", school_slug=school.slug)
    form = OpenCaseForm(request.POST or None, school=school, initial={"pupil": request.GET.get("leerling")})
    if request.method == "POST" and form.is_valid() and form.cleaned_data["route"] != Route.STAFF and (
            Case.objects.filter(school=school, pupil=form.cleaned_data["pupil"], status=Case.Status.OPEN)
            .exclude(route=Route.STAFF).exists()):
        # Never a second open dossier for one pupil: a new signal joins the open one (record_signal).
        form.add_error("pupil", _("Deze leerling heeft al een open dossier. Leg een nieuw signaal vast via "
                                  "'Zorg over een leerling vastleggen'; het komt dan in dat dossier."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with idempotency.once(request) as submission:
            case = Case.objects.create(
                school=school, pupil=data["pupil"], meldcode_version=version, route=data["route"],
                flag_fgm=data["flag_fgm"], flag_honour=data["flag_honour"], opened_by=request.user,
                subject_staff=data.get("subject_staff") if data["route"] == Route.STAFF else None,
                coordinator=None if data["route"] == Route.STAFF else (data.get("coordinator")
                                                                        or journal.default_coordinator(school)),
            )
            team = {request.user}
            if case.coordinator:
                team.add(case.coordinator)
            team.discard(case.subject_staff)
            CaseMember.objects.bulk_create([CaseMember(case=case, user=u, added_by=request.user) for u in team])
            case.refresh_step()
            audit("case.create", request=request, school=school, case=case, object_repr=case.reference,
                  details={"route": case.route})
            next_url = submission.done(reverse("cases:acute", args=[case.reference]) if case.route == Route.ACUTE
                                       else reverse("cases:new_entry", args=[case.reference, EntryKind.SIGNAL]))
        access.forget_grants(request.user)
        if case.route == Route.STAFF:
            notifications.staff_case_opened(case)
        return redirect(next_url)
    return render(request, "cases/open.html", {"school": school, "form": form, "version": version},
                  status=400 if form.errors else 200)


PUPIL_RESULTS = 15


def _find_pupils(school, query, chosen=None):
    """Enrolled pupils whose name matches what was typed (one query); the chosen one stays listed."""
    from schools.models import Pupil

    pupils = Pupil.objects.filter(school=school, status=Pupil.Status.ACTIVE)
    found = []
    if query:
        words = query.split()
        matching = pupils
        for word in words[:4]:
            matching = matching.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
        found = list(matching.order_by("last_name", "first_name")[:PUPIL_RESULTS])
    if chosen is not None and chosen not in found:
        found.insert(0, chosen)
    return found


@login_required
@idempotency.guarded
def record_signal(request, school_slug):
    """Zorg over een leerling vastleggen: find the pupil by typing, write what was seen and heard, save; three
    page loads from home. The dossier is made behind the scenes, or the signal joins the pupil's open dossier
    (never a second one); route, flags and coordinator are the coordinator's business, except acute danger.
    The pupil's name is searched by POST, so it never ends up in a URL or a log (as in the dossier search)."""
    from schools.models import Pupil

    school = school_for(request.user, school_slug, *OPENING_ROLES)
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    version = current_version(school)
    if version is None:
        messages.error(request, _("Deze school heeft nog geen meldcode vastgesteld. Vraag de intern begeleider of directie."))
        return redirect("core:home")
    saving = request.method == "POST" and request.POST.get("action") == "save"
    query = request.POST.get("q", "").strip()[:100]
    pick = PupilPickForm(request.POST if saving else None, school=school)
    form = QuickSignalForm(request.POST if saving else None, definition=version.definition(), user=request.user,
                           initial=request.POST.dict() if request.method == "POST" and not saving else None)
    chosen_id = request.POST.get("leerling", "")
    chosen = (Pupil.objects.filter(school=school, status=Pupil.Status.ACTIVE, pk=chosen_id).first()
              if _is_id(chosen_id) else None)
    if saving and pick.is_valid() & form.is_valid():
        pupil = pick.cleaned_data["leerling"]
        with idempotency.once(request) as submission:
            case, joined = _case_for_signal(request, school, version, pupil, acute=form.cleaned_data["acute"])
            form.case = case
            entry = journal.write_entry(case, form, request.user, save=True)
            audit("entry.create", request=request, school=school, case=case,
                  object_repr=f"{entry.get_kind_display()} #{entry.pk}", details={"kind": entry.kind, "quick": True})
            access.forget_grants(request.user)
            readable = access.READ in access.permissions(request.user, case)
            if form.cleaned_data["acute"]:
                result = (reverse("cases:acute", args=[case.reference]) if readable
                          else reverse("socialmap:emergency", args=[school.slug]))
            elif readable:
                result = _case_url(case)
            else:
                result = reverse("core:home")
            next_url = submission.done(result)
        if joined and not readable:
            # Told that it joined, nothing more: the dossier itself is the coordinator's team's.
            messages.success(request, _("Uw signaal is vastgelegd en toegevoegd aan het dossier dat al over deze "
                                        "leerling loopt. De coördinator ziet het en neemt zo nodig contact met u op."))
        elif joined:
            messages.success(request, _("Uw signaal is toegevoegd aan het lopende dossier van deze leerling."))
        else:
            messages.success(request, _("Uw signaal is vastgelegd. De coördinator ziet het en neemt zo nodig contact "
                                        "met u op."))
        return redirect(next_url)
    if saving:
        audit("entry.rejected", request=request, school=school, details={"kind": EntryKind.SIGNAL, "quick": True})
    pupils = _find_pupils(school, query, chosen)
    if query:
        audit("pupil.search", request=request, school=school, details={"results": len(pupils)})
    return render(request, "cases/signal.html", {
        "school": school, "form": form, "pick": pick, "query": query, "pupils": pupils,
        "chosen": chosen.pk if chosen else None, "searched": bool(query),
    }, status=400 if saving else 200)


def _case_for_signal(request, school, version, pupil, *, acute):
    """The pupil's open dossier, or a new one. The pupil's row is locked first, so two signals saved at the same
    moment still make one dossier. A staff-perpetrator dossier is another matter and is never joined."""
    from schools.models import Pupil

    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    case = (Case.objects.filter(school=school, pupil=pupil, status=Case.Status.OPEN)
            .exclude(route=Route.STAFF).order_by("opened_at").first())
    if case is not None:
        if acute and case.route == Route.REGULAR:
            case.route = Route.ACUTE
            case.save(update_fields=["route"])
            audit("case.route_change", request=request, school=school, case=case, object_repr=case.reference,
                  details={"route": case.route})
        return case, True
    case = Case.objects.create(school=school, pupil=pupil, meldcode_version=version,
                               route=Route.ACUTE if acute else Route.REGULAR, opened_by=request.user,
                               coordinator=journal.default_coordinator(school))
    team = {request.user} | ({case.coordinator} if case.coordinator else set())
    CaseMember.objects.bulk_create([CaseMember(case=case, user=u, added_by=request.user) for u in team])
    audit("case.create", request=request, school=school, case=case, object_repr=case.reference,
          details={"route": case.route, "quick": True})
    return case, False


@login_required
def detail(request, reference):
    from inquiries.models import InformationRequest

    # Most cases have no siblings and no information requests: whether they do is asked in the case's own query,
    # and the lists are only fetched when there is something to list.
    case, rights = access.case_or_404(request.user, reference, access.META, allow_break_glass=True, annotations={
        "has_siblings": Exists(CaseSibling.objects.filter(case=OuterRef("pk"))),
        "has_information_requests": Exists(InformationRequest.objects.filter(case=OuterRef("pk")))})
    if access.META not in rights:
        return redirect("cases:break_glass", reference=case.reference)
    if access.READ not in rights:
        audit("case.view_meta", request=request, school=case.school, case=case, object_repr=case.reference)
        return render(request, "cases/meta.html", {"case": case})
    everything = request.GET.get("alles") == "1"
    entries, older = journal.entries_for_page(case, request.user, everything=everything)
    light = journal.engine_entries(case)
    guidance = journal.cached_guidance(case, light)
    may_write = case.is_open and access.WRITE in rights
    entry_kinds = journal.entry_menu(case, guidance, request.user)
    # An entry's correction (or draft) is a 404 for whoever may not record its kind: no link to it either.
    recordable = {kind for kind, _label, _suggested in entry_kinds}
    for entry in entries:
        entry.writable = may_write and entry.kind in recordable
    rendered.load_content(entries, case)
    audit("case.view", request=request, school=case.school, case=case, object_repr=case.reference)
    information_requests = list(case.information_requests.all()) if case.has_information_requests else []
    viewers = []
    if access.MANAGE in rights:
        from audit.queries import case_viewers

        viewers = case_viewers(case.pk)
    return render(request, "cases/detail.html", {
        "case": case, "rights": rights, "entries": entries, "older": older,
        "guidance": guidance, "definition": case.definition(), "viewers": viewers, "may_write": may_write,
        "team": case.members.select_related("user").order_by("user__full_name"),
        "siblings": case.siblings.select_related("pupil") if case.has_siblings else (),
        "information_requests": information_requests,
        "tasks": tasks.open_tasks(case, information_requests, request.user),
        "entry_kinds": entry_kinds,
        "menu": _menu(case, entry_kinds),
        "actions": next_actions.for_case(case, guidance, request.user, light, may_write=may_write),
        "advice_actions": next_actions.for_advice(case, guidance, request.user, light, may_write=may_write),
        "notices": next_actions.for_notices(case, guidance, request.user, may_write=may_write),
        "open_hypotheses": journal.unresolved(light),
        "handovers": _handovers(light) if access.EXPORT in rights else [],
        "staff_support": journal.staff_support(case.definition()) if any(
            e.kind in (EntryKind.COMPLAINT, EntryKind.STATEMENT) for e in light) else [],
    })


def _handovers(light):
    """The saved handovers not corrected away (their newest versions), for the documents list: from the light list."""
    corrected = {e.corrects_id for e in light if e.corrects_id}
    return [e for e in light if e.kind == EntryKind.HANDOVER and e.pk not in corrected]


DECISION_URLS = {EntryKind.CLOSURE: "cases:close", EntryKind.WEIGHING: "cases:weigh"}


def _menu(case, entry_kinds) -> list[tuple[str, str, str]]:
    """(kind, label, url) of every entry kind this person may record (`journal.entry_menu`): the secondary menu of
    the case page. A decision opens its own page (with the confirmation); the others the journal form."""
    items = []
    for kind, label, _suggested in entry_kinds:
        if kind in DECISION_URLS:
            url = reverse(DECISION_URLS[kind], args=[case.reference])
        elif kind in CONFIRM_KINDS:
            url = reverse("cases:decide", args=[case.reference, kind])
        elif kind == EntryKind.EMERGENCY_CONTACT:
            url = reverse("cases:acute", args=[case.reference])
        else:
            url = reverse("cases:new_entry", args=[case.reference, kind])
        items.append((kind, label, url))
    return items


def _form_kwargs(case, kind, user):
    kwargs = {"case": case, "user": user, "definition": case.definition()}
    if kind in (EntryKind.CONSULTATION, EntryKind.HELP):
        kwargs["organisations"] = Organisation.objects.for_school(case.school).order_by("name")
    if kind == EntryKind.CONSULTATION:
        kwargs["consent_given"] = journal.consent_status(case) == "given"
    if kind == EntryKind.FOLLOWUP:
        kwargs["open_hypotheses"] = journal.open_hypotheses(case)
    return kwargs


# Irreversible decisions get a confirmation page (what will happen, what is still open) before they are recorded.
CONFIRM_KINDS = frozenset(engine.DECISION_KINDS)
# The confirmation page's marker: a decision is saved only from there. A save without it (a form posted straight
# to the URL, an old page) shows the confirmation page instead.
CONFIRMED = "confirmed"


def _must_confirm(request, kind) -> bool:
    """Whether this POST of a valid form shows the confirmation page rather than saving: asked for ("check"), or a
    decision saved without having passed the confirmation page. A draft is no decision and needs none."""
    action = request.POST.get("action")
    return kind in CONFIRM_KINDS and (action == "check" or (action != "draft" and not request.POST.get(CONFIRMED)))


@login_required
@idempotency.guarded
def new_entry(request, reference, kind):
    case, rights = access.case_or_404(request.user, reference, access.WRITE)
    # A decision is never a leerkracht's: the same 404 as `decide` gives, no hint that the page exists.
    if ENTRY_FORMS.get(kind) is None or not journal.may_record(case, request.user, kind):
        raise Http404
    return _entry_page(request, case, kind)


@login_required
@idempotency.guarded
def decide(request, reference, kind="closure"):
    """The page for a decision (close, weigh, 5a, 5b, waive a conversation): only for the roles that take it.
    Anyone else, a leerkracht included, gets the same 404 as for a dossier they do not know."""
    case, rights = access.case_or_404(request.user, reference, access.WRITE)
    if kind not in CONFIRM_KINDS or not journal.may_record(case, request.user, kind):
        raise Http404
    return _entry_page(request, case, kind)


def _entry_page(request, case, kind):
    form_class = ENTRY_FORMS[kind]
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    if closed := _closed(request, case):
        return closed
    kwargs = _form_kwargs(case, kind, request.user)
    initial = next_actions.prefill(form_class, request.GET, kwargs) if request.method != "POST" else {}
    if kind == EntryKind.FOLLOWUP and "hypothesis" not in initial and len(kwargs["open_hypotheses"]) == 1:
        # The only open hypothesis is the one to confirm or refute: chosen already, not "(geen)".
        initial["hypothesis"] = str(kwargs["open_hypotheses"][0].pk)
    form = form_class(request.POST or None, request.FILES or None, initial=initial, **kwargs)
    action = request.POST.get("action")
    if request.method == "POST" and action != "edit":
        if form.is_valid():
            if _must_confirm(request, kind):
                audit("entry.confirm_view", request=request, school=case.school, case=case, details={"kind": kind})
                return _confirm_page(request, case, form, kind, _shown_guidance(case))
            with idempotency.once(request) as submission:
                entry = journal.write_entry(case, form, request.user, save=action != "draft")
                audit("entry.create" if entry.is_saved else "entry.draft", request=request, school=case.school,
                      case=case, object_repr=f"{entry.get_kind_display()} #{entry.pk}", details={"kind": kind})
                messages.success(request, _("Vastgelegd in het journaal.") if entry.is_saved else _("Concept bewaard."))
                return redirect(submission.done(_case_url(case)))
        audit("entry.rejected", request=request, school=case.school, case=case, details={"kind": kind})
    else:
        audit("entry.form", request=request, school=case.school, case=case, details={"kind": kind})
    status = 400 if action != "edit" and form.errors else 200
    guidance = _shown_guidance(case)
    return render(request, "cases/entry_form.html", {
        "case": case, "form": form, "kind": kind, "kind_label": case.words().label(EntryKind, kind), "guidance": guidance,
        "out_of_order": kind not in guidance.allowed_actions and kind not in COORDINATOR_KINDS,
        "confirm_first": kind in CONFIRM_KINDS,
        "staff_support": journal.staff_support(case.definition()) if kind in (
            EntryKind.COMPLAINT, EntryKind.STATEMENT) else [],
    }, status=status)


def _shown_guidance(case):
    """The guidance a form or confirmation page shows, from the case as this request read it (kept per case state,
    as on the case page). Saving an entry computes the step afresh from the database (`Case.refresh_step`)."""
    return journal.cached_guidance(case, journal.cached_engine_entries(case))


WHAT_HAPPENS = {
    EntryKind.CLOSURE: gettext_lazy("Het dossier wordt gesloten. Daarna kan niemand er nog iets aan toevoegen of wijzigen; "
                                    "de bewaartermijn gaat in. Dit kan niet ongedaan worden gemaakt."),
    EntryKind.WEIGHING: gettext_lazy("De weging met het afwegingskader wordt definitief in het journaal vastgelegd. Wijzigen "
                                     "kan daarna alleen met een correctie, die het origineel laat staan."),
    EntryKind.HELP: gettext_lazy("Het besluit om hulp te organiseren (5a) wordt definitief vastgelegd. De termijn en de "
                                 "monitoringsmomenten worden acties met een herinnering voor de coördinator."),
    EntryKind.REPORT: gettext_lazy("De melding bij Veilig Thuis (5b) wordt definitief vastgelegd. Daarna vraagt het dossier "
                                   "om de terugkoppeling en blijft het de leerling volgen."),
    EntryKind.EXEMPTION: gettext_lazy("De afwijking wordt definitief vastgelegd: het gesprek vindt niet plaats, op de "
                                      "gekozen wettelijke grond."),
}


def _display_rows(form):
    """What the person filled in, as label and readable value, for the confirmation page."""
    rows = []
    for name, field in form.fields.items():
        if field.widget.is_hidden:
            continue
        value = form.cleaned_data.get(name)
        if value in (None, "", [], ()):
            continue
        choices = dict((str(k), v) for k, v in getattr(field, "choices", ()) or ())
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(choices.get(str(v), v)) for v in value)
        elif isinstance(value, bool):
            value = _("Ja") if value else _("Nee")
        elif hasattr(value, "strftime"):
            value = date_format(timezone.localtime(value) if hasattr(value, "hour") else value,
                                "j F Y, H:i" if hasattr(value, "hour") else "j F Y")
        else:
            value = choices.get(str(value), value)
        rows.append((field.label, value))
    return rows


def _confirm_page(request, case, form, kind, guidance, *, what=None, back_url=None, label=None):
    """Check your answers: what will be recorded, what happens then, what is still open. The answers travel on
    as hidden fields; the idempotency key too, so the confirmed save still happens once."""
    hidden = [(name, value) for name, values in request.POST.lists() for value in values
              if name not in ("csrfmiddlewaretoken", "action", CONFIRMED)]
    still_open = [need for need in guidance.requirements
                  if next_actions.target(case, need, case.definition(), [])[0] != kind]
    outcome, approval = None, ""
    if kind == EntryKind.WEIGHING:
        from cases.weigh_walk import approval_pending

        outcome = engine.walk_afwegingskader(case.definition(), form.cleaned_data.get("answers") or {})
        approval = approval_pending(case, form)  # who must still approve it (final responsibility), if anyone
    return render(request, "cases/confirm.html", {
        "case": case, "kind": kind, "kind_label": label or case.words().label(EntryKind, kind), "rows": _display_rows(form),
        "hidden": hidden, "what": what or WHAT_HAPPENS.get(kind, ""), "still_open": still_open,
        "open_hypotheses": guidance.open_hypotheses, "outcome": outcome, "approval": approval,
        "back_url": back_url or request.get_full_path(),
    })


@login_required
@idempotency.guarded
def edit_draft(request, reference, entry_id):
    case, rights = access.case_or_404(request.user, reference, access.WRITE)
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    if closed := _closed(request, case):
        return closed
    entry = get_object_or_404(case.entries, pk=entry_id, status=Entry.Status.DRAFT, author=request.user)
    if not journal.may_record(case, request.user, entry.kind):
        raise Http404  # as for a new entry of this kind: the page does not exist for this person
    form_class = ENTRY_FORMS[entry.kind]
    initial = {**entry.content, **entry.facts, "occurred_at": timezone.localtime(entry.occurred_at),
               "revision": entry.revision}
    form = form_class(request.POST or None, request.FILES or None, initial=initial,
                      **_form_kwargs(case, entry.kind, request.user))
    conflict = False
    if (request.method == "POST" and request.POST.get("action") != "edit" and _must_confirm(request, entry.kind)
            and form.is_valid()):
        audit("entry.confirm_view", request=request, school=case.school, case=case, details={"kind": entry.kind})
        return _confirm_page(request, case, form, entry.kind, _shown_guidance(case))
    if request.method == "POST" and request.POST.get("action") != "edit" and form.is_valid():
        with idempotency.once(request) as submission:
            saved = journal.update_draft(entry, form, save=request.POST.get("action") != "draft")
            if saved is None:
                submission.cancel()
            else:
                audit("entry.create" if saved.is_saved else "entry.draft", request=request, school=case.school,
                      case=case, object_repr=f"{saved.get_kind_display()} #{saved.pk}", details={"kind": saved.kind})
                messages.success(request, _("Vastgelegd in het journaal.") if saved.is_saved
                                 else _("Concept bewaard."))
                return redirect(submission.done(_case_url(case)))
        conflict = True
        audit("entry.conflict", request=request, school=case.school, case=case, object_repr=f"#{entry.pk}")
    elif request.method == "POST" and request.POST.get("action") != "edit":
        audit("entry.rejected", request=request, school=case.school, case=case, object_repr=f"#{entry.pk}",
              details={"kind": entry.kind})
    else:
        audit("entry.form", request=request, school=case.school, case=case, object_repr=f"#{entry.pk}")
    return render(request, "cases/entry_form.html", {
        "case": case, "form": form, "kind": entry.kind, "kind_label": entry.get_kind_display(), "draft": entry,
        "conflict": conflict, "guidance": _shown_guidance(case), "confirm_first": entry.kind in CONFIRM_KINDS,
    }, status=409 if conflict else (400 if form.errors else 200))


@login_required
@idempotency.guarded
def correct_entry(request, reference, entry_id):
    case, rights = access.case_or_404(request.user, reference, access.WRITE)
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    if closed := _closed(request, case):
        return closed
    original = get_object_or_404(case.entries, pk=entry_id, status=Entry.Status.SAVED)
    if not journal.may_record(case, request.user, original.kind):
        # As for the form itself: a decision, a complaint, a statement or a handover is not a leerkracht's to
        # correct, and the page does not exist for them (the same 404 as `decide` and `new_entry` give).
        raise Http404
    newer = original.corrections.order_by("-pk").first()
    if newer is not None and request.method != "POST":
        messages.info(request, _("Deze regel is al gecorrigeerd. U corrigeert nu de nieuwste versie."))
        return redirect("cases:correct", reference=case.reference, entry_id=newer.pk)
    form_class = ENTRY_FORMS[original.kind]
    initial = {**original.content, **original.facts, "occurred_at": timezone.localtime(original.occurred_at)}
    form = form_class(request.POST or None, request.FILES or None, initial=initial,
                      **_form_kwargs(case, original.kind, request.user))
    reason_form = CorrectionForm(request.POST or None)
    conflict = False
    if request.method == "POST" and form.is_valid() & reason_form.is_valid():
        with idempotency.once(request) as submission:
            # One correction of an entry at a time: whoever comes second sees the first one, keeps their text.
            Entry.objects.select_for_update().filter(pk=original.pk).first()
            conflict = original.corrections.exists()
            if conflict:
                submission.cancel()
            else:
                entry = journal.write_entry(case, form, request.user, save=True, corrects=original,
                                            correction_reason=reason_form.cleaned_data["reason"])
                audit("entry.correct", request=request, school=case.school, case=case,
                      object_repr=f"#{entry.pk} corrigeert #{original.pk}", details={"kind": original.kind})
                messages.success(request, _("De correctie is vastgelegd; het origineel blijft zichtbaar."))
                return redirect(submission.done(_case_url(case)))
    conflict = conflict or (request.method == "POST" and original.corrections.exists())
    if conflict:
        audit("entry.conflict", request=request, school=case.school, case=case,
              object_repr=f"corrigeren #{original.pk}")
    elif request.method == "POST":
        audit("entry.rejected", request=request, school=case.school, case=case,
              object_repr=f"corrigeren #{original.pk}", details={"kind": original.kind})
    else:
        audit("entry.form", request=request, school=case.school, case=case, object_repr=f"corrigeren #{original.pk}")
    return render(request, "cases/entry_form.html", {
        "case": case, "form": form, "reason_form": reason_form, "kind": original.kind,
        "kind_label": original.get_kind_display(), "original": original, "guidance": _shown_guidance(case),
        "correction_conflict": conflict,
    }, status=409 if conflict else (400 if form.errors or reason_form.errors else 200))


@login_required
@idempotency.guarded
def sign(request, reference, entry_id):
    case, rights = access.case_or_404(request.user, reference, access.WRITE)
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    if closed := _closed(request, case):
        return closed
    entry = get_object_or_404(case.entries, pk=entry_id, status=Entry.Status.SAVED, kind=EntryKind.CONVERSATION)
    form = SignForm(request.POST or None, initial={"participant": request.user.full_name})
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "check":
        audit("entry.confirm_view", request=request, school=case.school, case=case,
              object_repr=f"ondertekenen #{entry.pk}")
        return _confirm_page(request, case, form, "sign", _shown_guidance(case), label=_("Ondertekening"), what=_(
            "De ondertekening wordt definitief bij het gespreksverslag vastgelegd en kan daarna niet worden "
            "gewijzigd."))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with idempotency.once(request) as submission:
            Signature.objects.create(
                entry=entry, participant=data["participant"], recorded_by=request.user,
                user=request.user if data["participant"] == request.user.full_name else None,
                signed_at=timezone.now() if data["signed"] else None,
                refusal_reason="" if data["signed"] else data["refusal_reason"])
            case.refresh_step()
            audit("entry.sign", request=request, school=case.school, case=case, object_repr=f"#{entry.pk}")
            messages.success(request, _("De ondertekening is vastgelegd."))
            return redirect(submission.done(_case_url(case)))
    audit("entry.form", request=request, school=case.school, case=case, object_repr=f"ondertekenen #{entry.pk}")
    return render(request, "cases/sign.html", {"case": case, "entry": entry, "form": form},
                  status=400 if form.errors else 200)


@login_required
def attachment(request, reference, entry_id):
    case, rights = access.case_or_404(request.user, reference, access.READ)
    entry = get_object_or_404(case.entries.select_related("attachment"), pk=entry_id, attachment__isnull=False)
    if not entry.is_saved and entry.author_id != request.user.pk:
        raise Http404
    stored = entry.attachment
    audit("entry.attachment", request=request, school=case.school, case=case, object_repr=f"bijlage bij #{entry.pk}")
    response = HttpResponse(stored.read(), content_type=stored.content_type)
    response["Content-Disposition"] = f'attachment; filename="bijlage-{case.reference}-{entry.pk}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@idempotency.guarded
def team(request, reference):
    case, rights = access.case_or_404(request.user, reference, access.MANAGE)
    adding_sibling = "sibling" in request.POST
    adding = adding_sibling or (request.method == "POST" and not {"coordinator", "remove"} & set(request.POST))
    if adding and (earlier := idempotency.check(request)) is not None:
        return earlier
    # Nobody new gets access to a closed dossier (taking access away still works).
    if adding and (closed := _closed(request, case)):
        return closed
    members = list(case.members.select_related("user"))
    exclude = [m.user_id for m in members] + ([case.subject_staff_id] if case.subject_staff_id else [])
    form = TeamMemberForm(request.POST if request.method == "POST" and not adding_sibling else None,
                          school=case.school, exclude=exclude)
    sibling_form = SiblingForm(request.POST if adding_sibling else None, case=case)
    if adding_sibling:
        if sibling_form.is_valid():
            with idempotency.once(request) as submission:
                sibling = CaseSibling.objects.create(case=case, pupil=sibling_form.cleaned_data["sibling"],
                                                     role=sibling_form.cleaned_data["role"])
                audit("case.sibling_added", request=request, school=case.school, case=case,
                      details={"pupil_id": sibling.pupil_id})
                messages.success(request, _("De broer of zus is aan het dossier gekoppeld."))
                return redirect(submission.done(reverse("cases:team", args=[case.reference])))
    elif request.method == "POST":
        if "coordinator" in request.POST:
            return _change_coordinator(request, case, members)
        if "remove" in request.POST:
            if not _is_id(request.POST["remove"]):
                return HttpResponseBadRequest(_("Onbekend teamlid."))
            member = get_object_or_404(case.members, pk=request.POST["remove"])
            if member.user_id == case.coordinator_id:
                # Without the coordinator on the team, reminders and break-glass notices could reach nobody.
                return HttpResponseBadRequest(_("De coördinator blijft in het team van het dossier."))
            member.delete()
            audit("access.team_change", request=request, school=case.school, case=case,
                  object_repr=f"uit team: {member.user}", details={"removed_user_id": member.user_id})
            messages.success(request, _("%(name)s heeft geen toegang meer tot dit dossier.") % {"name": member.user})
            return redirect("cases:team", reference=case.reference)
        if form.is_valid():
            user = form.cleaned_data["user"]
            with idempotency.once(request) as submission:
                CaseMember.objects.create(case=case, user=user, added_by=request.user)
                audit("access.team_change", request=request, school=case.school, case=case,
                      object_repr=f"in team: {user}", details={"added_user_id": user.pk})
                messages.success(request, _("%(name)s is aan het team toegevoegd.") % {"name": user})
                return redirect(submission.done(reverse("cases:team", args=[case.reference])))
    audit("case.team_view", request=request, school=case.school, case=case, object_repr=case.reference)
    return render(request, "cases/team.html", {
        "case": case, "members": members, "form": form, "sibling_form": sibling_form,
        "siblings": case.siblings.select_related("pupil"), "may_coordinate": _coordinator_candidates(case, members),
    }, status=400 if form.errors or sibling_form.errors else 200)


def _coordinator_candidates(case, members) -> set[int]:
    """Team members who may coordinate: an intern begeleider or directie member of the school (the meldcode's
    aandachtsfunctionaris). A staff-member case has no coordinator: the directie and bestuur carry it."""
    if case.route == Route.STAFF:
        return set()
    return set(Membership.objects.filter(school=case.school, role__in=[Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE],
                                         user_id__in=[m.user_id for m in members]).values_list("user_id", flat=True))


def _change_coordinator(request, case, members):
    """Hand the case to another coordinator on the team (an IB'er on leave, say); the old one stays on the team."""
    member = next((m for m in members if str(m.pk) == request.POST["coordinator"]), None)
    if member is None or member.user_id not in _coordinator_candidates(case, members):
        return HttpResponseBadRequest(_("Alleen een intern begeleider of directielid uit het team kan coördinator "
                                        "worden."))
    previous = case.coordinator_id
    Case.objects.filter(pk=case.pk).update(coordinator=member.user)
    # Open tasks go with the case: reminders reach the new coordinator.
    Task.objects.filter(case=case, done_at__isnull=True, assignee_id=previous).update(assignee=member.user)
    audit("case.coordinator_change", request=request, school=case.school, case=case,
          object_repr=f"coördinator: {member.user}", details={"from_user_id": previous, "to_user_id": member.user_id})
    messages.success(request, _("%(name)s is nu coördinator van dit dossier.") % {"name": member.user})
    return redirect("cases:team", reference=case.reference)


def _break_glass_limited(request) -> bool:
    # Per person, counted on every valid request: opening one dossier after another is not an emergency.
    rate = settings.BREAK_GLASS_RATE
    return is_ratelimited(request, group="cases.break_glass", key="user", rate=rate, increment=True)


@login_required
@idempotency.guarded
def break_glass(request, reference):
    # The key first: once the glass is broken this person reads the case and no longer "may break the glass",
    # yet the form sent again must land on the dossier. A 400 without a key is the same for every reference.
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    case, rights = access.case_or_404(request.user, reference, access.BREAK_GLASS)
    if not recently_reauthenticated(request):
        # Password and second factor again: a session left open on a staff-room laptop must not open a dossier.
        return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': request.get_full_path()})}")
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _break_glass_limited(request):
            audit("access.break_glass_rate_limited", request=request, school=case.school, case=case,
                  object_repr=case.reference)
            return render(request, "cases/break_glass_limited.html", {"case": case}, status=429)
        reason = form.cleaned_data["reason"]
        with idempotency.once(request) as submission:
            BreakGlass.objects.create(case=case, user=request.user, reason=reason,
                                      until=timezone.now() + BreakGlass.DURATION)
            audit("access.break_glass", request=request, school=case.school, case=case,
                  object_repr=case.reference, reason=reason)
            result_url = submission.done(_case_url(case))
        access.forget_grants(request.user)
        notifications.break_glass_used(case, request.user)
        return redirect(result_url)
    return render(request, "cases/break_glass.html", {"case": case, "form": form}, status=400 if form.errors else 200)


@login_required
@idempotency.guarded
def acute(request, reference):
    """Acute danger: the school's emergency numbers at once, and the emergency contact recorded."""
    case, rights = access.case_or_404(request.user, reference, access.WRITE)
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    if closed := _closed(request, case):
        return closed
    numbers = Organisation.objects.for_school(case.school).filter(on_emergency_sheet=True).prefetch_related("phones")
    form_class = ENTRY_FORMS[EntryKind.EMERGENCY_CONTACT]
    form = form_class(request.POST or None, **_form_kwargs(case, EntryKind.EMERGENCY_CONTACT, request.user))
    if request.method == "POST" and form.is_valid():
        with idempotency.once(request) as submission:
            if case.route == Route.REGULAR:
                case.route = Route.ACUTE
                case.save(update_fields=["route"])
            entry = journal.write_entry(case, form, request.user, save=True)
            audit("entry.create", request=request, school=case.school, case=case,
                  object_repr=f"{entry.get_kind_display()} #{entry.pk}", details={"kind": entry.kind})
            messages.success(request, _("Het noodcontact is vastgelegd."))
            return redirect(submission.done(_case_url(case)))
    audit("case.acute_view", request=request, school=case.school, case=case, object_repr=case.reference)
    numbers = list(numbers)
    own = {phone.number.replace(" ", "") for organisation in numbers for phone in organisation.phones.all()}
    return render(request, "cases/acute.html", {
        "case": case, "numbers": numbers, "form": form,
        "show_112": "112" not in own, "show_vt": "0800-2000" not in own,
    }, status=400 if form.errors else 200)


@login_required
@require_POST
def complete_task(request, reference, task_id):
    case, rights = access.case_or_404(request.user, reference, access.WRITE)
    if closed := _closed(request, case):
        return closed
    task = get_object_or_404(case.tasks, pk=task_id, done_at__isnull=True)
    if task.kind in tasks.SELF_CLOSING_TASKS:
        # Closed by recording what it asks for, never by hand: the reminder stays until that is in the dossier.
        messages.error(request, _("Deze actie sluit vanzelf zodra vastligt wat ze vraagt. Leg dat vast in het "
                                  "dossier."))
        return redirect(_case_url(case))
    task.done_at = timezone.now()
    task.save(update_fields=["done_at"])
    audit("task.done", request=request, school=case.school, case=case, object_repr=task.get_kind_display())
    messages.success(request, _("De actie is afgevinkt."))
    return redirect(_case_url(case))
