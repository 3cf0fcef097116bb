from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from connectors.services import connector_configure


class Command(BaseCommand):
    help = "Set up the İYS connector as the settings page would (automated deployments)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True)
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--iys-code", required=True)
        parser.add_argument("--brand-code", required=True)
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--integrator", action="store_true",
                          help="Integrator mode: create and update recipients in İYS.")
        mode.add_argument("--sync", action="store_true",
                          help="Sync mode (the default): İYS is the master.")

    def handle(self, *args, **options):
        try:
            connector = connector_configure(
                base_url=options["base_url"], username=options["username"],
                password=options["password"], iys_code=options["iys_code"],
                brand_code=options["brand_code"], integrator=options["integrator"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        mode = "Integrator" if connector.integrator_mode else "Sync"
        self.stdout.write(f"İYS connector installed: {mode} mode, İYS code "
                          f"{connector.iys_code}, brand code {connector.brand_code}, "
                          f"{connector.base_url}")
