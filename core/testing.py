"""Helpers for tests that post edit forms the way a browser does."""

import re

from core.concurrency import FIELD


def loaded_state(client, url) -> dict:
    """The fingerprint an edit form carries (see core.concurrency), read from the page as a browser would."""
    page = client.get(url)
    match = re.search(rf'name="{FIELD}" value="([0-9a-f]*)"', page.content.decode())
    assert match, f"no {FIELD} field on {url}"
    return {FIELD: match.group(1)}


def reauthenticate(client):
    """As if the person just entered password and code again (see accounts.reauth)."""
    import time

    from accounts.reauth import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = time.time()
    session.save()


def with_key(data: dict | None = None) -> dict:
    """Post data with a fresh idempotency key, as a form that creates something carries (see core.idempotency)."""
    from core.idempotency import FIELD as KEY_FIELD
    from core.idempotency import new_key

    return {**(data or {}), KEY_FIELD: new_key()}
