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
