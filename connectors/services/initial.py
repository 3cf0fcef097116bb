"""The initial sync: every existing contact reconciled with İYS, in batches, from the night
window on, resuming from its checkpoint after a restart.

Both modes learn what İYS holds for each contact's individual records with multi-status
queries of up to 1000 recipients (three requests per 1000 contacts), so that the hub knows
İYS's side before it decides anything (a RET over an ONAY registered elsewhere, what is
sendable). In Sync mode (İYS is the master) İYS's record is then fetched where İYS and our
current consent disagree, and taken."""

from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from connectors.iys.errors import IysError
from connectors.models import IysConnector
from connectors.services.clients import iys_client
from connectors.services.locks import job_lock
from connectors.services.records import IysRecord, iys_record_apply, pull_origin
from connectors.services.reports import JobReport
from consents.choices import CHANNEL_OF_TYPE, ConsentStatus, ConsentType, RecipientType
from consents.delivery import contacts_held_import
from consents.models import Consent, Contact

BATCH_SIZE = 1000  # one multi-status query per type takes up to 1000 recipients
State = IysConnector.InitialSync


@dataclass
class InitialSyncReport(JobReport):
    contacts: int = 0
    queries: int = 0
    recorded: int = 0
    confirmed: int = 0

    def summary(self) -> str:
        return (f"initial sync: {self.contacts} contacts, {self.queries} status queries; "
                f"recorded {self.recorded}, confirmed {self.confirmed}")


def iys_initial_sync(*, now_ignoring_window: bool = False,
                     batch_size: int = BATCH_SIZE) -> InitialSyncReport:
    connector = IysConnector.load()
    report = InitialSyncReport()
    if not connector.is_ready:
        report.notes.append(_("the initial sync needs an installed connector"))
        return report
    if connector.initial_sync_state == State.DONE and not now_ignoring_window:
        report.notes.append(_("already done"))
        return report
    waiting = (connector.initial_sync_state in (State.NOT_STARTED, State.SCHEDULED)
               and connector.initial_sync_not_before
               and timezone.now() < connector.initial_sync_not_before)
    if waiting and not now_ignoring_window:
        report.notes.append(_("waits for the night window (%(when)s)") % {
            "when": timezone.localtime(connector.initial_sync_not_before)})
        return report
    with job_lock("initial_sync") as lease:
        connector.refresh_from_db()
        if connector.initial_sync_state != State.RUNNING:
            if connector.initial_sync_state == State.DONE:
                connector.initial_sync_checkpoint = 0
            IysConnector.objects.filter(pk=connector.pk).update(
                initial_sync_state=State.RUNNING,
                initial_sync_checkpoint=connector.initial_sync_checkpoint,
                initial_sync_done=Contact.objects.filter(
                    pk__lte=connector.initial_sync_checkpoint).count(),
                initial_sync_total=Contact.objects.count())
        checkpoint = connector.initial_sync_checkpoint
        client = iys_client(connector)
        origin = pull_origin("İYS initial sync")
        try:
            while True:
                batch = list(Contact.objects.filter(pk__gt=checkpoint).order_by("pk")
                             [:batch_size])
                if not batch:
                    IysConnector.objects.filter(pk=connector.pk).update(
                        initial_sync_state=State.DONE, initial_sync_finished_at=timezone.now(),
                        initial_sync_total=F("initial_sync_done"))
                    break
                approved = _holdings_import(client, connector, batch, report)
                if not connector.integrator_mode:
                    _differences_import(client, approved, origin, report)
                checkpoint = batch[-1].pk
                IysConnector.objects.filter(pk=connector.pk).update(
                    initial_sync_checkpoint=checkpoint,
                    initial_sync_done=F("initial_sync_done") + len(batch))
                report.contacts += len(batch)
                lease.renew()
        except IysError as error:
            report.notes.append(_("stopped, continues from the checkpoint next time: "
                                  "%(error)s") % {"error": error.message})
        finally:
            client.close()
    return report


def _holdings_import(client, connector: IysConnector, batch: list[Contact],
                     report: InitialSyncReport) -> dict[str, tuple[list[str], set[str]]]:
    """What İYS holds for these contacts' individual records: one multi-status query per type
    and batch (the batch is at most 1000 contacts). Returns, per type, the recipients asked
    about and those İYS holds ONAY for."""
    asked: dict[str, tuple[list[str], set[str]]] = {}
    for type_ in (ConsentType.MESAJ, ConsentType.ARAMA, ConsentType.EPOSTA):
        if not connector.channel_permitted(type_):
            continue
        field = "email" if type_ == ConsentType.EPOSTA else "phone"
        holders = [contact for contact in batch if getattr(contact, field)]
        if not holders:
            continue
        report.queries += 1
        approved = set(client.consents_status_many(
            recipient_type=RecipientType.BIREYSEL, type=type_,
            recipients=[getattr(contact, field) for contact in holders]))
        onay = [c.pk for c in holders if getattr(c, field) in approved]
        contacts_held_import(channel=CHANNEL_OF_TYPE[type_], onay=onay,
                             not_onay=[c.pk for c in holders if c.pk not in set(onay)])
        report.confirmed += len(onay)
        asked[type_] = ([getattr(contact, field) for contact in holders], approved)
    return asked


def _differences_import(client, asked: dict[str, tuple[list[str], set[str]]], origin,
                        report: InitialSyncReport) -> None:
    """Sync mode: İYS is the master. Its record is fetched (single status query) only where
    the multi-status answer and our current consent disagree: İYS holds ONAY and we hold no
    ONAY, or we hold ONAY and İYS does not. Where both say "not ONAY" nothing is asked: the
    recipient is not sendable either way (a RET there arrives with the pull). The single
    queries so scale with the differences, not with the contacts (İYS allows 1000 an hour)."""
    for type_, (recipients, approved) in asked.items():
        ours = dict(Consent.objects.filter(
            is_current=True, type=type_, recipient_type=RecipientType.BIREYSEL,
            recipient__in=recipients).values_list("recipient", "status"))
        for recipient in recipients:
            if (recipient in approved) == (ours.get(recipient) == ConsentStatus.ONAY):
                continue
            report.queries += 1
            stored = client.consent_status(recipient=recipient,
                                           recipient_type=RecipientType.BIREYSEL, type=type_)
            if stored is None:
                continue
            outcome = iys_record_apply(IysRecord.from_wire(stored), integrator=False,
                                       origin=origin)
            report.recorded += outcome == "recorded"
