from django.core.management.base import BaseCommand, CommandError

from connectors.services.initial import iys_initial_sync
from connectors.services.locks import JobBusy
from connectors.services.pull import iys_pull
from connectors.services.push import iys_push
from connectors.services.reconcile import iys_reconcile

JOBS = {
    "initial": lambda: iys_initial_sync(now_ignoring_window=True),
    "pull": iys_pull,
    "push": iys_push,
    "reconcile": iys_reconcile,
}


class Command(BaseCommand):
    help = "Run one İYS job now, synchronously, with the code the Celery tasks run."

    def add_arguments(self, parser):
        parser.add_argument("job", choices=sorted(JOBS))

    def handle(self, *args, job: str, **options):
        try:
            report = JOBS[job]()
        except JobBusy:
            raise CommandError(f"the {job} job is already running") from None
        self.stdout.write(str(report))
