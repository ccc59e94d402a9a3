"""The idle timeout slides without a database write on every request.

Django's SESSION_SAVE_EVERY_REQUEST writes the session row on each request just to move its expiry.
This middleware marks the session for saving only when it was last saved more than
SESSION_TOUCH_SECONDS ago, so the expiry moves at most that often: the idle timeout is exact to
within that interval, and most requests write nothing.
"""

import time

from django.conf import settings

TOUCHED_KEY = "_touched"


class SlidingSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.is_empty() or getattr(session, "_session_cache", None) is None:
            return response
        now = int(time.time())
        if session.modified or now - int(session.get(TOUCHED_KEY, 0)) >= settings.SESSION_TOUCH_SECONDS:
            session[TOUCHED_KEY] = now
        return response
