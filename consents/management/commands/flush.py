"""``flush`` refuses to empty the evidence tables (issue 19): consent data is legal evidence.

Django's test runner flushes the test database between transactional tests; test settings allow
it (EVIDENCE_WIPE_ALLOWED) and this command then tells the database's TRUNCATE trigger
(migration consents evidence_guards) that the wipe is intended.
"""

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import connections
from django.utils.translation import gettext as _


class Command(flush.Command):
    help = _("Refused: contacts, consents and their history are legal evidence and are never "
             "emptied.")

    def handle(self, **options):
        if not getattr(settings, "EVIDENCE_WIPE_ALLOWED", False):
            raise CommandError(_(
                "flush refused: contacts, consents and their history are legal evidence and "
                "are never deleted. Nothing was changed."))
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(**options)
        with connection.cursor() as cursor:
            cursor.execute("SET iys.allow_wipe = on")
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET iys.allow_wipe")
