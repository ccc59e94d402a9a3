"""Writing audit events: `record()` is the only way in.

Where the event is written (see docs/security.md):
- settings.AUDIT_DB_ALIAS, when set (tests set "default" to stay inside the test transaction);
- on PostgreSQL the "audit" alias: a separate connection, so the event is committed even when the
  request's own transaction rolls back afterwards;
- on SQLite the "default" connection: a second SQLite connection would wait for the write lock that
  the request's transaction holds. An event recorded inside a transaction that rolls back is then
  lost with it; views therefore record outside their atomic blocks where it matters.
"""

import ipaddress
import re

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from audit import chain
from audit.models import AuditEvent, ChainHead

ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
# Any constant works; it only has to be the same for every writer of the chain.
CHAIN_LOCK_ID = 0x4D454C44  # "MELD"


def audit_db_alias() -> str:
    configured = getattr(settings, "AUDIT_DB_ALIAS", None)
    if configured:
        return configured
    if connections["default"].vendor == "postgresql" and "audit" in settings.DATABASES:
        return "audit"
    return "default"


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


def _lock_chain(connection) -> None:
    """Serialise appends so that two writers never fork the chain."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_ID])
    # SQLite: the atomic block below starts an IMMEDIATE transaction (settings), which takes the
    # database's single write lock before the head is read; inside an outer transaction it is held already.


def record(action: str, *, actor=None, request=None, school=None, case=None, object_repr: str = "",
           reason: str = "", details: dict | None = None) -> AuditEvent:
    """Append one event to the trail and return it. Never pass dossier content: only ids and metadata."""
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
    alias = audit_db_alias()
    with transaction.atomic(using=alias):
        _lock_chain(connections[alias])
        head = ChainHead.objects.using(alias).select_for_update().filter(pk=1).values_list("seq", "hash").first()
        previous_seq, previous_hash = head or (0, chain.GENESIS)
        event.seq = previous_seq + 1
        event.at = timezone.now()
        event.prev_hash = previous_hash
        event.hash = chain.event_hash((
            event.seq, chain.canonical_time(event.at), event.actor_id, event.actor_label, event.action,
            event.school_id, event.case_id, event.object_repr, event.reason, event.ip, event.user_agent,
            details_text, event.prev_hash,
        ))
        event.save(using=alias)
        if head:
            ChainHead.objects.using(alias).filter(pk=1).update(seq=event.seq, hash=event.hash)
        else:
            ChainHead.objects.using(alias).create(pk=1, seq=event.seq, hash=event.hash)
    event.details = chain.parse_details(details_text)
    return event
