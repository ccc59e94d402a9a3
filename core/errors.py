"""Dutch error pages (400, 403, 404, 500), each with the emergency numbers and a way back.

Django shows its own technical pages while DEBUG is on, and the demo runs with DEBUG on: a school that
tries the demo then met an English page full of code. DutchErrorPagesMiddleware shows the Dutch pages
there too, unless a developer asks for the technical ones with MELDCODE_TECHNICAL_ERRORS.
"""

import logging

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from django.utils.html import escape
from django.utils.translation import gettext as _

logger = logging.getLogger("django.request")


def bad_request(request, exception=None):
    # Rendered without the request: a malformed request may not have passed the middleware that fills it.
    return HttpResponse(render_to_string("400.html"), status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    # The reason (which URL pattern, which object) is never shown: it could tell whether a dossier exists.
    return render(request, "404.html", status=404)


def server_error(request=None):
    """Needs neither the request nor the database; if even the template fails, a bare page with the numbers."""
    try:
        return HttpResponseServerError(render_to_string("500.html"))
    except Exception:
        logger.exception("The 500 page could not be rendered")
        text = escape(_("Er ging iets mis. Acuut gevaar: bel 112. Veilig Thuis: 0800-2000."))
        return HttpResponseServerError(
            f'<!DOCTYPE html><html lang="nl"><meta charset="utf-8"><title>Meldcode</title><p>{text}</p>'
            '<p><a href="tel:112">112</a> · <a href="tel:08002000">0800-2000</a> · <a href="/">Meldcode</a></p>')


def _technical_pages_wanted() -> bool:
    return not settings.DEBUG or getattr(settings, "MELDCODE_TECHNICAL_ERRORS", False)


class DutchErrorPagesMiddleware:
    """With DEBUG on, the Dutch error pages instead of Django's technical ones (innermost middleware).

    With DEBUG off this does nothing: Django itself then uses the handlers above (meldcode/urls.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and not _technical_pages_wanted() and not self._resolves(request):
            # A URL that matches no pattern: Django answered with its technical 404 page.
            return page_not_found(request)
        return response

    @staticmethod
    def _resolves(request) -> bool:
        try:
            resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return False
        return True

    def process_exception(self, request, exception):
        if _technical_pages_wanted() or isinstance(exception, PermissionDenied):
            return None  # Django's own handling (PermissionDenied gets the Dutch 403 in any case)
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, (BadRequest, SuspiciousOperation)):
            logger.warning("Bad request: %s", request.path, exc_info=exception)
            return bad_request(request, exception)
        # The developer still finds the traceback in the console.
        logger.error("Internal Server Error: %s", request.path, exc_info=exception)
        return server_error(request)
