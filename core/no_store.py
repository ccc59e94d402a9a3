"""Signed-in pages are never kept by the browser.

A staff-room laptop is shared: after signing out, the back button or the disk cache must not show a dossier again.
Views that set their own Cache-Control (never_cache, a download) keep theirs."""

from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreWhenSignedInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
