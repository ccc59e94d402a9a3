"""The privacy officer's search over the trail of one school."""

import datetime

from django.db.models import Q
from django.utils import timezone

from audit.models import AuditEvent


def events_for_school(school, viewer=None):
    """Events about this school, plus sign-ins and other school-less events of people who work there.

    Events of a case the viewer may not know exists (META under the one access rule, cases.access) are left
    out. For a privacy officer that is every staff-perpetrator case, for the staff member concerned and for a
    colleague alike: what the trail shows depends on the role, never on whether the viewer is a subject.
    """
    member_ids = school.memberships.values("user_id")
    events = AuditEvent.objects.filter(Q(school_id=school.pk) | Q(school_id__isnull=True, actor_id__in=member_ids))
    if viewer is not None:
        from cases.access import META, visible_q
        from cases.models import Case

        unknown = Case.objects.filter(school_id=school.pk).exclude(visible_q(viewer, META)).values("pk")
        events = events.exclude(case_id__in=unknown)
    return events


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def search_events(school, *, date_from=None, date_to=None, actor: str = "", action: str = "", case_id=None,
                  viewer=None):
    events = events_for_school(school, viewer)
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of(date_to + datetime.timedelta(days=1)))
    if actor:
        events = events.filter(actor_label__icontains=actor)
    if action:
        events = events.filter(Q(action=action) | Q(action__startswith=f"{action}."))
    if case_id:
        events = events.filter(case_id=case_id)
    return events.order_by("-seq")
