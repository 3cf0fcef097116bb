"""Connector secrets are stored encrypted (connectors.secrets): the columns become text (a
Fernet token is longer than the secret) and the values stored in clear before are encrypted."""

from django.db import migrations

import connectors.secrets

SECRET_COLUMNS = ("password", "iletimerkezi_key", "iletimerkezi_hash")


def encrypt_stored(apps, schema_editor):
    connection = schema_editor.connection
    table = schema_editor.quote_name("connectors_iysconnector")
    columns = ", ".join(schema_editor.quote_name(c) for c in SECRET_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {columns} FROM {table}")
        rows = cursor.fetchall()
        for pk, *values in rows:
            encrypted = [value if not value or value.startswith(connectors.secrets.PREFIX)
                         else connectors.secrets.secret_encrypt(value) for value in values]
            assignments = ", ".join(f"{schema_editor.quote_name(c)} = %s"
                                    for c in SECRET_COLUMNS)
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*encrypted, pk])


class Migration(migrations.Migration):

    dependencies = [
        ("connectors", "0004_bulk_requests_kept"),
    ]

    operations = [
        migrations.AlterField(
            model_name="iysconnector",
            name="password",
            field=connectors.secrets.EncryptedSecretField(blank=True, verbose_name="İYS API password"),
        ),
        migrations.AlterField(
            model_name="iysconnector",
            name="iletimerkezi_key",
            field=connectors.secrets.EncryptedSecretField(blank=True, verbose_name="iletiMerkezi API key"),
        ),
        migrations.AlterField(
            model_name="iysconnector",
            name="iletimerkezi_hash",
            field=connectors.secrets.EncryptedSecretField(blank=True, verbose_name="iletiMerkezi API hash"),
        ),
        # Values are encrypted; going back leaves them encrypted (never written back in clear).
        migrations.RunPython(encrypt_stored, migrations.RunPython.noop),
    ]
