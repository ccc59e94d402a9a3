"""E-mail notifications. They say *that* something needs attention, never what is in the dossier,
and go only to people whom the access rule lets read the case."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from accounts.models import User
from accounts.roles import Role
from cases import access
from cases.models import Case, Task


@task()
def send_notification(user_ids: list[int], case_id: int, subject: str, lead: str) -> int:
    """Runs on the task worker. Re-checks access at send time: the team may have changed since."""
    case = Case.objects.select_related("school").filter(pk=case_id).first()
    if case is None:
        return 0
    link = settings.SITE_URL.rstrip("/") + reverse("cases:detail", args=[case.reference])
    # In the names of the case's meldcode; the national numbers stay beside the school's report point.
    words = case.words()
    subject, lead = words.say(subject), words.say(lead)
    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        if access.READ not in access.permissions(user, case):
            continue
        body = _("%(lead)s\n\nDossier %(ref)s. Log in om te zien wat er nodig is:\n%(link)s\n\n"
                 "Dit bericht bevat bewust geen inhoud uit het dossier.") % {
            "lead": lead, "ref": case.reference, "link": link}
        body += "\n\n" + _("Bij direct gevaar: bel 112. Advies of melden: %(report_point)s, landelijk 0800-2000 "
                           "(gratis, dag en nacht).") % {"report_point": words.report_point}
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        sent += 1
    return sent


def responsible_ids(case: Case, *, exclude=()) -> list[int]:
    """Who answers for a case when a notice concerns the case as a whole: its coordinator, or, when it has none
    (a staff-member case) or the coordinator can no longer read it, the school's directie, bestuur and intern
    begeleiders who can. Never someone the access rule keeps out, so never the staff member concerned."""
    people = [case.coordinator] if case.coordinator_id else []
    if not people or access.READ not in access.permissions(case.coordinator, case):
        people = (User.objects.filter(memberships__school=case.school_id, is_active=True,
                                      memberships__role__in=[Role.DIRECTIE, Role.BESTUUR, Role.IB,
                                                                             Role.AANDACHTSFUNCTIONARIS])
                  .distinct().order_by("pk"))
    return [user.pk for user in people
            if user.pk not in exclude and access.READ in access.permissions(user, case)]


def break_glass_used(case: Case, user):
    """Someone always hears of it: the coordinator, or whoever answers for the case in their place."""
    recipients = responsible_ids(case, exclude={user.pk})
    if recipients:
        send_notification.enqueue(recipients, case.pk, _("Meldcode: een dossier is geopend met een noodreden"),
                                  _("%(name)s heeft een dossier waarvoor u verantwoordelijk bent geopend met een "
                                    "vastgelegde reden.") % {"name": user.full_name})


def staff_case_opened(case: Case):
    heads = (User.objects.filter(memberships__school=case.school, memberships__role__in=[Role.DIRECTIE, Role.BESTUUR])
             .exclude(pk=case.subject_staff_id).values_list("pk", flat=True).distinct())
    send_notification.enqueue(list(heads), case.pk, _("Meldcode: melding over een medewerker"),
                              _("Er is een vermoeden gemeld waarbij een medewerker betrokken is. Het bestuur moet "
                                "direct worden geïnformeerd."))


def send_due_reminders(today=None) -> int:
    """Remind assignees of tasks due today or overdue, once per task; one e-mail per person and case.

    Called daily (manage.py send_reminders). Each task is claimed with a conditional update before its
    reminder is queued, so two runs at the same time never remind twice. Whether the person may still
    read the case is checked again when the e-mail is sent (send_notification).
    Returns the number of tasks reminded.
    """
    today = today or timezone.localdate()
    sync_due_needs(today)
    due = (Task.objects.filter(done_at__isnull=True, reminded_at__isnull=True, due_on__lte=today,
                               case__status=Case.Status.OPEN)
           .order_by("case_id", "assignee_id", "due_on")
           .values_list("pk", "case_id", "assignee_id"))
    claimed: dict[tuple[int, int], int] = {}
    now = timezone.now()
    for task_id, case_id, assignee_id in due:
        if Task.objects.filter(pk=task_id, reminded_at__isnull=True).update(reminded_at=now):
            claimed[(case_id, assignee_id)] = claimed.get((case_id, assignee_id), 0) + 1
    for (case_id, assignee_id), count in claimed.items():
        lead = (_("In een dossier waarin u werkt staat een actie open die vandaag of eerder af moest zijn.")
                if count == 1 else
                _("In een dossier waarin u werkt staan %(count)s acties open die vandaag of eerder af moesten "
                  "zijn.") % {"count": count})
        # A task without an assignee (a staff-member case has no coordinator) goes to whoever answers for the case.
        recipients = [assignee_id] if assignee_id else responsible_ids(Case.objects.get(pk=case_id))
        if recipients:
            send_notification.enqueue(recipients, case_id, _("Meldcode: er staat een actie open"), lead)
    escalate_overdue(today)
    return sum(claimed.values())


def sync_due_needs(today) -> int:
    """Format 2: the deadlines of the meldcode become tasks. For every open case whose meldcode has deadlines, each
    need with a due date (protocol.engine.Need.due) gets one open task for the coordinator; a task whose need was
    met, or whose due date moved, is done. Returns the number of tasks created."""
    from protocol.models import MeldcodeVersion

    created = 0
    versions = {}
    cases = Case.objects.open().select_related("school", "pupil", "meldcode_version")
    for case in cases.iterator():
        version: MeldcodeVersion = case.meldcode_version
        if version.pk not in versions:
            versions[version.pk] = version.definition().format >= 2
        if not versions[version.pk]:
            continue
        guidance = case.guidance()
        wanted = {(n.id, n.due) for n in guidance.requirements if n.due is not None and not n.advisory}
        open_tasks = list(case.tasks.filter(kind=Task.Kind.DUE, done_at__isnull=True))
        have = {(t.need_id, t.due_on) for t in open_tasks}
        gone = [t.pk for t in open_tasks if (t.need_id, t.due_on) not in wanted]
        if gone:
            Task.objects.filter(pk__in=gone).update(done_at=timezone.now())
        new = [Task(case=case, kind=Task.Kind.DUE, need_id=need_id, due_on=due, assignee=case.coordinator)
               for need_id, due in sorted(wanted - have, key=lambda item: (item[1], item[0]))]
        Task.objects.bulk_create(new)
        created += len(new)
    return created


def escalate_overdue(today) -> int:
    """A deadline of the meldcode still open some school days after it passed goes to the directie of the school as
    well (once per task), after the coordinator was reminded. How many school days is the school's meldcode's
    `escalate_after` (Meldcode.escalate_after_school_days; three unless the file says otherwise)."""
    from protocol.engine import add_school_days

    escalated = 0
    overdue = (Task.objects.filter(kind=Task.Kind.DUE, done_at__isnull=True, escalated_at__isnull=True,
                                   reminded_at__isnull=False, case__status=Case.Status.OPEN, due_on__lt=today)
               .select_related("case__meldcode_version"))
    waits: dict[int, int] = {}
    per_case: dict[int, tuple[int, int]] = {}
    for item in overdue:
        version = item.case.meldcode_version
        if version.pk not in waits:
            waits[version.pk] = version.definition().escalate_after_school_days
        wait = waits[version.pk]
        if add_school_days(item.due_on, wait) >= today:
            continue
        if Task.objects.filter(pk=item.pk, escalated_at__isnull=True).update(escalated_at=timezone.now()):
            per_case[item.case_id] = (per_case.get(item.case_id, (0, wait))[0] + 1, wait)
            escalated += 1
    for case_id, (count, wait) in per_case.items():
        case = Case.objects.get(pk=case_id)
        heads = [user.pk for user in User.objects.filter(memberships__school=case.school_id, is_active=True,
                                                         memberships__role=Role.DIRECTIE).distinct()
                 if access.READ in access.permissions(user, case)]
        if heads:
            send_notification.enqueue(heads, case_id, _("Meldcode: een termijn is al enige tijd verstreken"), _(
                "In een dossier van uw school is een termijn uit de meldcode al meer dan %(days)s schooldagen "
                "verstreken (%(count)s). De coördinator is eerder herinnerd.") % {
                "days": wait, "count": count})
    return escalated
