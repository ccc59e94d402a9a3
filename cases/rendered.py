"""Saved journal entries rendered once per process.

A saved entry never changes, so its HTML is kept once rendered. Only in this process's memory, never in a shared
cache: it is decrypted dossier content. The key holds everything the HTML depends on: the entry, the language and
time zone, whether the reader may write (the correction link), the case, its author's name, its signatures and its corrections.

Because most entries on a case page come from here, the page loads the entries without their (encrypted) content
and `load_content` decrypts only those this process has not rendered yet, in one query."""

import threading
from collections import OrderedDict

from django.template.loader import render_to_string
from django.utils import timezone, translation

from cases.models import Entry

_RENDERED: OrderedDict = OrderedDict()
_RENDERED_MAX = 5000
_LOCK = threading.Lock()


def _key(entry, case, may_write):
    # The author's name is shown and may change (a new surname): it is loaded with the entry, so it costs nothing.
    return (entry.pk, translation.get_language(), timezone.get_current_timezone_name(), bool(may_write),
            case.reference, entry.author.full_name if entry.author_id else "", tuple((s.pk, s.signed_at is not None) for s in entry.signatures.all()),
            tuple(c.pk for c in entry.corrections.all()))


def _kept(key):
    with _LOCK:
        html = _RENDERED.get(key)
        if html is not None:
            _RENDERED.move_to_end(key)
        return html


def load_content(entries, case) -> None:
    """Give the entries whose HTML is not kept (and every draft) their content, in one query. Entries loaded with
    their content are left alone. Each entry's `writable` (whether this reader may correct it or go on with the
    draft) is set by the page. Should a kept rendering be dropped before the page uses it, the entry loads its
    own content when rendered: one query more, never a wrong page."""
    missing = []
    for entry in entries:
        if "content" not in entry.get_deferred_fields():
            continue
        if entry.is_saved:
            entry._rendered_key = _key(entry, case, entry.writable)  # computed once: `render` asks again
            if _kept(entry._rendered_key) is not None:
                continue
        missing.append(entry)
    if not missing:
        return
    contents = dict(Entry.objects.filter(pk__in=[e.pk for e in missing]).values_list("pk", "content"))
    for entry in missing:
        entry.content = contents[entry.pk]


def render(entry, case, definition, may_write) -> str:
    """One journal entry as HTML; drafts are rendered every time, saved entries once per key."""
    context = {"entry": entry, "case": case, "definition": definition, "may_write": may_write}
    if not entry.is_saved:
        return render_to_string("cases/_entry.html", context)
    key = getattr(entry, "_rendered_key", None) or _key(entry, case, may_write)
    html = _kept(key)
    if html is not None:
        return html
    html = render_to_string("cases/_entry.html", context)
    with _LOCK:
        _RENDERED[key] = html
        while len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    return html
