"""Writing and reading the journal, and the next actions that follow from it."""

import re
import threading
from collections import OrderedDict
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Window, prefetch_related_objects
from django.db.models.base import ModelState
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from cases.models import COORDINATOR_KINDS, Case, Entry, EntryKind, Route, Task, record_entry
from protocol import engine

IDLE_AFTER = timedelta(days=30)
COORDINATOR_RECORDERS = frozenset({Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE})
HYPOTHESIS_FOLLOWUP = timedelta(days=28)
RECONTACT_VT_AFTER = timedelta(weeks=6)


JOURNAL_PAGE = 50


def engine_entries(case: Case) -> list[Entry]:
    """Every saved entry with just what the engine and the page's lists need; content stays encrypted.
    On the case page `entries_for_page` has loaded them already (the same list, no second query)."""
    light = case.__dict__.pop("_page_light", None)
    return light if light is not None else case.engine_entries()


# The engine's light list per case, per process (facts and kinds only: no content, nothing decrypted), keyed by
# the case row's state. Every write that changes what the engine reads goes through `Case.refresh_step` (saving
# an entry, a correction, a signature), which moves `last_activity_at` in the same transaction: a changed case
# has a new key, and the page reads its list afresh. A small LRU: a process serves the cases in use.
_LIGHT_CACHE: OrderedDict = OrderedDict()
LIGHT_CACHE_SIZE = 500
# Both per-process caches here are shared by a process's threads (gunicorn's threaded workers): one lock for each
# lookup-or-store, never held while the database or the engine works.
_CACHE_LOCK = threading.Lock()


def _cached(cache: OrderedDict, key, compute):
    """The value kept under `key`, or `compute()` stored there (the least recently used dropped past the size)."""
    with _CACHE_LOCK:
        value = cache.get(key)
        if value is not None:
            cache.move_to_end(key)
            return value
    value = compute()
    with _CACHE_LOCK:
        cache[key] = value
        while len(cache) > LIGHT_CACHE_SIZE:
            cache.popitem(last=False)
    return value


def _light_key(case: Case):
    return (case.pk, case.meldcode_version_id, case.last_activity_at, case.current_step, case.open_hypotheses,
            case.status, case.route)


def cached_engine_entries(case: Case) -> list[Entry]:
    """`Case.engine_entries()` for a page that only reads, without the query when this process knows the case in
    this state already. Never for computing a new step after a write (`refresh_step` reads the database)."""
    light = _cached(_LIGHT_CACHE, _light_key(case), case.engine_entries)
    # Shallow copies: whatever a page sets on or loads into an entry (a deferred field) stays with that request.
    return [_clone(entry) for entry in light]


# The engine's guidance per case state, per process: a read-only page of an unchanged case asks the same question
# again. Keyed by everything `Case.guidance` reads: the case's state (as the light list), its flags, the pupil's
# date of birth (age), the school's Verwijsindex setting, today (deadlines) and the language (the engine's texts).
_GUIDANCE_CACHE: OrderedDict = OrderedDict()


def cached_guidance(case: Case, light: list[Entry]) -> engine.Guidance:
    """`Case.guidance(light)` for a page that only reads; the light list must be `cached_engine_entries(case)`."""
    key = (_light_key(case), case.flag_fgm, case.flag_honour, case.pupil.date_of_birth,
           case.school.verwijsindex_connected, timezone.localdate(), translation.get_language())
    # Immutable (frozen dataclasses): safe to share between requests.
    return _cached(_GUIDANCE_CACHE, key, lambda: case.guidance(light))


def _clone(entry: Entry) -> Entry:
    """A shallow copy of a light entry, as `copy.copy` makes it but without pickling's detour (`__reduce_ex__`,
    `__getstate__`): a third of the case page's time went into copying 300 entries. Light entries hold no related
    objects, so the copy starts with an empty cache of them."""
    clone = Entry.__new__(Entry)
    clone.__dict__.update(entry.__dict__)
    state = ModelState()
    state.db, state.adding = entry._state.db, False
    clone._state = state
    return clone


# Every column of an entry but its content (see `entries_for_page`).
PAGE_ENTRY_FIELDS = tuple(f.name for f in Entry._meta.concrete_fields if f.name != "content")


def entries_for_page(case: Case, user, *, everything=False) -> tuple[list[Entry], int]:
    """The newest saved entries (all with `everything`) plus the user's own drafts, oldest first, in a fixed
    number of queries; and how many older entries were left out. The page is read for what is new; the PDF and
    `everything` hold the whole journal.

    At most three queries, whatever the journal's length: the engine's light list of every saved entry (kept for
    `engine_entries`, which the page asks next; cached per process while the case is unchanged), the page's
    entries with their total (a window count), and the signatures of the conversation reports among them (only
    those are signed). Which entries correct which follows from the light list."""
    light = cached_engine_entries(case)
    case._page_light = light
    visible = case.entries.filter(Q(status=Entry.Status.SAVED) | Q(author=user))
    # The content is loaded by `cases.rendered.load_content` for the entries whose HTML this process has not kept:
    # most requests decrypt nothing.
    # The page shows the author's name and whether there is an attachment (its id): no more of either is loaded.
    entries = (visible.select_related("author").only(*PAGE_ENTRY_FIELDS, "author__full_name")
               .annotate(visible_total=Window(Count("pk")),
                         corrects_seq=F("corrects__seq"), refers_seq=F("refers_to__seq"))
               .order_by("-occurred_at", "-pk"))
    if not everything:
        entries = entries[:JOURNAL_PAGE]
    entries = list(entries)[::-1]
    total = entries[0].visible_total if entries else 0
    signed = [e for e in entries if e.kind == EntryKind.CONVERSATION]
    prefetch_related_objects(signed, "signatures")
    none = _prefetched([])  # never changed: one empty list serves every entry without signatures or corrections
    for entry in entries:
        if entry.kind != EntryKind.CONVERSATION:
            entry._prefetched_objects_cache = {"signatures": none}
    # A saved entry's corrections: the saved ones (from the light list) and this person's own drafts on the page;
    # someone else's unsaved draft is not part of the journal.
    corrections: dict[int, list[Entry]] = {}
    for entry in [*light, *(e for e in entries if not e.is_saved)]:
        if entry.corrects_id:
            corrections.setdefault(entry.corrects_id, []).append(entry)
    for entry in entries:
        found = corrections.get(entry.pk)
        entry._prefetched_objects_cache["corrections"] = (
            _prefetched(sorted(found, key=lambda e: e.pk)) if found else none)
    return entries, total - len(entries)


def _prefetched(objects: list) -> QuerySet:
    """A queryset that holds `objects` already, as prefetch_related leaves it (for `entry.corrections.all`)."""
    queryset = Entry.objects.none()
    queryset._result_cache = objects
    queryset._prefetch_done = True
    return queryset


DEFAULT_STAFF_SUPPORT = gettext_lazy(
    "Wordt u door een ouder aangesproken op het toepassen van de meldcode, of loopt er een klacht? U staat er niet "
    "alleen voor: de directie steunt u en neemt het gesprek zo nodig over, en u kunt terecht bij de "
    "vertrouwenspersoon van de school. U handelde namens de school, volgens de meldcode.")


def staff_support(definition) -> list[str]:
    """What the school's meldcode promises staff who are challenged by a parent (its responsibilities that speak of
    support for staff spoken to by parents), else a default pointing to the directie and the vertrouwenspersoon."""
    promised = [duty for responsibility in getattr(definition, "responsibilities", ())
                for duty in responsibility.duties
                if "steun" in duty.lower() and ("aangesproken" in duty.lower() or "ouder" in duty.lower())]
    return [*promised, str(DEFAULT_STAFF_SUPPORT)] if promised else [str(DEFAULT_STAFF_SUPPORT)]


def default_coordinator(school):
    from accounts.models import User

    return User.objects.filter(memberships__school=school, memberships__role=Role.IB, is_active=True).order_by("pk").first()


def open_hypotheses(case: Case) -> list[Entry]:
    """Hypotheses not yet confirmed or refuted (and not corrected away), with their content: for the follow-up form."""
    open_ids = {e.pk for e in unresolved(engine_entries(case))}
    return list(case.entries.filter(pk__in=open_ids).order_by("occurred_at"))


def unresolved(entries: list[Entry]) -> list[Entry]:
    """The open hypotheses among the saved entries (no query). A corrected entry counts as its correction,
    so a hypothesis corrected into a fact, or a follow-up corrected to resolve nothing, changes the list."""
    saved = [e for e in entries if e.is_saved]
    corrected = {e.corrects_id for e in saved if e.corrects_id}
    current = [e for e in saved if e.pk not in corrected]
    # A follow-up may point at a hypothesis that was corrected later: follow the chain to the newest version.
    newest = {e.corrects_id: e.pk for e in saved if e.corrects_id}

    def latest(pk):
        while pk in newest:
            pk = newest[pk]
        return pk

    resolved = {latest(e.refers_to_id) for e in current
                if e.kind == EntryKind.FOLLOWUP and e.refers_to_id and e.facts.get("resolves_hypothesis")}
    return [e for e in current if e.kind == EntryKind.SIGNAL and e.facts.get("is_hypothesis") and e.pk not in resolved]


def consent_status(case: Case) -> str | None:
    """The latest consent status that counts: an entry naming only guardians without gezag is no consent
    (protocol.engine.counts_as_consent)."""
    entries = (case.entries.filter(kind=EntryKind.CONSENT, status=Entry.Status.SAVED)
               .order_by("-occurred_at", "-pk").only("kind", "occurred_at", "facts"))
    for entry in entries:
        if engine.counts_as_consent(engine.Record(entry.kind, entry.occurred_at, entry.facts or {})):
            return entry.facts.get("status")
    return None


def may_record(case: Case, user, kind: str) -> bool:
    """Whether `user` may record this kind of entry in this case: the duties only on the staff route, and the
    decisions (weighing, help, report, waiver, closure) never by a leerkracht (protocol.engine.may_record)."""
    if kind == EntryKind.DUTY and case.route != Route.STAFF:
        return False
    if kind in COORDINATOR_KINDS:
        # Complaints, the parent's statement and the handover: the coordinators and the directie only.
        return bool(user.roles_at(case.school) & COORDINATOR_RECORDERS)
    return engine.may_record(kind, user.roles_at(case.school))


def require_may_record(case: Case, user, kind: str) -> None:
    """The server-side check behind every URL that writes an entry of `kind` (new, draft, correction)."""
    if not may_record(case, user, kind):
        raise PermissionDenied


def entry_menu(case: Case, guidance, user=None) -> list[tuple[str, str, bool]]:
    """(kind, label, suggested) for the 'add to the journal' menu: the engine's next actions first, and only the
    kinds this person may record."""
    kinds = [k for k in EntryKind if k != EntryKind.DUTY or case.route == Route.STAFF]
    if user is not None:
        kinds = [k for k in kinds if may_record(case, user, k)]
    allowed = set(guidance.allowed_actions)
    words = case.words()  # the buttons in the names of the case's meldcode ("melding bij Veilig Thuis Utrecht")
    return sorted(((k.value, words.say(k.label), k.value in allowed) for k in kinds), key=lambda item: not item[2])


def write_entry(case: Case, form, author, *, save: bool, corrects: Entry | None = None,
                correction_reason: str = "") -> Entry:
    require_may_record(case, author, form.kind)
    content = form.content()
    if correction_reason:
        content["correction_reason"] = correction_reason
    entry = Entry(case=case, kind=form.kind, author=author, occurred_at=form.cleaned_data["occurred_at"],
                  content=content, facts=form.facts(), corrects=corrects)
    entry.refers_to = _hypothesis(case, form)
    with transaction.atomic():
        _attach(entry, form)
        entry.save()
        if save:
            record_entry(entry)
            plan_tasks(entry)
    return entry


def _hypothesis(case, form):
    """The hypothesis a follow-up confirms or refutes, looked up within this case only."""
    if form.kind != EntryKind.FOLLOWUP or not form.cleaned_data.get("hypothesis"):
        return None
    return case.entries.filter(pk=form.cleaned_data["hypothesis"], kind=EntryKind.SIGNAL,
                               status=Entry.Status.SAVED).first()


def _attach(entry, form):
    upload = form.cleaned_data.get("evidence")
    if upload:
        from vault.files import save_encrypted_file

        entry.attachment = save_encrypted_file(upload, purpose=f"case-{entry.case.reference}")


def update_draft(entry: Entry, form, *, save: bool) -> Entry | None:
    """Save a draft only if nobody saved it since the form was loaded; None means a conflict."""
    revision = form.cleaned_data.get("revision") or 0
    require_may_record(entry.case, entry.author, entry.kind)
    with transaction.atomic():
        _attach(entry, form)  # a new upload replaces the draft's evidence; without one the old evidence stays
        updated = (Entry.objects.filter(pk=entry.pk, status=Entry.Status.DRAFT, revision=revision)
                   .update(revision=F("revision") + 1, content=form.content(), facts=form.facts(),
                           occurred_at=form.cleaned_data["occurred_at"], attachment=entry.attachment,
                           refers_to=_hypothesis(entry.case, form)))
        if not updated:
            transaction.set_rollback(True)  # the upload of the losing save is not kept
            return None
        entry.refresh_from_db()
        if save:
            record_entry(entry)
            plan_tasks(entry)
    return entry


_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})")


def plan_tasks(entry: Entry):
    """The next actions a saved entry implies, each with a due date, assigned to the coordinator."""
    case = entry.case
    assignee = case.coordinator
    today = timezone.localdate()
    tasks = []
    if entry.corrects_id:
        # What the corrected entry asked for no longer stands; the correction plans its own next actions.
        case.tasks.filter(source_entry_id=entry.corrects_id, done_at__isnull=True).update(done_at=timezone.now())

    def add(kind, due):
        tasks.append(Task(case=case, kind=kind, due_on=due, assignee=assignee, source_entry=entry))

    if entry.kind == EntryKind.SIGNAL and entry.facts.get("is_hypothesis"):
        add(Task.Kind.HYPOTHESIS, today + HYPOTHESIS_FOLLOWUP)
    elif entry.kind == EntryKind.FOLLOWUP and entry.refers_to_id:
        case.tasks.filter(kind=Task.Kind.HYPOTHESIS, source_entry_id=entry.refers_to_id,
                          done_at__isnull=True).update(done_at=timezone.now())
    elif entry.kind == EntryKind.CONSENT and entry.facts.get("status") in ("refused", "withdrawn"):
        add(Task.Kind.CONSENT, today + timedelta(days=7))
    elif entry.kind == EntryKind.HELP:
        deadline = date.fromisoformat(entry.facts["deadline"])
        add(Task.Kind.HELP_DEADLINE, deadline)
        for day, month, year in _DATE.findall(entry.content.get("monitoring", "")):
            try:
                add(Task.Kind.MONITOR, date(int(year), int(month), int(day)))
            except ValueError:
                continue
    elif entry.kind == EntryKind.REPORT:
        period = case.definition().recontact_after  # format 2: the period of the school's file
        add(Task.Kind.RECONTACT_VT, today + (timedelta(days=period.days) if period and period.days else
                                             RECONTACT_VT_AFTER))
    elif entry.kind == EntryKind.PLAN:
        # The plan's evaluation dates; a newer plan replaces the dates of the one before.
        case.tasks.filter(kind=Task.Kind.MONITOR, need_id="plan_evaluation", done_at__isnull=True).update(
            done_at=timezone.now())
        for day in entry.facts.get("evaluate_on") or ():
            tasks.append(Task(case=case, kind=Task.Kind.MONITOR, due_on=date.fromisoformat(day), assignee=assignee,
                              source_entry=entry, need_id="plan_evaluation"))
    elif entry.kind == EntryKind.CARE_TEAM:
        # Each agreed action is a task for its owner; the title stays generic, the dossier says what it is.
        for action in entry.facts.get("actions") or ():
            tasks.append(Task(case=case, kind=Task.Kind.CARE_TEAM, due_on=date.fromisoformat(action["due"]),
                              assignee_id=action["owner"], source_entry=entry))
    elif entry.kind == EntryKind.HELP_EVALUATION:
        case.tasks.filter(kind__in=[Task.Kind.HELP_DEADLINE, Task.Kind.MONITOR], done_at__isnull=True,
                          due_on__lte=today).update(done_at=timezone.now())
    elif entry.kind == EntryKind.CLOSURE:
        close_case(case, entry)
    Task.objects.bulk_create(tasks)


def close_case(case: Case, entry: Entry):
    from cases.retention import retention_date

    case.status = Case.Status.CLOSED
    case.closed_at = entry.saved_at or timezone.now()
    case.closure_reason = entry.facts.get("reason", "")
    case.retain_until = retention_date(case)
    case.save(update_fields=["status", "closed_at", "closure_reason", "retain_until"])
    case.tasks.filter(done_at__isnull=True).update(done_at=timezone.now())
