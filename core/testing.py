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


def confirmed(client, url, data: dict, response=None):
    """Post a form as a browser does; when the answer is a confirmation page (a decision: cases/confirm.html),
    press its "Bevestigen" button: the page's hidden fields posted back with action=save. The final answer."""
    import html

    response = response or client.post(url, data)
    if response.status_code != 200 or "cases/confirm.html" not in [t.name for t in response.templates]:
        return response
    form = response.content.decode().split('<form method="post" class="card"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form):
        fields.setdefault(html.unescape(name), []).append(html.unescape(value))
    return client.post(url, {**fields, "action": "save"})
