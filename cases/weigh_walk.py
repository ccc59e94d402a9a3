"""The afwegingskader as a guided walk: one question per page, the outcome before anything is recorded, then the
rest of the weighing with the two decisions of step 5, the check-your-answers page and the save.

The questions, their explanations and where each answer leads are the school's meldcode
(`Meldcode.afwegingskader`); which question comes next is `protocol.engine.walk_afwegingskader`'s business,
never this module's. The answers so far travel in one signed value, bound to this case and this person, and the
save checks them again with the one-page form (`cases.forms.WeighingForm`), so the recorded weighing is the same as
that form would record.

Each answer is also kept in the person's draft of the weighing (an `Entry` with status draft: its content encrypted
like every entry's, readable only by its author through the access rule), so that whoever leaves the walk halfway
(a phone call, another tab) comes back to the first unanswered question on any app server. The signed value names
the draft's revision: a page older than the draft (another window, the browser's back button) changes nothing. The
save turns that draft into the weighing (`journal.update_draft`), so the half-way answers are gone with it.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db.models import F
from django.forms.utils import ErrorList
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.log import record as audit
from cases import access, journal
from cases.forms import ENTRY_FORMS, WeighingStepForm
from cases.models import Entry, EntryKind
from core import idempotency
from protocol import engine

SALT = "cases.weigh_walk"
# A page left open for longer is refused; the answers given so far stay in the draft.
MAX_AGE = 12 * 60 * 60
WALK = "walk"
KIND = EntryKind.WEIGHING


class Walk:
    """The answers so far: {question id: True/False}, the reasoning per answer, and whether the coordinator
    stopped at a question that cannot be answered yet."""

    def __init__(self, definition, answers=None, reasons=None, stopped=False, *, draft=None, revision=None):
        self.definition = definition
        self.answers = dict(answers or {})
        self.reasons = dict(reasons or {})
        self.stopped = stopped
        # The draft that keeps the answers, and its revision when this page was made (None: not stored yet).
        self.draft, self.revision = draft, revision

    @classmethod
    def from_draft(cls, definition, entry):
        """The walk as the person left it: the stored answers along the kader's path, each with its reasoning (a
        draft from the one-page form counts too); what no longer fits the meldcode's path is asked again."""
        content = entry.content or {}
        stored = content.get("answers") or (entry.facts or {}).get("answers") or {}
        stored = {qid: value for qid, value in stored.items() if isinstance(value, bool)} if isinstance(
            stored, dict) else {}
        answers, reasons = {}, {}
        for qid, answer in engine.walk_afwegingskader(definition, stored).answered:
            reason = content.get(f"r_{qid}")
            if not isinstance(reason, str) or not reason.strip():
                break
            answers[qid], reasons[qid] = answer, reason.strip()
        return cls(definition, answers, reasons, draft=entry.pk, revision=entry.revision)

    @property
    def outcome(self) -> engine.Outcome:
        return engine.walk_afwegingskader(self.definition, self.answers)

    @property
    def pending(self):
        """The question to ask now, or None when the walk is at its outcome."""
        qid = self.outcome.pending_question
        return None if qid is None or self.stopped else self.definition.question(qid)

    @property
    def may_wait(self) -> bool:
        """A question may wait once the kader has reached an outcome (report, start help)."""
        return self.outcome.kind != "continue"

    def sign(self, case, user) -> str:
        return signing.dumps({"c": case.pk, "u": user.pk, "a": self.answers, "r": self.reasons, "s": self.stopped,
                              "d": self.draft, "v": self.revision}, salt=SALT, compress=True)

    @classmethod
    def read(cls, case, user, definition, token: str):
        """The walk carried by the page, or None when it was changed on the way, belongs to another case or
        person, is too old, or does not follow the kader's own path."""
        try:
            data = signing.loads(token or "", salt=SALT, max_age=MAX_AGE)
        except signing.BadSignature:
            return None
        if not isinstance(data, dict) or data.get("c") != case.pk or data.get("u") != user.pk:
            return None
        answers, reasons = data.get("a"), data.get("r")
        if not isinstance(answers, dict) or not isinstance(reasons, dict) or set(reasons) != set(answers):
            return None
        if not all(isinstance(v, bool) for v in answers.values()) or not all(
                isinstance(v, str) and v.strip() for v in reasons.values()):
            return None
        draft, revision = data.get("d"), data.get("v")
        if not all(value is None or (isinstance(value, int) and not isinstance(value, bool)) for value in (draft, revision)):
            return None
        walk = cls(definition, answers, reasons, data.get("s") is True, draft=draft, revision=revision)
        outcome = walk.outcome
        if {qid for qid, _answer in outcome.answered} != set(answers):
            return None  # an answer to a question the kader never reaches
        if walk.stopped and (outcome.pending_question is None or not walk.may_wait):
            return None
        return walk

    def form_data(self) -> dict:
        """The answers as the one-page weighing form names them."""
        data = {}
        for qid, answer in self.answers.items():
            data[f"q_{qid}"] = "yes" if answer else "no"
            data[f"r_{qid}"] = self.reasons[qid]
        return data

    def back(self):
        """One step back: undo the stop, else the last answer (returned, to show it again)."""
        if self.stopped:
            self.stopped = False
            return None
        answered = self.outcome.answered
        if not answered:
            return None
        qid, answer = answered[-1]
        previous = {"answer": "yes" if answer else "no", "reason": self.reasons.pop(qid, "")}
        del self.answers[qid]
        return previous


def _draft(case, user):
    """This person's weighing in progress in this case: their newest draft of it (nobody else's)."""
    return (Entry.objects.filter(case=case, author=user, kind=KIND, status=Entry.Status.DRAFT)
            .order_by("-pk").first())


def _keep(case, user, walk) -> bool:
    """Keep the answers so far in the person's draft (encrypted content; no facts, which are stored plain), with
    the drafts' revision check. False when the draft moved on since this page was made: nothing is changed then."""
    content = {"answers": dict(walk.answers), **{f"r_{qid}": reason for qid, reason in walk.reasons.items()}}
    journal.require_may_record(case, user, KIND)
    if walk.draft is None:
        if _draft(case, user) is not None:
            return False  # started in another window meanwhile: that one holds the answers
        entry = Entry.objects.create(case=case, kind=KIND, author=user, content=content, facts={})
        walk.draft, walk.revision = entry.pk, entry.revision
        return True
    updated = (Entry.objects.filter(pk=walk.draft, case=case, author=user, kind=KIND, status=Entry.Status.DRAFT,
                                    revision=walk.revision)
               .update(revision=F("revision") + 1, content=content, facts={}))
    if updated:
        walk.revision += 1
    return bool(updated)


def _weighing_form(request, case, walk, data=None):
    from cases.views import _form_kwargs

    if data is not None:
        data = data.copy()
        for name in list(data):
            if name.startswith(("q_", "r_")):
                del data[name]  # the answers come from the signed walk only
        data.update(walk.form_data())
        data["revision"] = walk.revision or ""  # the draft's revision this walk was built on, for the save's check
    return ENTRY_FORMS[KIND](data, **_form_kwargs(case, KIND, request.user))


def _remaining(form):
    """The fields of the weighing besides the answers (asked one by one before): shown on the last page. Should
    an answer be refused after all, its message goes to the top of the form."""
    moved = []
    for name in [n for n in form.fields if n.startswith(("q_", "r_"))]:
        if form.is_bound and name in form.errors:
            moved.extend(form.errors.pop(name))
        del form.fields[name]
    if moved:
        form.errors.setdefault("__all__", ErrorList(error_class="nonfield")).extend(moved)
    return form


def _decisions(case, walk) -> list[tuple[str, str, bool]]:
    """The two decisions of step 5 (Landelijk model 2019) as the answers decide them: (label, text, yes)."""
    outcome = walk.outcome
    words = case.words()
    later = outcome.pending_question is not None
    if outcome.report:
        report = _("Ja: melden bij Veilig Thuis is nodig.")
    elif later:
        report = _("Nu niet: volgens uw antwoorden tot nu toe is melden niet nodig. Blijkt later dat de hulp niet "
                   "werkt, dan meldt u alsnog.")
    else:
        report = _("Nee: volgens uw antwoorden is melden bij Veilig Thuis niet nodig.")
    if outcome.help:
        helping = _("Ja: hulp organiseren is mogelijk. Leg het besluit over de hulp daarna vast (5a).")
    elif later:
        helping = _("Nog niet bekend: of hulp (ook) mogelijk is, blijkt uit de vragen die u later beantwoordt.")
    else:
        helping = _("Nee: volgens uw antwoorden is hulp organiseren door school niet aan de orde.")
    return [(words.say(_("Is melden nodig? (besluit 5b)")), words.say(report), outcome.report),
            (words.say(_("Is hulp (ook) mogelijk? (besluit 5a)")), words.say(helping), outcome.help)]


# Who carries final responsibility, as a sentence names them ("de goedkeuring van de directie").
FINAL_NAMES = {"directie": gettext_lazy("de directie"), "bestuur": gettext_lazy("het bestuur"),
               "ib": gettext_lazy("de intern begeleider"), "aandachtsfunctionaris": gettext_lazy("de aandachtsfunctionaris")}


def approval_pending(case, form) -> str:
    """For the check page of a weighing: who with final responsibility (protocol.engine.final_roles) must still
    approve it, as Dutch words ("de directie of het bestuur"); empty when it needs no approval: the person weighing
    carries it, they named who approved it, or the kader has not reached a decision (the engine only asks approval
    for a weighing with an outcome, engine._missing_approvals)."""
    data = form.cleaned_data
    definition = case.definition()
    final = engine.final_roles(definition)
    if not getattr(form, "asks_approval", False) or not engine.approval_needed(definition, form.author_roles):
        return ""
    if data.get("approved_by_role") in final:
        return ""
    if engine.walk_afwegingskader(definition, data.get("answers") or {}).kind == "continue":
        return ""
    names = [str(FINAL_NAMES[role]) if role in FINAL_NAMES else engine._role_names([role]) for role in final]
    return names[0] if len(names) == 1 else _("%(first)s of %(last)s") % {"first": ", ".join(names[:-1]),
                                                                           "last": names[-1]}


def _page(request, case, walk, step, *, form=None, status=200, question=None, notice=None):
    from cases.views import WHAT_HAPPENS

    definition = walk.definition
    outcome = walk.outcome
    answered = [(definition.question(qid), answer, walk.reasons.get(qid, "")) for qid, answer in outcome.answered]
    pending = definition.question(outcome.pending_question) if outcome.pending_question else None
    return render(request, "cases/weigh_walk.html", {
        "case": case, "step": step, "form": form, "question": question, "walk_token": walk.sign(case, request.user),
        "answered": answered, "outcome": outcome, "waiting": pending if walk.stopped else None,
        "decisions": _decisions(case, walk) if step in ("outcome", "final") else (),
        "total": len(definition.afwegingskader), "what": WHAT_HAPPENS[KIND],
        "kind_label": case.words().label(EntryKind, KIND), "notice": notice,
    }, status=status)


def _question_page(request, case, walk, *, form=None, initial=None, status=200, notice=None):
    question = walk.pending
    if form is None:
        form = WeighingStepForm(question=question, may_wait=walk.may_wait, definition=walk.definition)
        # The earlier answer as it was typed: set after the form is built, so that the meldcode's names
        # (WordedForm) are never put into the coordinator's own words.
        form.initial = dict(initial or {})
    return _page(request, case, walk, "question", form=form, status=status, question=question, notice=notice)


def _next_page(request, case, walk, *, event="entry.form", status=200, notice=None):
    """The next question the kader asks, or its outcome when it asks no more."""
    step = walk.pending.id if walk.pending is not None else "outcome"
    # The three codes written out, so that the audit catalogue's scan knows what this records.
    audit("entry.draft" if event == "entry.draft" else "entry.conflict" if event == "entry.conflict" else "entry.form",
          request=request, school=case.school, case=case,
          details={"kind": KIND, "step": step, **({"draft": walk.draft} if walk.draft else {})})
    if walk.pending is not None:
        return _question_page(request, case, walk, status=status, notice=notice)
    return _page(request, case, walk, "outcome", status=status, notice=notice)


def _resumed(request, case, definition, *, event="entry.form", status=200, moved_on=False):
    """The walk where this person left it: the first unanswered question (or the outcome), the answers given so
    far listed and changeable with 'Vorige'."""
    draft = _draft(case, request.user)
    walk = Walk.from_draft(definition, draft) if draft is not None else Walk(definition)
    notice = "moved_on" if moved_on else ("resumed" if walk.answers else None)
    return _next_page(request, case, walk, event=event, status=status, notice=notice)


def _moved_on(request, case, definition):
    """A page older than the weighing in progress (another window, the browser's back button): nothing is
    changed; the walk is shown as it stands now."""
    return _resumed(request, case, definition, event="entry.conflict", status=409, moved_on=True)


def _save(case, form, user, walk):
    """Record the weighing: the draft that kept the answers becomes it (when nobody changed that draft since this
    walk read it), so the half-way answers are gone once it is saved. None on a conflict."""
    if walk.draft is None:
        return journal.write_entry(case, form, user, save=True)
    draft = Entry.objects.filter(pk=walk.draft, case=case, author=user, kind=KIND, status=Entry.Status.DRAFT).first()
    return journal.update_draft(draft, form, save=True) if draft is not None else None


def _refused(request, case, definition):
    audit("entry.rejected", request=request, school=case.school, case=case, details={"kind": KIND, "walk": "refused"})
    return _page(request, case, Walk(definition), "refused", status=400)


@login_required
@idempotency.guarded
def weigh_walk(request, reference):
    """Landelijk model 2019, stap 4 en 5: the coordinator weighs with the afwegingskader, one question at a time,
    and only the questions that still apply; the same roles as the one-page weighing (anyone else: 404)."""
    from cases.views import _case_url, _closed, _confirm_page, _must_confirm

    case, rights = access.case_or_404(request.user, reference, access.WRITE)
    if not journal.may_record(case, request.user, KIND):
        raise Http404
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    if closed := _closed(request, case):
        return closed
    definition = case.definition()
    if not definition.afwegingskader:
        return redirect("cases:weigh", reference=case.reference)
    if request.method != "POST":
        return _resumed(request, case, definition)
    walk = Walk.read(case, request.user, definition, request.POST.get(WALK, ""))
    if walk is None:
        return _refused(request, case, definition)
    action = request.POST.get("action")
    at = request.POST.get("at")

    if action == "answer":
        question = walk.pending
        if question is None or request.POST.get("question") != question.id:
            return _refused(request, case, definition)  # an old page sent again: the walk has moved on
        form = WeighingStepForm(request.POST, question=question, may_wait=walk.may_wait, definition=definition)
        if not form.is_valid():
            audit("entry.rejected", request=request, school=case.school, case=case,
                  details={"kind": KIND, "step": question.id})
            return _question_page(request, case, walk, form=form, status=400)
        if form.cleaned_data["answer"] == WeighingStepForm.LATER:
            walk.stopped = True
            return _next_page(request, case, walk)
        walk.answers[question.id] = form.cleaned_data["answer"] == "yes"
        walk.reasons[question.id] = form.cleaned_data["reason"].strip()
        if not _keep(case, request.user, walk):
            return _moved_on(request, case, definition)
        return _next_page(request, case, walk, event="entry.draft")

    if action == "back":
        if at == "final":
            return _page(request, case, walk, "outcome")
        stopped = walk.stopped
        previous = walk.back()
        if previous is None and not stopped:  # nothing answered yet: back to the dossier
            return redirect(_case_url(case))
        return _question_page(request, case, walk, initial=previous)

    if action == "next":
        if walk.pending is not None:
            return _refused(request, case, definition)
        audit("entry.form", request=request, school=case.school, case=case, details={"kind": KIND, "step": "final"})
        form = _remaining(_weighing_form(request, case, walk))
        return _page(request, case, walk, "final", form=form)

    if action in ("check", "save", "edit") and walk.pending is None:
        form = _weighing_form(request, case, walk, request.POST)
        if action == "edit":
            audit("entry.form", request=request, school=case.school, case=case, details={"kind": KIND, "step": "final"})
            return _page(request, case, walk, "final", form=_remaining(form))
        if form.is_valid():
            if _must_confirm(request, KIND):  # a decision is saved only from its confirmation page
                audit("entry.confirm_view", request=request, school=case.school, case=case, details={"kind": KIND})
                return _confirm_page(request, case, form, KIND, case.guidance())
            with idempotency.once(request) as submission:
                entry = _save(case, form, request.user, walk)
                if entry is None:
                    submission.cancel()  # the draft moved on, or was saved elsewhere: nothing recorded
                else:
                    audit("entry.create", request=request, school=case.school, case=case,
                          object_repr=f"{entry.get_kind_display()} #{entry.pk}", details={"kind": KIND, "guided": True})
                    messages.success(request, _("Vastgelegd in het journaal."))
                    return redirect(submission.done(_case_url(case)))
            return _moved_on(request, case, definition)
        audit("entry.rejected", request=request, school=case.school, case=case, details={"kind": KIND, "step": "final"})
        return _page(request, case, walk, "final", form=_remaining(form), status=400)

    return _refused(request, case, definition)
