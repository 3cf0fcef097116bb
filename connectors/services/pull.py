"""Pulling changes from İYS with the stored cursors (citizens' changes, then providers')."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connectors.conf import setting
from connectors.iys.client import CHANGES_LIMIT, IysClient
from connectors.iys.errors import IysError
from connectors.models import IysConnector
from connectors.services.clients import iys_client
from connectors.services.locks import Lease, job_lock
from connectors.services.records import IysRecord, iys_record_apply, pull_origin
from connectors.services.reports import JobReport

logger = logging.getLogger(__name__)

SOURCES = (("IYS", "pull_cursor_iys"), ("HS", "pull_cursor_hs"))
CURSOR_WINDOW = timedelta(days=7)


@dataclass
class PullReport(JobReport):
    pages: int = 0
    changes: int = 0
    recorded: int = 0
    confirmed: int = 0
    unchanged: int = 0
    invalid: int = 0

    def summary(self) -> str:
        return (f"pull: {self.pages} pages, {self.changes} changes; recorded {self.recorded}, "
                f"confirmed {self.confirmed}, unchanged {self.unchanged}, "
                f"invalid {self.invalid}")


def iys_pull(*, page_size: int | None = None) -> PullReport:
    """Apply every change İYS has after our cursors; the cursor moves with each page applied."""
    page_size = min(page_size or setting("IYS_PULL_PAGE_SIZE"), CHANGES_LIMIT)
    connector = IysConnector.load()
    report = PullReport()
    if not connector.is_ready:
        report.notes.append(_("the connector is not installed"))
        return report
    if connector.last_pull_at and timezone.now() - connector.last_pull_at > CURSOR_WINDOW:
        report.notes.append(_("the last pull is older than İYS's 7-day window; changes may "
                              "be missing until the next full sync"))
        if not connector.integrator_mode:
            IysConnector.objects.filter(pk=connector.pk).update(
                initial_sync_state=IysConnector.InitialSync.SCHEDULED,
                initial_sync_checkpoint=0, initial_sync_done=0,
                initial_sync_not_before=timezone.now())
    with job_lock("pull") as lease:
        client = iys_client(connector)
        try:
            for source, cursor_field in SOURCES:
                # Each source on its own: a failure reading citizens' changes must not keep
                # the providers' changes (HS) from being read, nor the other way round.
                try:
                    _pull_source(client, connector, source, cursor_field, page_size, report,
                                 lease)
                except IysError as error:
                    report.notes.append(_("İYS is unavailable for source=%(source)s; the next "
                                          "pull continues from the cursor: %(error)s")
                                        % {"source": source, "error": error.message})
        finally:
            client.close()
    IysConnector.objects.filter(pk=connector.pk).update(last_pull_at=timezone.now())
    return report


def _pull_source(client: IysClient, connector: IysConnector, source: str, cursor_field: str,
                 page_size: int, report: PullReport, lease: Lease) -> None:
    """Every page of one source after its cursor; an empty page (204) ends it."""
    cursor = getattr(connector, cursor_field)
    while True:
        after, items = client.consent_changes(source=source, after=cursor, limit=page_size)
        if not items:
            return
        _apply_page(connector, source, cursor_field, after, items, report)
        cursor = after
        report.pages += 1
        lease.renew()


@transaction.atomic
def _apply_page(connector: IysConnector, source: str, cursor_field: str, after: str,
                items: list[dict], report: PullReport) -> None:
    """One page and its cursor in one transaction: a restart resumes exactly after it."""
    origin = pull_origin(f"İYS changes source={source}")
    for item in items:
        report.changes += 1
        try:
            record = IysRecord.from_wire(item, citizen=source == "IYS")
            if not connector.channel_permitted(record.type):
                report.unchanged += 1
                continue
            outcome = iys_record_apply(record, integrator=connector.integrator_mode,
                                       origin=origin)
        except (ValidationError, KeyError, ValueError) as error:
            report.invalid += 1
            logger.warning("İYS change %s not applied: %s", item.get("transactionId"), error)
            continue
        if outcome == "recorded":
            report.recorded += 1
        elif outcome == "confirmed":
            report.confirmed += 1
        else:
            report.unchanged += 1
    IysConnector.objects.filter(pk=connector.pk).update(**{cursor_field: after})
