"""Create or refresh the application's restricted database role (README, "Database roles").

Run as the tables' owner (DJANGO_DB_ROLE=owner, connecting with DATABASE_MIGRATE_URL) after
every ``migrate``; the role's name and password are DATABASE_URL's, the application's own.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils.translation import gettext as _

from consents.db_roles import app_role_grant


class Command(BaseCommand):
    help = _("Create or refresh the application's database role, which cannot wipe or "
             "rewrite consent evidence.")

    def handle(self, **options):
        app = getattr(settings, "APP_DATABASE", None)
        if connection.vendor != "postgresql" or not app:
            raise CommandError(_("Database roles need PostgreSQL and the production settings "
                                 "(DATABASE_URL for the application, DATABASE_MIGRATE_URL for "
                                 "the owner, DJANGO_DB_ROLE=owner)."))
        role = app.get("USER")
        if not role or role == connection.settings_dict.get("USER"):
            raise CommandError(_("DATABASE_URL must name a role other than the owner's "
                                 "(DATABASE_MIGRATE_URL): the application must not own the "
                                 "tables."))
        app_role_grant(connection, role, password=app.get("PASSWORD") or None)
        self.stdout.write(_("Database role %(role)s can read and add consent evidence, and "
                            "cannot delete, truncate or alter it.") % {"role": role})
