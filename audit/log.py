"""Writing audit events: `record()` is the only way in.

An event is written on the caller's own database connection, in the caller's transaction:
- a write and its event commit together or not at all (every request runs in one transaction,
  ATOMIC_REQUESTS; commands and tasks wrap their writes in `transaction.atomic()` likewise);
- a read's event commits when the view returns, before the response is sent; if it cannot be
  committed, the request fails and the content is not sent.

The event is stored *unchained*: no sequence number or hash yet, but with a MAC (HMAC-SHA256 under
a key that is not in the database), so a change before chaining is noticed as well. The sequencer
(`audit.sequencer`) links unchained events into the hash chain in batches. Appending therefore
takes no global lock inside the request; see docs/security.md.
"""

import ipaddress
import re

from django.conf import settings
from django.db import connections
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
ALIAS = "default"


def _pk(value):
    if value is None:
        return None
    pk = getattr(value, "pk", value)
    return int(pk) if pk is not None else None


def actor_label(user) -> str:
    if user is None:
        return ""
    name = getattr(user, "full_name", "") or ""
    email = getattr(user, "email", "") or ""
    return f"{name} <{email}>" if name else email


def client_ip(request) -> str:
    if request is None:
        return ""
    candidate = ""
    if getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False):
        # The proxy appends the address it saw; the first entry is the original client.
        candidate = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip()
    if not candidate:
        candidate = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return ""


def record(action: str, *, actor=None, request=None, school=None, case=None, object_repr: str = "",
           reason: str = "", details: dict | None = None) -> AuditEvent:
    """Store one event in the caller's transaction and return it. Never pass dossier content: only ids and metadata."""
    from audit import sequencer

    if not ACTION_PATTERN.match(action or ""):
        raise ValueError(f"Audit action {action!r} must look like 'area.verb', e.g. 'case.view'.")
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    if not isinstance(details or {}, dict):
        raise TypeError("Audit details must be a dict of metadata.")
    details_text = chain.canonical_json(details or {})

    event = AuditEvent(
        at=timezone.now(),
        actor_id=_pk(actor),
        actor_label=chain.clean_line(actor_label(actor), 300),
        action=action,
        school_id=_pk(school),
        case_id=_pk(case),
        object_repr=chain.clean_line(object_repr, 200),
        reason=chain.clean_text(reason, 1000),
        ip=client_ip(request),
        user_agent=chain.clean_line(user_agent, 300),
        details=details_text,
    )
    event.mac = chain.mac_of(chain.own_text((
        chain.canonical_time(event.at), event.actor_id, event.actor_label, event.action, event.school_id,
        event.case_id, event.object_repr, event.reason, event.ip, event.user_agent, details_text,
    )))
    # No savepoint of its own: if the insert fails, the caller's write must fail with it.
    event.save(using=ALIAS)
    mode = getattr(settings, "AUDIT_CHAIN_MODE", "after_commit")
    if mode == "immediate":
        sequencer.chain_pending(using=ALIAS)
        event.refresh_from_db(fields=["seq", "prev_hash", "hash"])
    elif mode == "after_commit":
        sequencer.chain_after_commit(connections[ALIAS])
    event.details = chain.parse_details(details_text)
    return event
