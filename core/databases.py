"""Which database a read goes to.

Everything reads and writes the primary database, with one exception: the annual evaluation's figures, which
count many cases and change nothing, read from a PostgreSQL streaming replica when `DATABASE_REPLICA_URL` is set
(docs/scaling.md). Explicitly, at its call site, never through a global router: a page that shows a dossier
writes its audit event in the same request, and a person must see what they just saved, which a replica a moment
behind would not show. Dossier exports stay on the primary for the same reason: a report to Veilig Thuis must
hold the entry saved a second before."""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

REPLICA = "replica"


def for_reports() -> str:
    """The database alias for aggregate reports: the replica if one is configured, else the primary."""
    return REPLICA if REPLICA in settings.DATABASES else DEFAULT_DB_ALIAS
