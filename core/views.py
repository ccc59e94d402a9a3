from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


@login_required
def home(request):
    return render(request, "core/home.html")


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
