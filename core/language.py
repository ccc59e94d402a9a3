"""The language of a page: Dutch, unless the person chose English with the language switch.

Django's LocaleMiddleware follows the browser's Accept-Language header, which gave people with an
English browser a mix of English and Dutch (not every text is translated the same day). The choice
is therefore only the language cookie that set_language writes; nothing else changes the language.
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


def chosen_language(request) -> str:
    """The language from the cookie when it is one of ours, else the default (Dutch)."""
    wanted = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if wanted:
        try:
            return translation.get_supported_language_variant(wanted)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class ChosenLanguageMiddleware:
    """Replaces django.middleware.locale.LocaleMiddleware: the cookie decides, Accept-Language never does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        # Caches must keep the Dutch and the English page apart; the cookie is what tells them apart.
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
