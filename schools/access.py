"""Access to school-level pages (not dossiers: those go through cases.access)."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from schools.models import School


def school_for(user, slug: str, *roles: str) -> School:
    """The school with this slug when the user holds one of `roles` there (any role when none are given).

    Anyone else gets a 404, so that the page does not even reveal that the school exists.
    """
    if not user.is_authenticated:
        raise Http404
    memberships = user.memberships.filter(school__slug=slug)
    if roles:
        memberships = memberships.filter(role__in=roles)
    if not memberships.exists():
        raise Http404
    return get_object_or_404(School.objects.select_related("board"), slug=slug)
