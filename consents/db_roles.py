"""The application's restricted PostgreSQL role (issue 19): the owner runs migrations, the
application connects as a role that may read and add evidence but never wipe or rewrite it.

The role gets SELECT and INSERT on contacts, consents and events, UPDATE only of the columns
the application moves on (a contact's identifiers, permissions and attributes; a consent's
``is_current`` and delivery columns), and nothing else on them: no DELETE, no TRUNCATE, and,
not being the owner, no ALTER TABLE (so no DISABLE TRIGGER, no DROP TRIGGER). Other tables
(users, uploads, connector settings, Celery beat) it may read and write as before.
"""

from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

from consents.models import Consent, ConsentEvent, Contact

EVIDENCE_TABLES = (Contact._meta.db_table, Consent._meta.db_table,
                   ConsentEvent._meta.db_table)
# Internal to the evidence triggers (migration evidence_guards): only their SECURITY DEFINER
# functions write it.
TRIGGER_TABLES = ("consents_evidence_check",)
# The app reads which migrations ran (nothing at run time needs more).
READ_ONLY_TABLES = ("django_migrations",)


def updatable_columns() -> dict[str, list[str]]:
    """The evidence columns the application may UPDATE, by table."""
    contact = [f.column for f in Contact._meta.concrete_fields if not f.primary_key]
    consent = sorted(Consent._meta.get_field(name).column for name in Consent.DELIVERY_FIELDS)
    return {Contact._meta.db_table: contact, Consent._meta.db_table: consent}


def app_role_grant(connection: BaseDatabaseWrapper, role: str, *, password: str | None = None,
                   login: bool = True) -> None:
    """Create ``role`` if needed (as the owner's connection) and give it exactly the
    application's privileges on every table of the current schema; rerun after migrations
    (new tables need their grants)."""
    if connection.vendor != "postgresql":
        raise ValueError("database roles are PostgreSQL's")
    name = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), current_schema()")
        database, schema = cursor.fetchone()
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        options = sql.SQL("LOGIN" if login else "NOLOGIN")
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE ROLE {} {} NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                   "NOREPLICATION NOBYPASSRLS").format(name, options))
        if password is not None:
            cursor.execute(sql.SQL("ALTER ROLE {} {} PASSWORD {}").format(
                name, options, sql.Literal(password)))
        statements = [
            sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), name),
            sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), name),
            sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(
                sql.Identifier(schema), name),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {} TO {}")
            .format(sql.Identifier(schema), name),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}").format(
                sql.Identifier(schema), name),
        ]
        for table in (*EVIDENCE_TABLES, *TRIGGER_TABLES, *READ_ONLY_TABLES):
            statements.append(sql.SQL("REVOKE ALL ON {} FROM {}").format(
                sql.Identifier(table), name))
        for table in (*EVIDENCE_TABLES, *READ_ONLY_TABLES):
            privileges = "SELECT" if table in READ_ONLY_TABLES else "SELECT, INSERT"
            statements.append(sql.SQL("GRANT {} ON {} TO {}").format(
                sql.SQL(privileges), sql.Identifier(table), name))
        for table, columns in updatable_columns().items():
            statements.append(sql.SQL("GRANT UPDATE ({}) ON {} TO {}").format(
                sql.SQL(", ").join(map(sql.Identifier, columns)), sql.Identifier(table), name))
        for statement in statements:
            cursor.execute(statement)
