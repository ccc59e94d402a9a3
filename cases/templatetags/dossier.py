from django import template
from django.utils.translation import gettext_lazy

from cases import rendered
from cases.forms import ENTRY_FORMS

register = template.Library()

# Lazy: the module is imported once, the labels are read in the language of each request.
CHOICE_LABELS = {True: gettext_lazy("ja"), False: gettext_lazy("nee"), None: "—"}
HIDDEN = {"revision", "occurred_at", "correction_reason", "hypothesis", "organisation", "provider"}
EXTRA_LABELS = {"organisation_name": gettext_lazy("Organisatie"),
                "provider_name": gettext_lazy("Hulpverlener (sociale kaart)"),
                "concerns_list": gettext_lazy("Over de journaalregels"),
                # consent recorded before guardians were chosen from the pupil's list: the name as typed
                "given_by": gettext_lazy("Door (ouder met gezag)")}
# With every diagnosis: whether whoever recorded it was marked qualified by the directie at that moment.
DIAGNOSIS_MARK_LABEL = gettext_lazy("Bevoegdheid voor de diagnose")
DIAGNOSIS_MARKS = {
    True: gettext_lazy("Vastgesteld door een daartoe bevoegde professional (door de directie aangewezen)."),
    False: gettext_lazy("Let op: vastgelegd door iemand die de directie niet als bevoegd voor diagnoses heeft "
                        "aangewezen. Behandel dit niet als diagnose."),
    None: gettext_lazy("Niet vastgelegd of de opsteller bevoegd was voor een diagnose. Behandel dit niet als "
                       "diagnose zolang dat niet vaststaat."),
}


@register.simple_tag
def entry_fields(entry, definition=None):
    """(label, value) pairs of an entry's content in the order of the form that recorded it, with its labels."""
    form_class = ENTRY_FORMS.get(entry.kind)
    fields = form_class.base_fields if form_class else {}
    content = entry.content or {}
    order = [name for name in fields if name in content] + [name for name in content if name not in fields]
    signal_categories = {c.id: c.title for c in definition.signal_list} if definition is not None else {}
    rows = []
    worded = _lazy_words(entry, definition)
    if entry.kind == "weighing" and definition is not None:
        # The afwegingskader: each answered question with its answer and the reasoning given. The guided walk's
        # draft keeps its answers in the encrypted content (cases.weigh_walk), a saved weighing in its facts.
        answers = (entry.facts or {}).get("answers") or content.get("answers") or {}
        for question in definition.afwegingskader:
            if question.id in answers:
                answer = CHOICE_LABELS[answers[question.id]].capitalize()
                reasoning = content.get(f"r_{question.id}", "")
                rows.append((f"{question.number}. {question.text}", f"{answer}. {reasoning}".strip()))
    for name in order:
        value = content[name]
        if name in HIDDEN or name.startswith("r_") or value in ("", None, []) or (
                name == "answers" and entry.kind == "weighing"):
            continue
        field = fields.get(name)
        label = worded(EXTRA_LABELS.get(name) or (field.label if field is not None else name))
        choices = signal_categories if name == "categories" else dict(getattr(field, "choices", []) or [])
        if isinstance(value, list):
            value = ", ".join(str(worded(choices[v]) if v in choices else v) for v in value)
        elif isinstance(value, bool):
            value = CHOICE_LABELS[value]
        elif isinstance(value, str) and value in choices:
            value = worded(choices[value])  # a choice label in the meldcode's names; typed text stays as typed
        rows.append((label, value))
        if name == "diagnosis" and entry.kind == "signal":
            rows.append((DIAGNOSIS_MARK_LABEL, DIAGNOSIS_MARKS.get((entry.facts or {}).get("diagnosis_qualified"), DIAGNOSIS_MARKS[None])))
    return rows


def _lazy_words(entry, definition):
    """Labels in the names of the case's meldcode; the case is only looked up when a label needs it."""
    from protocol.wording import uses_generic_names, words_for

    found = []

    def worded(text):
        if not uses_generic_names(text):
            return text
        if not found:
            found.append(words_for(definition if definition is not None else entry.case))
        return found[0].say(text)

    return worded


@register.filter
def has_right(rights, name):
    return name in rights


@register.simple_tag(takes_context=True)
def pupil_case_actions(context, pupil, roles):
    """On the pupil page: the pupil's cases this person may read, and whether they may open one.

    The functioneel beheerder and the privacy officer get nothing here: not even whether a case exists.
    """
    from cases import access
    from cases.views import OPENING_ROLES

    if not set(roles) & set(OPENING_ROLES):
        return {"may_open": False, "cases": []}
    user = context["request"].user
    cases = access.visible(user, access.READ).filter(pupil=pupil).order_by("-opened_at")
    return {"may_open": True, "cases": list(cases)}


@register.filter
def person_name(label):
    """'Name <e-mail>' as recorded in the audit trail, shown as just the name."""
    return str(label).split(" <")[0]


@register.simple_tag
def render_entry(entry, case, definition, may_write):
    """One journal entry as HTML, saved entries kept once rendered (cases.rendered)."""
    return rendered.render(entry, case, definition, may_write)
