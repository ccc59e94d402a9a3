from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

# Who sees what a new school still misses: the directie, who answers for the meldcode, and the functioneel
# beheerder, who does much of the setting up.
CHECKLIST_ROLES = {"directie", "beheer"}


@login_required
def home(request):
    from accounts.setup import checklist

    roles_by_school = {}
    for membership in request.user.membership_list():
        roles_by_school.setdefault(membership.school, set()).add(membership.role)
    from cases.home import panel

    checklists = []
    panels = [panel(request.user, school, roles) for school, roles in roles_by_school.items()
              if roles - {"beheer"}]
    for school, roles in roles_by_school.items():
        if roles & CHECKLIST_ROLES:
            items = checklist(school, roles)
            if not all(item["done"] for item in items):
                checklists.append({"school": school, "items": items})
    return render(request, "core/home.html", {"checklists": checklists, "panels": panels,
                                              "today": timezone.localdate()})


@login_required
def emergency(request):
    """The header's "Noodblad" for someone at more than one school (or none yet): each school's sheet, one tap on."""
    return render(request, "core/emergency.html")


@never_cache
def healthz(request):
    """For monitoring: the app answers and its database is reachable. Reveals nothing else."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok"})
    except Exception:
        return JsonResponse({"status": "database unavailable"}, status=503)


def csrf_failure(request, reason=""):
    """A Dutch page for an expired or missing CSRF token (the reason is not shown: it helps no user)."""
    return render(request, "403_csrf.html", status=403)
