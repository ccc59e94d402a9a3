"""Re-authentication before sensitive acts (exports, break-glass): password and second factor again."""

import time
from functools import wraps

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

SESSION_KEY = "reauthenticated_at"


def mark_reauthenticated(request):
    request.session[SESSION_KEY] = time.time()


def recently_reauthenticated(request) -> bool:
    at = request.session.get(SESSION_KEY)
    return at is not None and time.time() - at < settings.REAUTH_MINUTES * 60


def require_reauth(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not recently_reauthenticated(request):
            next_url = request.get_full_path() if request.method == "GET" else request.META.get("HTTP_REFERER", "/")
            return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': next_url})}")
        return view(request, *args, **kwargs)

    return wrapper
