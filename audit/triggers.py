"""Database triggers that make the trail append-only (installed by migration 0002, renewed by 0003).

They guard against mistakes and casual edits; the hash chain (audit_verify) is what proves that
nobody with full database rights rewrote history anyway.
"""

# The one change an event may get: the sequencer gives an unchained event its place in the chain
# (seq, prev_hash, hash), once, leaving everything else as it was.
_UNCHANGED = ("id", "at", "actor_id", "actor_label", "action", "school_id", "case_id", "object_repr", "reason",
              "ip", "user_agent", "details", "mac")
_CHAINING = "OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL AND "
_SQLITE_CHAINING = _CHAINING + " AND ".join(f"NEW.{name} IS OLD.{name}" for name in _UNCHANGED)
_POSTGRESQL_CHAINING = _CHAINING + " AND ".join(f"NEW.{name} IS NOT DISTINCT FROM OLD.{name}" for name in _UNCHANGED)

SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_auditevent
       WHEN NOT ({_SQLITE_CHAINING})
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
    # The chain head only moves forward, and is never removed.
    """CREATE TRIGGER IF NOT EXISTS audit_head_forward_only BEFORE UPDATE ON audit_chainhead
       WHEN NEW.seq <= OLD.seq OR NEW.id <> OLD.id
       BEGIN SELECT RAISE(ABORT, 'audit chain head only moves forward'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_head_no_delete BEFORE DELETE ON audit_chainhead
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END""",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_head_forward_only",
    "DROP TRIGGER IF EXISTS audit_head_no_delete",
]

POSTGRESQL_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_TABLE_NAME = 'audit_chainhead' AND TG_OP = 'UPDATE'
            AND NEW.seq > OLD.seq AND NEW.id = OLD.id THEN
           RETURN NEW;
         END IF;
         IF TG_TABLE_NAME = 'audit_auditevent' AND TG_OP = 'UPDATE' THEN
           IF {_POSTGRESQL_CHAINING} THEN
             RETURN NEW;
           END IF;
         END IF;
         RAISE EXCEPTION 'audit events are append-only (% on %)', TG_OP, TG_TABLE_NAME
           USING ERRCODE = 'insufficient_privilege';
       END $$""",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_chainhead",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_chainhead
       FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_chainhead",
    """CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_chainhead
       FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
]
POSTGRESQL_REMOVE = [
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_chainhead",
    "DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_chainhead",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]

STATEMENTS = {
    "sqlite": (SQLITE_INSTALL, SQLITE_REMOVE),
    "postgresql": (POSTGRESQL_INSTALL, POSTGRESQL_REMOVE),
}


def _statements(connection, index: int) -> list[str]:
    try:
        return STATEMENTS[connection.vendor][index]
    except KeyError:
        raise NotImplementedError(f"No append-only triggers for the {connection.vendor} backend.") from None


def install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, 0):
            cursor.execute(statement)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, 1):
            cursor.execute(statement)


def installed(connection) -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'audit\\_%' ESCAPE '\\'")
            return cursor.fetchone()[0] == len(SQLITE_INSTALL)
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'audit\\_%' AND NOT tgisinternal")
        return cursor.fetchone()[0] == 4
