"""Anchors: the newest chained event's hash, written down outside the database.

The chain head lives in the database, so someone with full database rights could remove the newest
events and rewind the head; the chain would still verify. An anchor taken earlier (a line in a log
file on another disk, an e-mail in the privacy officer's mailbox) names a hash that must still be
in the chain: `audit_verify --anchor HASH` or `--anchor-file` then proves it is.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.log import record
from audit.models import ChainHead
from audit.sequencer import chain_pending

ANCHOR_LINE = re.compile(r"\bseq=(?P<seq>\d+)\s+hash=(?P<hash>[0-9a-f]{64})\b")


@dataclass(frozen=True)
class Anchor:
    at: str
    seq: int
    hash: str

    def line(self) -> str:
        return f"{self.at} seq={self.seq} hash={self.hash}"


def read_anchor_file(path) -> list[str]:
    """The hashes of every anchor line in the file (other lines are ignored)."""
    text = Path(path).read_text(encoding="utf-8")
    return [match["hash"] for match in ANCHOR_LINE.finditer(text)]


def privacy_officer_addresses() -> list[str]:
    from accounts.models import Membership
    from accounts.roles import Role

    return sorted(set(
        Membership.objects.filter(role=Role.PRIVACY, user__is_active=True).values_list("user__email", flat=True)
    ))


def take_anchor(path=None) -> Anchor | None:
    """Chain what waits, append the head to the anchor file and e-mail it to the privacy officers."""
    chain_pending()
    head = ChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    if head is None:
        return None
    anchor = Anchor(timezone.now().isoformat(timespec="seconds"), head[0], head[1])
    target = Path(path or settings.AUDIT_ANCHOR_FILE)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("a", encoding="utf-8") as handle:
        handle.write(anchor.line() + "\n")
    recipients = privacy_officer_addresses()
    if recipients:
        send_mail(
            _("Meldcode: dagelijks anker van de audittrail"),
            _("Bewaar dit bericht. Het legt de audittrail van vandaag vast buiten de database:\n\n%(line)s\n\n"
              "Met `manage.py audit_verify --anchor %(hash)s` bewijst de beheerder later dat deze gebeurtenis en "
              "alles ervoor nog ongewijzigd bestaan.") % {"line": anchor.line(), "hash": anchor.hash},
            None, recipients,
        )
    record("audit.anchored", object_repr=f"#{anchor.seq}", details={"seq": anchor.seq, "hash": anchor.hash,
                                                                     "mailed_to": len(recipients)})
    return anchor
