"""Access to school-level pages (not dossiers: those go through cases.access)."""

from django.http import Http404

from schools.models import School


def school_for(user, slug: str, *roles: str) -> School:
    """The school with this slug when the user holds one of `roles` there (any role when none are given).

    Anyone else gets a 404, so that the page does not even reveal that the school exists.
    """
    if not user.is_authenticated:
        raise Http404
    # The person's memberships are loaded once per request (with the school and its board) and shared.
    memberships = [m for m in user.membership_list() if m.school.slug == slug and (not roles or m.role in roles)]
    if not memberships:
        raise Http404
    return memberships[0].school


# Who may do what on the school pages. The functionaris gegevensbescherming supervises but does
# not need the pupil list; the functioneel beheerder manages pupils and accounts but sees no dossiers.
PUPIL_VIEWERS = ("leerkracht", "ib", "aandachtsfunctionaris", "directie", "bestuur", "beheer")
PUPIL_EDITORS = ("ib", "aandachtsfunctionaris", "directie", "beheer")
PUPIL_IMPORTERS = ("ib", "beheer")
STAFF_MANAGERS = ("beheer",)


def school_with_roles(user, slug: str, *allowed: str) -> tuple[School, set[str]]:
    """Like `school_for`, and also the roles the user holds there (one query), for showing the right buttons."""
    if not user.is_authenticated:
        raise Http404
    memberships = [m for m in user.membership_list() if m.school.slug == slug]
    roles = {membership.role for membership in memberships}
    if not memberships or (allowed and not roles.intersection(allowed)):
        raise Http404
    return memberships[0].school, roles
