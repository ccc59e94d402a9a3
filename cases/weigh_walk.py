"""The afwegingskader as a guided walk: one question per page, the outcome before anything is recorded, then the
rest of the weighing with the two decisions of step 5, the check-your-answers page and the save.

The questions, their explanations and where each answer leads are the school's meldcode
(`Meldcode.afwegingskader`); which question comes next is `protocol.engine.walk_afwegingskader`'s business,
never this module's. Nothing is kept on the server between the pages: the answers so far travel in one signed
value, bound to this case and this person, and the save checks them again with the one-page form
(`cases.forms.WeighingForm`), so the recorded weighing is the same as that form would record.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.forms.utils import ErrorList
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit.log import record as audit
from cases import access, journal
from cases.forms import ENTRY_FORMS, WeighingStepForm
from cases.models import EntryKind
from core import idempotency
from protocol import engine

SALT = "cases.weigh_walk"
# A walk left open for longer starts again (the answers are not stored anywhere in between).
MAX_AGE = 12 * 60 * 60
WALK = "walk"
KIND = EntryKind.WEIGHING


class Walk:
    """The answers so far: {question id: True/False}, the reasoning per answer, and whether the coordinator
    stopped at a question that cannot be answered yet."""

    def __init__(self, definition, answers=None, reasons=None, stopped=False):
        self.definition = definition
        self.answers = dict(answers or {})
        self.reasons = dict(reasons or {})
        self.stopped = stopped

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
        return signing.dumps({"c": case.pk, "u": user.pk, "a": self.answers, "r": self.reasons, "s": self.stopped},
                             salt=SALT, compress=True)

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
        walk = cls(definition, answers, reasons, data.get("s") is True)
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


def _weighing_form(request, case, walk, data=None):
    from cases.views import _form_kwargs

    if data is not None:
        data = data.copy()
        for name in list(data):
            if name.startswith(("q_", "r_")):
                del data[name]  # the answers come from the signed walk only
        data.update(walk.form_data())
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


def _page(request, case, walk, step, *, form=None, status=200, question=None):
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
        "kind_label": case.words().label(EntryKind, KIND),
    }, status=status)


def _question_page(request, case, walk, *, form=None, initial=None, status=200):
    question = walk.pending
    if form is None:
        form = WeighingStepForm(question=question, may_wait=walk.may_wait, definition=walk.definition)
        # The earlier answer as it was typed: set after the form is built, so that the meldcode's names
        # (WordedForm) are never put into the coordinator's own words.
        form.initial = dict(initial or {})
    return _page(request, case, walk, "question", form=form, status=status, question=question)


def _next_page(request, case, walk):
    """The next question the kader asks, or its outcome when it asks no more."""
    if walk.pending is not None:
        audit("entry.form", request=request, school=case.school, case=case,
              details={"kind": KIND, "step": walk.pending.id})
        return _question_page(request, case, walk)
    audit("entry.form", request=request, school=case.school, case=case, details={"kind": KIND, "step": "outcome"})
    return _page(request, case, walk, "outcome")


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
        return _next_page(request, case, Walk(definition))
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
        else:
            walk.answers[question.id] = form.cleaned_data["answer"] == "yes"
            walk.reasons[question.id] = form.cleaned_data["reason"].strip()
        return _next_page(request, case, walk)

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
                entry = journal.write_entry(case, form, request.user, save=True)
                audit("entry.create", request=request, school=case.school, case=case,
                      object_repr=f"{entry.get_kind_display()} #{entry.pk}", details={"kind": KIND, "guided": True})
                messages.success(request, _("Vastgelegd in het journaal."))
                return redirect(submission.done(_case_url(case)))
        audit("entry.rejected", request=request, school=case.school, case=case, details={"kind": KIND, "step": "final"})
        return _page(request, case, walk, "final", form=_remaining(form), status=400)

    return _refused(request, case, definition)
