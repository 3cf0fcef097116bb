"""Indexes for the panel's contact searches (issue 17), on PostgreSQL.

- "@example.com.tr" finds every address of a domain: LIKE 'rt.moc.elpmaxe@%' on the reversed
  address (email__reverse__startswith).
- "C-10" finds external IDs starting with it: LIKE 'C-10%' (external_id__startswith).

A LIKE prefix can use a btree only with pattern operator classes (the database's collation is
not C). SQLite (`make run` without DATABASE_URL) has neither REVERSE in index expressions nor
operator classes; its lists are small, so it goes without.
"""

from django.db import migrations

INDEXES = {
    "contact_email_reversed_idx":
        "ON consents_contact (reverse(email) text_pattern_ops)",
    "contact_external_id_prefix_idx":
        "ON consents_contact (external_id varchar_pattern_ops)",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("consents", "0012_evidence_guards"),
    ]

    operations = [migrations.RunPython(create, drop)]
