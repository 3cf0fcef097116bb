from django.db import migrations

from accounts.roles import roles_sync


class Migration(migrations.Migration):
    """The Admin role gets django-axes' permissions: it sees and clears sign-in lockouts."""

    dependencies = [
        ("accounts", "0001_roles"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]
