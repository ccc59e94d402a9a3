from accounts.roles import SIGNAL_ONLY_ROLES, Role
from schools.access import PUPIL_VIEWERS

DOSSIER_ROLES = {Role.LEERKRACHT, Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE, Role.BESTUUR, Role.PRIVACY}


def navigation(request):
    """The schools the signed-in person works at, with what they may reach there (the request's one membership
    query, shared with the access checks: User.membership_list)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    schools = {}
    for membership in user.membership_list():
        schools.setdefault(membership.school, set()).add(membership.role)
    nav = []
    for school, roles in schools.items():
        nav.append({
            "school": school,
            "roles": sorted(Role(r).label for r in roles),
            "dossiers": bool(roles & DOSSIER_ROLES),
            "pupils": bool(roles & set(PUPIL_VIEWERS)),
            "own_signals": bool(roles & set(SIGNAL_ONLY_ROLES)),
            "staff": Role.BEHEER in roles,
            "role_requests": Role.DIRECTIE in roles,
            "dossier_settings": bool(roles & {Role.DIRECTIE, Role.PRIVACY, Role.BESTUUR, Role.BEHEER}),
            "audit": Role.PRIVACY in roles,
            "evaluation": bool(roles & {Role.IB, Role.AANDACHTSFUNCTIONARIS, Role.DIRECTIE, Role.PRIVACY}),
            "board_evaluation": bool(roles & {Role.BESTUUR, Role.PRIVACY}),
            "training": bool(roles & {Role.IB, Role.DIRECTIE, Role.BEHEER}),
        })
    return {"nav_schools": nav}
