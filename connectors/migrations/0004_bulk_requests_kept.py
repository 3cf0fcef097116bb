"""A bulk request's row is now the record of sending its consents until their results come
(connectors.services.push): which consents, in which request, when. The database keeps it as
it keeps consents: never deleted, and its request id, consents and time never rewritten (only
``polls`` and ``completed_at`` move). PostgreSQL only, as consents' migration 0002."""

from django.db import migrations

KEPT = ("request_id", "consent_ids", "created_at")
REWRITTEN = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in KEPT)

FORWARD = [
    """
    CREATE TRIGGER bulk_request_never_deleted BEFORE DELETE ON connectors_iysbulkrequest
    FOR EACH ROW EXECUTE FUNCTION consents_refuse_change();
    """,
    f"""
    CREATE TRIGGER bulk_request_never_rewritten BEFORE UPDATE ON connectors_iysbulkrequest
    FOR EACH ROW WHEN ({REWRITTEN}) EXECUTE FUNCTION consents_refuse_change();
    """,
]
BACKWARD = [
    "DROP TRIGGER IF EXISTS bulk_request_never_rewritten ON connectors_iysbulkrequest;",
    "DROP TRIGGER IF EXISTS bulk_request_never_deleted ON connectors_iysbulkrequest;",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)
    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0003_roles_and_schedules"),
        ("consents", "0002_append_only_triggers"),  # consents_refuse_change()
    ]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
