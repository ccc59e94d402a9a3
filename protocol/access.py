"""Who may do what with a school's meldcode."""

from accounts.roles import Role
from schools.access import school_for

# Uploading and adopting a meldcode is for the people who coordinate and decide on it.
MANAGING_ROLES = (Role.IB, Role.DIRECTIE, Role.BESTUUR)


def readable_school(user, slug):
    """Any member of the school may read its meldcode (404 for anyone else)."""
    return school_for(user, slug)


def managed_school(user, slug):
    """Only the intern begeleider, directie and bestuur may upload and adopt (404 for others)."""
    return school_for(user, slug, *MANAGING_ROLES)


def can_manage(user, school) -> bool:
    return bool(user.roles_at(school) & set(MANAGING_ROLES))
