"""Refuse requests that carry control characters, before any view, form or database sees them."""

import re

from django.shortcuts import render

# C0 control characters. A path never needs one; text fields and the query string may hold tab and line ends
# (a textarea sends CR LF). A NUL in particular would reach PostgreSQL, which refuses it with an error (a 500).
IN_PATH = re.compile(r"[\x00-\x1f]")
IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _has_control(pairs) -> bool:
    return any(IN_TEXT.search(key) or any(IN_TEXT.search(value) for value in values if isinstance(value, str))
               for key, values in pairs)


def bad_characters(request) -> bool:
    """Whether the path, the query string or a form field (name or value) holds one.

    Upload names need no check: Django drops non-printable characters from them. File contents are the
    business of the view that reads them.
    """
    if IN_PATH.search(request.path_info) or IN_PATH.search(request.path):
        return True
    if _has_control(request.GET.lists()):
        return True
    return request.method == "POST" and _has_control(request.POST.lists())


class RejectControlCharactersMiddleware:
    """Answer 400 with a Dutch page for any control character in the request; the app itself never sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if bad_characters(request):
            return render(request, "core/bad_characters.html", status=400)
        return self.get_response(request)
