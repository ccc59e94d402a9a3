def navigation(request):
    """The schools the signed-in person works at, for the navigation bar (one query)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {}
    memberships = list(user.memberships.select_related("school").order_by("school__name"))
    schools = {}
    for membership in memberships:
        schools.setdefault(membership.school, []).append(membership.get_role_display())
    return {"nav_schools": [(school, roles) for school, roles in schools.items()]}
