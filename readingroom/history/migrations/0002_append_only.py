"""The database itself refuses to change audit events (and, on PostgreSQL, to delete them; on SQLite a
DELETE trigger would also stop the test runner's flush, so deletion is refused by the model and manager)."""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(
            "CREATE TRIGGER IF NOT EXISTS history_audit_no_update BEFORE UPDATE ON history_auditevent "
            "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
        )
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE OR REPLACE FUNCTION history_audit_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$ LANGUAGE plpgsql"
        )
        schema_editor.execute(
            "CREATE TRIGGER history_audit_no_change BEFORE UPDATE OR DELETE ON history_auditevent "
            "FOR EACH ROW EXECUTE FUNCTION history_audit_append_only()"
        )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS history_audit_no_update")
    elif schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS history_audit_no_change ON history_auditevent")
        schema_editor.execute("DROP FUNCTION IF EXISTS history_audit_append_only()")


class Migration(migrations.Migration):
    dependencies = [("history", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
