"""Database triggers that make saved journal entries and signatures append-only.

Even SQL run outside the app cannot change a saved entry; deleting one is only possible for the retention
job, which first writes a PurgePermit for the case in the same transaction.

Once the tables have their row identity (``vault_row``, cases migration 0006), the triggers also keep it
fixed, key rotation included: the encrypted values are bound to it. `create` reads which columns exist, so
the migrations before 0006 still install the triggers they installed then.
"""

# Key rotation (vault.rotation) is the one rewrite allowed: with its permit present, and only the ciphertext.
_ONLY_CIPHERTEXT_CHANGES_SQLITE = """EXISTS (SELECT 1 FROM vault_rewritepermit)
         AND NEW.status = OLD.status AND NEW.case_id = OLD.case_id AND NEW.kind = OLD.kind
         AND NEW.author_id = OLD.author_id AND NEW.occurred_at = OLD.occurred_at AND NEW.saved_at IS OLD.saved_at
         AND NEW.facts IS OLD.facts AND NEW.corrects_id IS OLD.corrects_id AND NEW.refers_to_id IS OLD.refers_to_id
         AND NEW.attachment_id IS OLD.attachment_id AND NEW.revision = OLD.revision
         AND NEW.created_at = OLD.created_at"""

ROW_COLUMN = "vault_row"
_SAME_ROW_SQLITE = f" AND NEW.{ROW_COLUMN} IS OLD.{ROW_COLUMN}"


def _sqlite(entry_row: bool, signature_row: bool, entry_seq: bool = False) -> list[str]:
    entry_same = (_ONLY_CIPHERTEXT_CHANGES_SQLITE + (_SAME_ROW_SQLITE if entry_row else "")
                  + (" AND NEW.seq IS OLD.seq" if entry_seq else ""))
    signature_same = _SAME_ROW_SQLITE if signature_row else ""
    return [
        f"""CREATE TRIGGER IF NOT EXISTS cases_entry_no_update BEFORE UPDATE ON cases_entry
           WHEN OLD.status = 'saved' AND NOT ({entry_same})
           BEGIN SELECT RAISE(ABORT, 'saved journal entries are append-only'); END""",
        """CREATE TRIGGER IF NOT EXISTS cases_entry_no_delete BEFORE DELETE ON cases_entry
           WHEN OLD.status = 'saved' AND NOT EXISTS (SELECT 1 FROM cases_purgepermit p WHERE p.case_id = OLD.case_id)
           BEGIN SELECT RAISE(ABORT, 'saved journal entries are append-only'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS cases_signature_no_update BEFORE UPDATE ON cases_signature
           WHEN NOT (EXISTS (SELECT 1 FROM vault_rewritepermit) AND NEW.entry_id = OLD.entry_id
                     AND NEW.participant = OLD.participant AND NEW.signed_at IS OLD.signed_at
                     AND NEW.user_id IS OLD.user_id AND NEW.recorded_by_id = OLD.recorded_by_id
                     AND NEW.recorded_at = OLD.recorded_at{signature_same})
           BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END""",  # noqa: S608 (constants only)
        """CREATE TRIGGER IF NOT EXISTS cases_signature_no_delete BEFORE DELETE ON cases_signature
           WHEN NOT EXISTS (SELECT 1 FROM cases_purgepermit p JOIN cases_entry e ON e.case_id = p.case_id
                            WHERE e.id = OLD.entry_id)
           BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END""",
    ]


SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_entry_no_update",
    "DROP TRIGGER IF EXISTS cases_entry_no_delete",
    "DROP TRIGGER IF EXISTS cases_signature_no_update",
    "DROP TRIGGER IF EXISTS cases_signature_no_delete",
]


def _postgresql(entry_row: bool, signature_row: bool, entry_seq: bool = False) -> list[str]:
    entry_new = (f", NEW.{ROW_COLUMN}" if entry_row else "") + (", NEW.seq" if entry_seq else "")
    entry_old = (f", OLD.{ROW_COLUMN}" if entry_row else "") + (", OLD.seq" if entry_seq else "")
    signature_new = f", NEW.{ROW_COLUMN}" if signature_row else ""
    signature_old = f", OLD.{ROW_COLUMN}" if signature_row else ""
    return [
        f"""CREATE OR REPLACE FUNCTION cases_entry_append_only() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'UPDATE' AND OLD.status = 'saved' AND NOT (
               EXISTS (SELECT 1 FROM vault_rewritepermit)
               AND (NEW.status, NEW.case_id, NEW.kind, NEW.author_id, NEW.occurred_at, NEW.saved_at, NEW.facts,
                    NEW.corrects_id, NEW.refers_to_id, NEW.attachment_id, NEW.revision, NEW.created_at{entry_new})
                   IS NOT DISTINCT FROM
                   (OLD.status, OLD.case_id, OLD.kind, OLD.author_id, OLD.occurred_at, OLD.saved_at, OLD.facts,
                    OLD.corrects_id, OLD.refers_to_id, OLD.attachment_id, OLD.revision, OLD.created_at{entry_old})) THEN
            RAISE EXCEPTION 'saved journal entries are append-only';
          END IF;
          IF TG_OP = 'DELETE' AND OLD.status = 'saved'
             AND NOT EXISTS (SELECT 1 FROM cases_purgepermit p WHERE p.case_id = OLD.case_id) THEN
            RAISE EXCEPTION 'saved journal entries are append-only';
          END IF;
          IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
          RETURN NEW;
        END $$ LANGUAGE plpgsql""",  # noqa: S608 (constants only)
        """CREATE TRIGGER cases_entry_append_only BEFORE UPDATE OR DELETE ON cases_entry
           FOR EACH ROW EXECUTE FUNCTION cases_entry_append_only()""",
        f"""CREATE OR REPLACE FUNCTION cases_signature_append_only() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM cases_purgepermit p JOIN cases_entry e ON e.case_id = p.case_id
                                          WHERE e.id = OLD.entry_id) THEN
            RETURN OLD;
          END IF;
          IF TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM vault_rewritepermit)
             AND (NEW.entry_id, NEW.participant, NEW.signed_at, NEW.user_id, NEW.recorded_by_id,
                  NEW.recorded_at{signature_new})
                 IS NOT DISTINCT FROM
                 (OLD.entry_id, OLD.participant, OLD.signed_at, OLD.user_id, OLD.recorded_by_id,
                  OLD.recorded_at{signature_old}) THEN
            RETURN NEW;
          END IF;
          RAISE EXCEPTION 'signatures are append-only';
        END $$ LANGUAGE plpgsql""",  # noqa: S608 (constants only)
        """CREATE TRIGGER cases_signature_append_only BEFORE UPDATE OR DELETE ON cases_signature
           FOR EACH ROW EXECUTE FUNCTION cases_signature_append_only()""",
    ]


POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS cases_entry_append_only ON cases_entry",
    "DROP FUNCTION IF EXISTS cases_entry_append_only()",
    "DROP TRIGGER IF EXISTS cases_signature_append_only ON cases_signature",
    "DROP FUNCTION IF EXISTS cases_signature_append_only()",
]


def _has_column(connection, table: str, name: str) -> bool:
    with connection.cursor() as cursor:
        return any(column.name == name for column in connection.introspection.get_table_description(cursor, table))


def _has_row_identity(connection, table: str) -> bool:
    return _has_column(connection, table, ROW_COLUMN)


def statements(connection) -> list[str]:
    """The CREATE statements for this database, for the columns the tables have now (from cases migration 0007
    the journal number is fixed too)."""
    rows = (_has_row_identity(connection, "cases_entry"), _has_row_identity(connection, "cases_signature"),
            _has_column(connection, "cases_entry", "seq"))
    return _postgresql(*rows) if connection.vendor == "postgresql" else _sqlite(*rows)


def create(apps, schema_editor):
    for statement in statements(schema_editor.connection):
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    statements = POSTGRESQL_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


class _Editor:
    """Just enough of a schema editor for create()/drop() outside migrations (test flushes)."""

    def __init__(self, connection):
        self.connection = connection

    def execute(self, statement):
        with self.connection.cursor() as cursor:
            cursor.execute(statement)


def install(connection) -> None:
    create(None, _Editor(connection))


def remove(connection) -> None:
    drop(None, _Editor(connection))
