"""Mutabakat: compare our records with İYS's daily change file and list the differences."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from connectors.iys.errors import IysError
from connectors.models import IysConnector, ReconciliationDifference
from connectors.services.clients import iys_client
from connectors.services.locks import job_lock
from connectors.services.reports import JobReport
from consents.choices import IysState, Origin
from consents.models import Consent, ConsentEvent
from consents.rules import TURKEY
from consents.selectors import consent_current

Kind = ReconciliationDifference.Kind


@dataclass
class ReconcileReport(JobReport):
    report_date: date | None = None
    rows: int = 0
    differences: int = 0

    def summary(self) -> str:
        return (f"reconciliation of {self.report_date}: {self.rows} rows in İYS's file, "
                f"{self.differences} differences")


def iys_reconcile(*, report_date: date | None = None) -> ReconcileReport:
    """Yesterday (Turkey) by default; İYS keeps the files of the last 7 days."""
    connector = IysConnector.load()
    report_date = report_date or (timezone.localtime(timezone.now(), TURKEY).date()
                                  - timedelta(days=1))
    report = ReconcileReport(report_date=report_date)
    if not connector.is_ready:
        report.notes.append(_("the connector is not installed"))
        return report
    with job_lock("reconcile"):
        client = iys_client(connector)
        try:
            rows = client.daily_change_file(report_date)
        except IysError as error:
            report.notes.append(_("İYS did not give the daily file: %(error)s")
                                % {"error": error.message})
            return report
        finally:
            client.close()
        report.rows = len(rows)
        differences = _differences(report_date, rows)
        with transaction.atomic():
            ReconciliationDifference.objects.filter(report_date=report_date).delete()
            ReconciliationDifference.objects.bulk_create(differences)
        report.differences = len(differences)
    IysConnector.objects.filter(pk=connector.pk).update(last_reconcile_at=timezone.now())
    return report


def _differences(report_date: date, rows: list[dict[str, str]]
                 ) -> list[ReconciliationDifference]:
    latest: dict[tuple[str, str, str], dict[str, str]] = {}
    for row in rows:  # the file is in creation order: the last row of a key is İYS's state
        latest[(row["recipient"], row["recipientType"], row["type"])] = row
    found = []
    for (recipient, recipient_type, type_), row in latest.items():
        current = consent_current(recipient=recipient, recipient_type=recipient_type,
                                  type=type_)
        if current is None:
            kind = Kind.MISSING_HERE
        elif current.status != row["status"]:
            kind = Kind.STATUS_DIFFERS
        else:
            continue
        found.append(ReconciliationDifference(
            report_date=report_date, recipient=recipient, recipient_type=recipient_type,
            type=type_, kind=kind, iys_status=row["status"],
            local_status=current.status if current else "",
            iys_transaction_id=row.get("transactionId", "")))
    in_file = {row.get("transactionId") for row in rows}
    start = datetime.combine(report_date, time.min, TURKEY)
    accepted = (Consent.objects.filter(iys_state=IysState.ACCEPTED, is_current=True,
                                       iys_updated_at__gte=start,
                                       iys_updated_at__lt=start + timedelta(days=1))
                .exclude(iys_transaction_id="").exclude(iys_request_id="iletimerkezi")
                .exclude(events__kind=ConsentEvent.Kind.CONSENT,
                         events__origin=Origin.IYS_PULL))
    for consent in accepted.iterator():
        key = (consent.recipient, consent.recipient_type, consent.type)
        if consent.iys_transaction_id not in in_file and key not in latest:
            found.append(ReconciliationDifference(
                report_date=report_date, recipient=consent.recipient,
                recipient_type=consent.recipient_type, type=consent.type,
                kind=Kind.MISSING_IN_IYS, local_status=consent.status,
                iys_transaction_id=consent.iys_transaction_id))
    return found
