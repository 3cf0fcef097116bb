from django.db import migrations

from accounts.roles import roles_sync


class Migration(migrations.Migration):
    """Give the role groups their upload permissions (Marketer uploads, Staff reads)."""

    dependencies = [
        ("uploads", "0001_initial"),
        ("accounts", "0001_roles"),
    ]
    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
