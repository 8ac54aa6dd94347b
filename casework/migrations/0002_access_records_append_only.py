"""Access records are append-only: on PostgreSQL a trigger refuses to update or delete one, so
neither a bug nor someone with the application's database account can quietly rewrite who read
what. (SQLite, for the demo, relies on the model refusing to save a change.)"""

from django.db import migrations

FORBID = """
CREATE FUNCTION casework_access_record_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'access records are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER casework_access_record_append_only
    BEFORE UPDATE OR DELETE ON casework_accessrecord
    FOR EACH ROW EXECUTE FUNCTION casework_access_record_append_only();
"""

ALLOW = """
DROP TRIGGER casework_access_record_append_only ON casework_accessrecord;
DROP FUNCTION casework_access_record_append_only();
"""


def forbid(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORBID)


def allow(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALLOW)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [migrations.RunPython(forbid, allow)]
