"""The overview's table rows, rendered in Python.

The coordinator's overview lists up to 50 cases and up to 100 things needing attention. Through the template engine
each cell cost a variable lookup, a `{% url %}` and a date filter: two thirds of the page's time
(docs/performance.md). These tags render the same markup with `format_html`, escaping every value, in a fraction of
that. The markup is what the template had; change both together with `cases/tests/test_overview_rows.py`."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from cases.tasks import reminder_url

register = template.Library()

PLACEHOLDER = "REFERENCE"


def _detail_prefix_suffix() -> tuple[str, str]:
    """The case page's URL around the reference: one `reverse` per table instead of one per row."""
    url = reverse("cases:detail", args=[PLACEHOLDER])
    prefix, suffix = url.split(PLACEHOLDER)
    return prefix, suffix


def _day(value) -> str:
    """A date or moment as `j-n-Y` in the current time zone, as the template's `date:"j-n-Y"` did."""
    if value is None:
        return ""
    if hasattr(value, "hour"):
        value = timezone.localtime(value)
    return f"{value.day}-{value.month}-{value.year}"


class _Labels:
    """A label per (meldcode version, value): the wording of a version is the same for every row that uses it."""

    def __init__(self, label_of):
        self.label_of = label_of
        self.known = {}

    def __call__(self, row, version_id, value):
        key = (version_id, value)
        if key not in self.known:
            self.known[key] = self.label_of(row)
        return self.known[key]


@register.simple_tag
def case_rows(cases, content_allowed):
    """The rows of the cases table: reference (link), pupil (shown only where the case may be read), route, step,
    open hypotheses, overdue tasks, last activity."""
    prefix, suffix = _detail_prefix_suffix()
    route = _Labels(lambda case: case.get_route_display())
    shielded = format_html('<span class="muted">{}</span>', gettext("(afgeschermd)"))
    rows = []
    for case in cases:
        pupil = ""
        if content_allowed:
            pupil = format_html("<td>{}</td>", case.pupil.full_name if case.readable else shielded)
        overdue = (format_html('<span class="badge danger">{}</span>', case.overdue_tasks)
                   if case.overdue_tasks else "0")
        rows.append(format_html(
            '<tr>\n    <td><a href="{}{}{}">{}</a></td>\n    {}\n    <td>{}</td><td>{}</td>\n'
            '    <td>{}</td><td>{}</td>\n    <td>{}</td>\n  </tr>',
            prefix, case.reference, suffix, case.reference, pupil,
            route(case, case.meldcode_version_id, case.route), case.current_step,
            case.open_hypotheses, overdue, _day(case.last_activity_at)))
    if not rows:
        return format_html('<tr><td colspan="7">{}</td></tr>', gettext("Geen dossiers die u mag zien."))
    return mark_safe("\n  ".join(rows))  # each row built by format_html above


@register.simple_tag(takes_context=True)
def attention_rows(context, tasks, idle, today):
    """The rows of "Aandacht nodig": tasks due within a week (late ones marked), then cases that have been idle.
    A task leads to where it is acted on, or to its line in the dossier's next actions (cases.tasks.reminder_url)."""
    prefix, suffix = _detail_prefix_suffix()
    user, school = context["request"].user, context["school"]
    kind = _Labels(lambda task: task.get_kind_display())
    late = format_html('<span class="badge danger">{}</span> ', gettext("te laat"))
    # Both lists hold only cases the reader may read (the overview shows them only then): the pupil's name leads.
    task_rows = format_html_join(
        "\n    ", '<tr><td><a href="{}">{}</a> <span class="muted">{}</span></td><td>{}</td><td>{}{}</td></tr>',
        ((reminder_url(task, user, school), task.case.pupil.full_name, task.case.reference,
          kind(task, task.case.meldcode_version_id, task.kind), late if task.due_on < today else "",
          _day(task.due_on)) for task in tasks))
    still = gettext("Dossier is al lange tijd stil")
    idle_rows = format_html_join(
        "\n    ", '<tr><td><a href="{}{}{}">{}</a> <span class="muted">{}</span></td><td>{}</td><td>{}</td></tr>',
        ((prefix, case.reference, suffix, case.pupil.full_name, case.reference, still, _day(case.last_activity_at))
         for case in idle))
    return format_html("{}\n    {}", task_rows, idle_rows)
