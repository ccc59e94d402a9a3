"""Mijn signalen: onderwijsassistenten, stagiairs and vrijwilligers record a signal and see only what they wrote.

They hold no right to any dossier (cases.access gives their roles nothing): the signal is written into the
pupil's open dossier (or opens one for the coordinator) without putting them on its team, and their own page
lists only the entries they wrote themselves. The coordinator hears that a signal came in, without content.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from accounts.roles import SIGNAL_ONLY_ROLES
from audit.log import record as audit
from cases import journal, notifications
from cases.models import Case, CaseMember, Entry, EntryKind, Route, record_entry
from core import idempotency
from mysignals.forms import OwnSignalForm
from protocol.models import current_version
from schools.access import school_for


def _own_signals(user, school):
    return (Entry.objects.filter(author=user, kind=EntryKind.SIGNAL, status=Entry.Status.SAVED, case__school=school)
            .exclude(case__status=Case.Status.DESTROYED).select_related("case__pupil").order_by("-occurred_at"))


def _case_for(school, pupil, version, user):
    """The pupil's open dossier (never a staff-route one), or a new one for the school's coordinator."""
    case = Case.objects.open().filter(school=school, pupil=pupil).exclude(route=Route.STAFF).first()
    if case is not None:
        return case, False
    case = Case.objects.create(school=school, pupil=pupil, meldcode_version=version, opened_by=user,
                               coordinator=journal.default_coordinator(school))
    if case.coordinator:
        CaseMember.objects.create(case=case, user=case.coordinator, added_by=user)
    return case, True


@login_required
@never_cache
@idempotency.guarded
def own_signals(request, school_slug):
    school = school_for(request.user, school_slug, *SIGNAL_ONLY_ROLES)
    if (earlier := idempotency.check(request)) is not None:
        return earlier
    version = current_version(school)
    form = OwnSignalForm(request.POST or None, school=school, user=request.user,
                         definition=version.definition() if version else None)
    if request.method == "POST" and version is None:
        messages.error(request, _("Deze school heeft nog geen meldcode vastgesteld. Vraag de intern begeleider of "
                                  "directie."))
    elif request.method == "POST" and form.is_valid():
        with idempotency.once(request) as submission:
            case, opened = _case_for(school, form.cleaned_data["pupil"], version, request.user)
            entry = Entry.objects.create(case=case, kind=EntryKind.SIGNAL, author=request.user,
                                         occurred_at=form.cleaned_data["occurred_at"], content=form.content(),
                                         facts=form.facts())
            record_entry(entry)
            journal.plan_tasks(entry)
            if opened:
                audit("case.create", request=request, school=school, case=case, object_repr=case.reference,
                      details={"route": case.route})
            audit("signal.own_create", request=request, school=school, case=case, object_repr=case.reference,
                  details={"entry": entry.pk, "opened_case": opened})
            recipients = notifications.responsible_ids(case, exclude={request.user.pk})
            if recipients:
                notifications.send_notification.enqueue(
                    recipients, case.pk, _("Meldcode: een nieuw signaal"),
                    _("Een collega heeft een signaal vastgelegd in een dossier waarvoor u verantwoordelijk bent."))
            messages.success(request, _("Uw signaal is vastgelegd en doorgegeven aan de aandachtsfunctionaris."))
            return redirect(submission.done(reverse("mysignals:own", args=[school.slug])))
    signals = list(_own_signals(request.user, school)[:100])
    audit("signal.own_list", request=request, school=school, details={"results": len(signals)})
    return render(request, "mysignals/own.html", {"school": school, "form": form, "signals": signals,
                                                  "version": version},
                  status=400 if form.errors or (request.method == "POST" and version is None) else 200)
