"""Re-encrypt the stored connector secrets under the first of SECRETS_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old ones after it), run this, then drop the old keys.
"""

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from connectors.secrets import EncryptedSecretField


class Command(BaseCommand):
    help = "Re-encrypt every stored secret (connector, webhooks) under the first encryption key."

    @transaction.atomic
    def handle(self, *args, **options):
        count = 0
        # Every model with an encrypted field: the connector's credentials, webhook secrets.
        for model in apps.get_models():
            fields = [f.name for f in model._meta.concrete_fields
                      if isinstance(f, EncryptedSecretField)]
            for instance in model._default_manager.select_for_update() if fields else ():
                # Reading decrypts with any key; saving encrypts with the first.
                instance.save(update_fields=fields)
                count += 1
        self.stdout.write(f"Secrets re-encrypted for {count} record(s).")
