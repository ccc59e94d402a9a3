"""Read-only questions about the trail, for other apps' pages."""

from django.db.models import Count, Max

from audit.models import AuditEvent

CASE_VIEW = "case.view"


def case_viewers(case_id: int) -> list[tuple[str, object, int]]:
    """Who viewed this dossier: (actor_label, last_viewed_at, count), most recent first. One query."""
    rows = (
        AuditEvent.objects.filter(case_id=case_id, action=CASE_VIEW)
        .values("actor_id", "actor_label")
        .annotate(last_viewed_at=Max("at"), count=Count("id"))
        .order_by("-last_viewed_at")
        .values_list("actor_label", "last_viewed_at", "count")
    )
    return [tuple(row) for row in rows]
