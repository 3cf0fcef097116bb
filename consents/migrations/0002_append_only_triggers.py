"""Consent data is legal evidence: the database itself refuses to delete or rewrite it.

PostgreSQL (production) gets triggers; the model layer enforces the same rules everywhere.
"""

from django.db import migrations

IMMUTABLE_CONSENT_COLUMNS = ("contact_id", "recipient", "recipient_type", "type", "status",
                             "source", "consent_date", "created_at")
REWRITTEN = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in IMMUTABLE_CONSENT_COLUMNS)

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION consents_refuse_change() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'consent data is append-only: % on % refused', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER consentevent_append_only BEFORE UPDATE OR DELETE ON consents_consentevent
    FOR EACH ROW EXECUTE FUNCTION consents_refuse_change();
    """,
    """
    CREATE TRIGGER consent_never_deleted BEFORE DELETE ON consents_consent
    FOR EACH ROW EXECUTE FUNCTION consents_refuse_change();
    """,
    f"""
    CREATE TRIGGER consent_never_rewritten BEFORE UPDATE ON consents_consent
    FOR EACH ROW WHEN ({REWRITTEN}) EXECUTE FUNCTION consents_refuse_change();
    """,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS consent_never_rewritten ON consents_consent;",
    "DROP TRIGGER IF EXISTS consent_never_deleted ON consents_consent;",
    "DROP TRIGGER IF EXISTS consentevent_append_only ON consents_consentevent;",
    "DROP FUNCTION IF EXISTS consents_refuse_change();",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)
    return apply


class Migration(migrations.Migration):
    dependencies = [("consents", "0001_initial")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
