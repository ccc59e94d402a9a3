"""Mijn signalen: onderwijsassistenten, stagiairs and vrijwilligers record a signal and see only what they wrote.

They hold no right to any dossier (cases.access gives their roles nothing); every read and write here goes through
the rule for signal-only members in cases.access (`signal_school_or_404`, `own_signals`, `own_signal_or_404`,
`signal_case`) and writes an audit event. The signal is written into the
pupil's open dossier (or opens one for the coordinator) without putting them on its team, and their own page
lists only the entries they wrote themselves. The coordinator hears that a signal came in, without content.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from audit.log import record as audit
from cases import access, journal, notifications
from cases.models import Case, CaseMember, Entry, EntryKind, record_entry
from core import idempotency
from mysignals.forms import OwnSignalForm
from protocol.models import current_version


def _case_for(school, pupil, version, user):
    """The pupil's open dossier (never a staff-route one), or a new one for the school's coordinator."""
    case = access.signal_case(user, school, pupil)
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
    school = access.signal_school_or_404(request.user, school_slug)
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
    signals = list(access.own_signals(request.user, school)[:100])
    audit("signal.own_list", request=request, school=school, details={"results": len(signals)})
    return render(request, "mysignals/own.html", {"school": school, "form": form, "signals": signals,
                                                  "version": version},
                  status=400 if form.errors or (request.method == "POST" and version is None) else 200)


@login_required
@never_cache
def own_signal(request, school_slug, entry_id):
    """One signal the member wrote; anyone else's (or a made-up id) is a 404."""
    school = access.signal_school_or_404(request.user, school_slug)
    entry = access.own_signal_or_404(request.user, school, entry_id)
    audit("signal.own_view", request=request, school=school, case=entry.case, object_repr=entry.case.reference,
          details={"entry": entry.pk})
    return render(request, "mysignals/signal.html", {"school": school, "entry": entry})
