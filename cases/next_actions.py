"""The case page leads: for every open requirement of the engine (a `protocol.engine.Need`), the one place where
it is met, as a link to the form with the right kind, purpose and step already chosen.

Pure reading: no queries beyond what the caller passes in (the engine entries of the case page), so the page's
query count does not grow with the number of needs.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import EntryKind
from protocol import engine

# Query parameters a "new entry" link may carry to preselect a choice in the form (parameter -> form field).
# Only choices are preselected, never an answer to a question (reached, effective, signed).
PREFILL = {"with": "with_", "purpose": "purpose", "hypothesis": "hypothesis", "duty": "duty",
           "applies_to": "applies_to", "roles_present": "roles_present"}
_PREFILL_KEYS = {"with", "purpose", "duty", "applies_to"}

LABELS = {
    EntryKind.SIGNAL: gettext_lazy("Signaal vastleggen"),
    EntryKind.FOLLOWUP: gettext_lazy("Hypothese bevestigen of ontkrachten"),
    EntryKind.CONSULTATION: gettext_lazy("Consultatie vastleggen"),
    EntryKind.CONSENT: gettext_lazy("Toestemming van de ouder vastleggen"),
    EntryKind.CONVERSATION: gettext_lazy("Gespreksverslag vastleggen"),
    EntryKind.EXEMPTION: gettext_lazy("Afwijking vastleggen"),
    EntryKind.WEIGHING: gettext_lazy("Het afwegingskader doorlopen"),
    EntryKind.VERWIJSINDEX: gettext_lazy("Verwijsindex vastleggen"),
    EntryKind.HELP: gettext_lazy("Besluit 5a vastleggen: hulp organiseren"),
    EntryKind.HELP_EVALUATION: gettext_lazy("Evaluatie van de hulp vastleggen"),
    EntryKind.REPORT: gettext_lazy("Besluit 5b vastleggen: melding bij Veilig Thuis"),
    EntryKind.FEEDBACK: gettext_lazy("Terugkoppeling van Veilig Thuis vastleggen"),
    EntryKind.EMERGENCY_CONTACT: gettext_lazy("Noodcontact vastleggen"),
    EntryKind.DUTY: gettext_lazy("Plicht vastleggen"),
    EntryKind.CLOSURE: gettext_lazy("Dossier afsluiten"),
    EntryKind.NOTE: gettext_lazy("Aantekening vastleggen"),
}


@dataclass(frozen=True)
class Action:
    need: engine.Need
    kind: str | None  # the entry kind that meets the need; None when no form meets it
    url: str | None  # None when this person may not take the action (then `who` says who may)
    label: str
    who: str = ""


def _first(value):
    if isinstance(value, (list, tuple)):
        return value[0] if value else None
    return value


def _requirement(definition, need):
    """The requirement of the meldcode a need stems from (None for the engine's own needs)."""
    for step in getattr(definition, "steps", ()):
        if step.id != need.step:
            continue
        for requirement in (*step.requires, *step.advice):
            if requirement.id == need.id:
                return requirement
    return None


def _unsigned_parent_conversation(entries):
    corrected = {e.corrects_id for e in entries if e.corrects_id}
    for entry in reversed(entries):
        if (entry.kind == EntryKind.CONVERSATION and entry.pk not in corrected
                and entry.facts.get("purpose") == "parent" and not getattr(entry, "signature_count", 0)):
            return entry
    return None


def _unapproved(definition, entries):
    """The saved decisions still waiting for approval, in the engine's order (engine._missing_approvals)."""
    final = set(engine.final_roles(definition))
    corrected = {e.corrects_id for e in entries if e.corrects_id}
    current = [e for e in entries if e.pk not in corrected]
    decisions = [e for e in current if e.kind in engine.APPROVAL_KINDS and e.kind != "weighing"]
    weighings = [e for e in current if e.kind == "weighing"]
    if weighings:
        decisions.append(weighings[-1])
    waiting = []
    for entry in sorted(decisions, key=lambda e: (e.occurred_at, e.pk)):
        facts = entry.facts or {}
        if "decided_by_roles" not in facts or set(facts.get("decided_by_roles") or ()) & final:
            continue
        if facts.get("approved_by_role") in final:
            continue
        waiting.append(entry)
    return waiting


def target(case, need, definition, entries) -> tuple[str | None, str | None, dict]:
    """(kind, url name, parameters) of the place where `need` is met."""
    if need.id == "emergency_contact":
        return EntryKind.EMERGENCY_CONTACT, "acute", {}
    if need.id in ("fgm_honour_contact", "report_recontact"):
        return EntryKind.CONSULTATION, "new", {"with": "veilig_thuis"}
    if need.id == "report_feedback":
        return EntryKind.FEEDBACK, "new", {}
    if need.id == "closure":
        return EntryKind.CLOSURE, "close", {}
    if need.id == "hypotheses_resolved":
        return EntryKind.FOLLOWUP, "new", {}
    if case.route == "staff" and any(d.id == need.id for d in definition.routes.staff.duties):
        return EntryKind.DUTY, "new", {"duty": need.id}
    requirement = _requirement(definition, need)
    if requirement is None:
        return None, None, {}
    if requirement.check == "decision":
        return EntryKind.WEIGHING, "weigh", {}
    if requirement.check == "hypotheses_resolved":
        return EntryKind.FOLLOWUP, "new", {}
    kind = requirement.record
    if kind is None:
        return None, None, {}
    params = {key: _first(requirement.where[key]) for key in _PREFILL_KEYS if key in requirement.where}
    if requirement.roles_present:
        params["roles_present"] = list(requirement.roles_present)
    if kind == EntryKind.CONVERSATION and requirement.where.get("signed") in (True, [True], (True,)):
        unsigned = _unsigned_parent_conversation(entries)
        if unsigned is not None:
            return kind, "sign", {"entry_id": unsigned.pk}
    return kind, "new", params


def _url(case, kind, where, params, entries, definition, need_index):
    if where == "acute":
        return reverse("cases:acute", args=[case.reference])
    if where == "close":
        return reverse("cases:close", args=[case.reference])
    if where == "weigh":  # the guided walk, one question at a time (the one-page form stays in the menu)
        return reverse("cases:weigh_walk", args=[case.reference])
    if where == "sign":
        return reverse("cases:sign", args=[case.reference, params["entry_id"]])
    if kind in engine.DECISION_KINDS:
        url = reverse("cases:decide", args=[case.reference, kind])
    else:
        url = reverse("cases:new_entry", args=[case.reference, kind])
    query = [(key, v) for key, value in params.items() for v in (value if isinstance(value, list) else [value])]
    return f"{url}?{urlencode(query)}" if query else url


def for_case(case, guidance, user, entries, *, may_write=True) -> list[Action]:
    """One action per open requirement, in the engine's order; an action the person's role may not take keeps
    its place without a link, saying who takes it."""
    from cases.journal import may_record

    definition = case.definition()
    waiting = _unapproved(definition, entries)
    roles = user.roles_at(case.school)
    final = engine.final_roles(definition)
    actions = []
    approval_index = 0
    for index, need in enumerate(guidance.requirements):
        if need.id == "approval":
            entry = waiting[approval_index] if approval_index < len(waiting) else None
            approval_index += 1
            allowed = entry is not None and may_write and bool(set(roles) & set(final))
            url = reverse("cases:correct", args=[case.reference, entry.pk]) if allowed else None
            actions.append(Action(need, entry.kind if entry else None, url, _("Besluit goedkeuren"),
                                  "" if allowed else engine._role_names(final)))
            continue
        kind, where, params = target(case, need, definition, entries)
        if kind is None:
            actions.append(Action(need, None, None, "", ""))
            continue
        allowed = may_write and may_record(case, user, kind)
        label = _("Ondertekening vastleggen") if where == "sign" else str(LABELS.get(kind, kind))
        url = _url(case, kind, where, params, entries, definition, index) if allowed else None
        who = "" if allowed else _("de coördinator (intern begeleider of directie)")
        actions.append(Action(need, kind, url, label, who))
    return actions


# The engine's warnings that a form answers: the warning then carries the link to it (a coordinator on a phone
# should not have to find the consent form in the menu to act on "ask the other parent too").
NOTICE_FORMS = {
    "consent_without_authority": (EntryKind.CONSENT, {}),
    "other_parent_consent": (EntryKind.CONSENT, {}),
    "consent_refused": (EntryKind.CONSENT, {}),
    "other_parent_informed": (EntryKind.CONVERSATION, {"purpose": "parent"}),
    "open_hypotheses": (EntryKind.FOLLOWUP, {}),
}


@dataclass(frozen=True)
class NoticeAction:
    notice: engine.Notice
    url: str | None
    label: str


def for_notices(case, guidance, user, *, may_write=True) -> list[NoticeAction]:
    """The engine's warnings, each with the form that answers it where this person may record it."""
    from cases.journal import may_record

    result = []
    for notice in guidance.warnings:
        kind, params = NOTICE_FORMS.get(notice.code, (None, {}))
        if kind is None or not may_write or not may_record(case, user, kind):
            result.append(NoticeAction(notice, None, ""))
            continue
        url = reverse("cases:new_entry", args=[case.reference, kind])
        if params:
            url += "?" + urlencode(params)
        result.append(NoticeAction(notice, url, str(LABELS.get(kind, kind))))
    return result


def for_advice(case, guidance, user, entries, *, may_write=True) -> list[Action]:
    """The advice of the engine with a link where a form meets it (secondary: never a primary button)."""
    from cases.journal import may_record

    definition = case.definition()
    actions = []
    for need in guidance.advice:
        if need.id == "verwijsindex":
            kind, where, params = EntryKind.VERWIJSINDEX, "new", {}
        else:
            kind, where, params = target(case, need, definition, entries)
        allowed = kind is not None and may_write and may_record(case, user, kind)
        url = _url(case, kind, where, params, entries, definition, 0) if allowed else None
        label = (_("Ondertekening vastleggen") if where == "sign" else str(LABELS.get(kind, kind))) if kind else ""
        actions.append(Action(need, kind, url, label))
    return actions


def prefill(form_class, query, form_kwargs) -> dict:
    """Initial values from a guidance link's query string: only values that are among the form's choices."""
    initial = {}
    probe = form_class(**form_kwargs)
    for param, name in PREFILL.items():
        values = query.getlist(param)
        field = probe.fields.get(name)
        if not values or field is None or not hasattr(field, "choices"):
            continue
        valid = {str(value) for value, _label in field.choices}
        chosen = [v for v in values if v in valid]
        if not chosen:
            continue
        initial[name] = chosen if name == "roles_present" else chosen[0]
    return initial
