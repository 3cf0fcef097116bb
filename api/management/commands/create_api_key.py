from django.core.management.base import BaseCommand, CommandError

from api.models import ApiKey
from api.services import api_key_create


class Command(BaseCommand):
    help = "Create an API key for POST /api/v1/consents. The key is shown once."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name: str, **options):
        if ApiKey.objects.filter(name=name).exists():
            raise CommandError(f"An API key named {name!r} exists already.")
        _api_key, raw_key = api_key_create(name=name)
        self.stdout.write(raw_key)
        self.stderr.write("Store this key now: it is not shown again.")
