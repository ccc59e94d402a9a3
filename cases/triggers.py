"""Database triggers that make saved journal entries and signatures append-only.

Even SQL run outside the app cannot change a saved entry; deleting one is only possible for the retention
job, which first writes a PurgePermit for the case in the same transaction.
"""

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS cases_entry_no_update BEFORE UPDATE ON cases_entry
       WHEN OLD.status = 'saved'
       BEGIN SELECT RAISE(ABORT, 'saved journal entries are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS cases_entry_no_delete BEFORE DELETE ON cases_entry
       WHEN OLD.status = 'saved' AND NOT EXISTS (SELECT 1 FROM cases_purgepermit p WHERE p.case_id = OLD.case_id)
       BEGIN SELECT RAISE(ABORT, 'saved journal entries are append-only'); END""",
    """CREATE TRIGGER IF NOT EXISTS cases_signature_no_update BEFORE UPDATE ON cases_signature
       BEGIN SELECT RAISE(ABORT, 'signatures are append-only'); END""",
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

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION cases_entry_append_only() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND OLD.status = 'saved' THEN
        RAISE EXCEPTION 'saved journal entries are append-only';
      END IF;
      IF TG_OP = 'DELETE' AND OLD.status = 'saved'
         AND NOT EXISTS (SELECT 1 FROM cases_purgepermit p WHERE p.case_id = OLD.case_id) THEN
        RAISE EXCEPTION 'saved journal entries are append-only';
      END IF;
      IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER cases_entry_append_only BEFORE UPDATE OR DELETE ON cases_entry
       FOR EACH ROW EXECUTE FUNCTION cases_entry_append_only()""",
    """CREATE OR REPLACE FUNCTION cases_signature_append_only() RETURNS trigger AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM cases_purgepermit p JOIN cases_entry e ON e.case_id = p.case_id
                                      WHERE e.id = OLD.entry_id) THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'signatures are append-only';
    END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER cases_signature_append_only BEFORE UPDATE OR DELETE ON cases_signature
       FOR EACH ROW EXECUTE FUNCTION cases_signature_append_only()""",
]

POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS cases_entry_append_only ON cases_entry",
    "DROP FUNCTION IF EXISTS cases_entry_append_only()",
    "DROP TRIGGER IF EXISTS cases_signature_append_only ON cases_signature",
    "DROP FUNCTION IF EXISTS cases_signature_append_only()",
]


def create(apps, schema_editor):
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
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
