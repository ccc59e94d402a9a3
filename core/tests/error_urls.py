"""The app's URLs plus views that fail on purpose, for the error page tests."""

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404
from django.urls import path

from meldcode.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def _raise(exception):
    def view(request):
        raise exception

    return view


urlpatterns = [
    *urlpatterns,
    path("test-fout/400/", _raise(BadRequest("bad input from test"))),
    path("test-fout/403/", _raise(PermissionDenied("denied in test"))),
    path("test-fout/404/", _raise(Http404("Dossier K7Q2-M4PX bestaat niet"))),
    path("test-fout/500/", _raise(RuntimeError("secret-detail-in-traceback"))),
]
