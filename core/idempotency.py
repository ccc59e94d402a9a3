"""A form that creates something in a dossier is carried out once, however often it is sent.

Such a form carries a random key in a hidden field, made when the form is shown (the include
templates/includes/idempotency.html). The view stores the key in the same transaction as the write it guards,
so the key is kept exactly when the write is. When the form is sent again - after an error page for a write
that was in fact saved, a time-out, a double click - nothing happens a second time: the person lands on the
result with "Dit was al vastgelegd." A form without a key is refused, since it cannot be made safe to repeat.

In a view:

    @login_required
    @idempotency.guarded
    def new_entry(request, ...):
        case = ...  # access first: someone without it gets the same 404 with or without a key
        if (earlier := idempotency.check(request)) is not None:
            return earlier
        ...
        with idempotency.once(request) as submission:
            entry = journal.write_entry(...)
            audit("entry.create", ...)
            return redirect(submission.done(url_of_the_result))
"""

import functools
import re
import uuid
from contextlib import contextmanager

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import SubmittedForm

FIELD = "idempotency_key"
KEY_PATTERN = re.compile(r"[0-9a-f]{32}")
# Long enough for any resubmission after an error; the daily job forgets older keys.
KEEP_FOR = timezone.timedelta(days=7)


class AlreadySubmitted(Exception):  # noqa: N818 - a signal, not an error
    """Another request with the same key has carried out the write (raised by `once`, handled by `guarded`)."""


class MissingKey(Exception):  # noqa: N818
    """A write without a key (raised by `once`, answered with a 400 by `guarded`)."""


def new_key() -> str:
    return uuid.uuid4().hex


def key_of(request) -> str | None:
    value = request.POST.get(FIELD, "")
    return value if KEY_PATTERN.fullmatch(value) else None


def replay(request, key: str):
    """The earlier result for a key this person already used, or None. Another person's key is not found."""
    result_url = (SubmittedForm.objects.filter(user=request.user, key=key)
                  .values_list("result_url", flat=True).first())
    if result_url is None:
        return None
    messages.info(request, _("Dit was al vastgelegd."))
    return redirect(result_url or "/")


def _refused(request):
    return render(request, "core/form_without_key.html", status=400)


def check(request):
    """For a POST, as soon as access is settled: a 400 without a valid key, the earlier result for a used key.
    None otherwise (and for other methods). It comes before the form is read, because a form sent again may
    no longer be valid (the sibling is linked now, the draft is saved) although all is well."""
    if request.method != "POST":
        return None
    key = key_of(request)
    if key is None:
        return _refused(request)
    return replay(request, key)


def guarded(view):
    """Answers for the view when `once` finds the key used (a double POST at the same moment) or missing."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AlreadySubmitted:
            # The other request won and has committed by now: its result is there to show.
            return replay(request, key_of(request)) or redirect("/")
        except MissingKey:
            return _refused(request)

    return wrapper


class Submission:
    def __init__(self, row: SubmittedForm):
        self.row = row

    def done(self, result_url: str) -> str:
        """Remember where the result is (for a resubmission) and return that address."""
        SubmittedForm.objects.filter(pk=self.row.pk).update(result_url=result_url)
        return result_url

    def cancel(self):
        """Nothing was written after all (a conflict): keep no key, so that the form may be sent again.
        No queries may follow inside the block."""
        transaction.set_rollback(True)


@contextmanager
def once(request):
    """A transaction (a savepoint inside a request's transaction) that holds the write and its key together.

    The key is claimed first: a second request with the same key waits here for the first to finish, then
    fails on the unique key and never reaches the write. Put the write and its audit event inside the block.
    """
    key = key_of(request)
    if key is None:  # normally refused by `check` already
        raise MissingKey
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = SubmittedForm.objects.create(user=request.user, key=key)
        except IntegrityError:
            raise AlreadySubmitted from None
        yield Submission(row)


def purge(now=None) -> int:
    """Forget keys older than KEEP_FOR; returns how many."""
    before = (now or timezone.now()) - KEEP_FOR
    deleted, _rows = SubmittedForm.objects.filter(created_at__lt=before).delete()
    return deleted
