"""Re-encrypt the stored connector secrets under the first of SECRETS_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old ones after it), run this, then drop the old keys.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from connectors.forms import SECRET_FIELDS
from connectors.models import IysConnector


class Command(BaseCommand):
    help = "Re-encrypt the connector's stored secrets under the first encryption key."

    @transaction.atomic
    def handle(self, *args, **options):
        count = 0
        for connector in IysConnector.objects.select_for_update():
            # Reading decrypts with any key; saving encrypts with the first.
            connector.save(update_fields=list(SECRET_FIELDS))
            count += 1
        self.stdout.write(f"Secrets re-encrypted for {count} connector(s).")
