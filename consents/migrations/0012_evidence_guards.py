"""Evidence that cannot be wiped (issue 19, part 2), on top of 0002's append-only triggers:

- TRUNCATE of contacts, consents and events is refused (``manage.py flush`` and a stray
  TRUNCATE by the owner; the application's role has no TRUNCATE privilege at all). Only a
  session that says ``SET iys.allow_wipe = on`` may, which the test runner's flush does
  (consents/management/commands/flush.py); the owner could disable the trigger anyway, so this
  guards against accidents, and the restricted application role is the security boundary.
- A contact's or a consent's id never changes (events name them by id).
- A consent's ``is_current`` or delivery receipt (``iys_state``, ``iys_transaction_id``, a
  new ``iys_error_code``) never changes without a ConsentEvent written in the same transaction
  for that consent (``iys_request_id`` is bookkeeping: the push notes which bulk request a sent
  consent is in, and the result's event records it); a consent that only stops being current
  may instead be covered by the event, written in the same transaction, of the consent that
  replaced it (a new consent's event keeps what the one it replaced said). Checked at commit:
  a statement-level trigger notes the changed ids in ``consents_evidence_check`` and a deferred
  constraint trigger on that table checks them, two queries per UPDATE statement (about 12 µs
  per replaced consent, bench/evidence_check.py; fresh uploads and unchanged rows pay nothing).
- ``consents_analyze()``: ANALYZE of the evidence tables for the upload, which the application
  role cannot run itself (only the owner may analyze a table on PostgreSQL 15).
"""

from django.db import migrations

EVIDENCE_TABLES = ("consents_contact", "consents_consent", "consents_consentevent")

FORWARD = [
    """
    CREATE OR REPLACE FUNCTION consents_refuse_truncate() RETURNS trigger AS $$
    BEGIN
        IF current_setting('iys.allow_wipe', true) = 'on' THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'consent data is legal evidence: TRUNCATE of % refused', TG_TABLE_NAME
            USING ERRCODE = 'restrict_violation';
    END;
    $$ LANGUAGE plpgsql;
    """,
    *(f"""
    CREATE TRIGGER {table.removeprefix('consents_')}_never_truncated BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION consents_refuse_truncate();
    """ for table in EVIDENCE_TABLES),
    """
    CREATE TRIGGER contact_id_fixed BEFORE UPDATE ON consents_contact
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION consents_refuse_change();
    """,
    """
    CREATE TRIGGER consent_id_fixed BEFORE UPDATE ON consents_consent
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION consents_refuse_change();
    """,
    # One row per UPDATE statement that changed what needs an event; never read by the
    # application, and emptied by its own check at commit.
    """
    CREATE TABLE consents_evidence_check (
        id bigserial PRIMARY KEY,
        own bigint[] NOT NULL,
        replaced bigint[] NOT NULL
    );
    """,
    """
    CREATE OR REPLACE FUNCTION consents_note_consent_changes() RETURNS trigger AS $$
    DECLARE
        own bigint[];
        replaced bigint[];
    BEGIN
        SELECT coalesce(array_agg(n.id) FILTER (WHERE
                   (NOT o.is_current AND n.is_current)
                   OR o.iys_state IS DISTINCT FROM n.iys_state
                   OR o.iys_transaction_id IS DISTINCT FROM n.iys_transaction_id
                   OR (o.iys_error_code IS DISTINCT FROM n.iys_error_code
                       AND n.iys_error_code <> '')), '{}'),
               coalesce(array_agg(n.id) FILTER (WHERE o.is_current AND NOT n.is_current
                   AND o.iys_state IS NOT DISTINCT FROM n.iys_state
                   AND o.iys_transaction_id IS NOT DISTINCT FROM n.iys_transaction_id
                   AND NOT (o.iys_error_code IS DISTINCT FROM n.iys_error_code
                            AND n.iys_error_code <> '')), '{}')
          INTO own, replaced
          FROM old_rows AS o JOIN new_rows AS n ON n.id = o.id;
        IF cardinality(own) > 0 OR cardinality(replaced) > 0 THEN
            INSERT INTO consents_evidence_check (own, replaced) VALUES (own, replaced);
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT;
    """,
    """
    CREATE TRIGGER consent_changes_noted AFTER UPDATE ON consents_consent
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION consents_note_consent_changes();
    """,
    # A consent in ``own`` needs an event of its own. One in ``replaced`` (it stopped being
    # current, nothing else changed) may instead be covered by an event written now for another
    # consent of its contact and type (the upload's and consent_apply's new consent, on the same
    # contact), or by one of the consent now current for its recipient and type (on another
    # contact, when an identifier moved). Events are found by contact (event_contact_idx):
    # events have no index by consent, on purpose (migration 0010). ``own`` and ``replaced``
    # never share an id.
    # An event counts when this transaction (or one of its savepoints) wrote it: the writing
    # transaction is still in progress, since another transaction's uncommitted rows are
    # invisible. age() <= 0 first, cheaply: older transactions' rows are never ours. xmin is 32
    # bits and pg_xact_status wants the 64-bit id: the one nearest our top transaction's
    # (``top``, ``low`` its 32 bits), as our subtransactions' ids are within 2^31 of it
    # (consents_xid8: one SQL expression, which the planner inlines; a SQL function with a
    # query of its own, called per event row, cost three times the rest of the check).
    """
    CREATE OR REPLACE FUNCTION consents_xid8(x xid, top bigint, low bigint) RETURNS xid8 AS $$
        SELECT (top + (((x::text::bigint - low + 2147483648) % 4294967296 + 4294967296)
                       % 4294967296 - 2147483648))::text::xid8
    $$ LANGUAGE sql IMMUTABLE;
    """,
    """
    CREATE OR REPLACE FUNCTION consents_check_consent_changes() RETURNS trigger AS $$
    DECLARE
        missing bigint;
        top bigint := pg_current_xact_id()::text::bigint;
        low bigint := pg_current_xact_id()::text::bigint & 4294967295;
    BEGIN
        SELECT c.id INTO missing
          FROM consents_consent AS c
         WHERE c.id = ANY(NEW.own)
           AND NOT EXISTS (
               SELECT FROM consents_consentevent AS e
                WHERE e.contact_id = c.contact_id AND e.consent_id = c.id AND age(e.xmin) <= 0
                  AND pg_xact_status(consents_xid8(e.xmin, top, low)) = 'in progress')
         LIMIT 1;
        IF missing IS NULL THEN
            SELECT c.id INTO missing
              FROM consents_consent AS c
             WHERE c.id = ANY(NEW.replaced)
               AND NOT EXISTS (
                   SELECT FROM consents_consentevent AS e
                    WHERE e.contact_id = c.contact_id AND e.field = c.type
                      AND e.consent_id IS NOT NULL AND e.consent_id <> c.id AND age(e.xmin) <= 0
                      AND pg_xact_status(consents_xid8(e.xmin, top, low)) = 'in progress')
               AND NOT EXISTS (
                   SELECT FROM consents_consent AS k
                     JOIN consents_consentevent AS e
                       ON e.contact_id = k.contact_id AND e.consent_id = k.id
                    WHERE k.recipient = c.recipient AND k.recipient_type = c.recipient_type
                      AND k.type = c.type AND k.is_current AND age(e.xmin) <= 0
                      AND pg_xact_status(consents_xid8(e.xmin, top, low)) = 'in progress')
               AND NOT EXISTS (
                   SELECT FROM consents_consentevent AS e
                    WHERE e.contact_id = c.contact_id AND e.consent_id = c.id AND age(e.xmin) <= 0
                      AND pg_xact_status(consents_xid8(e.xmin, top, low)) = 'in progress')
             LIMIT 1;
        END IF;
        DELETE FROM consents_evidence_check WHERE id = NEW.id;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'consent %: is_current or İYS delivery changed without its event',
                missing USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NULL;
    END;
    $$ LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT;
    """,
    """
    CREATE CONSTRAINT TRIGGER consent_change_has_event AFTER INSERT ON consents_evidence_check
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION consents_check_consent_changes();
    """,
    """
    CREATE OR REPLACE FUNCTION consents_analyze() RETURNS void AS $$
    BEGIN
        ANALYZE consents_contact, consents_consent, consents_consentevent;
    END;
    $$ LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT;
    """,
]
BACKWARD = [
    "DROP FUNCTION IF EXISTS consents_analyze();",
    "DROP TABLE IF EXISTS consents_evidence_check;",
    "DROP TRIGGER IF EXISTS consent_changes_noted ON consents_consent;",
    "DROP FUNCTION IF EXISTS consents_check_consent_changes();",
    "DROP FUNCTION IF EXISTS consents_xid8(xid, bigint, bigint);",
    "DROP FUNCTION IF EXISTS consents_note_consent_changes();",
    "DROP TRIGGER IF EXISTS consent_id_fixed ON consents_consent;",
    "DROP TRIGGER IF EXISTS contact_id_fixed ON consents_contact;",
    *(f"DROP TRIGGER IF EXISTS {table.removeprefix('consents_')}_never_truncated ON {table};"
      for table in EVIDENCE_TABLES),
    "DROP FUNCTION IF EXISTS consents_refuse_truncate();",
]


def run(statements):
    def apply(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement, params=None)
    return apply


class Migration(migrations.Migration):
    dependencies = [("consents", "0011_channel_iys_status")]
    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
