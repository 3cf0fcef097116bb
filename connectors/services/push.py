"""Sending waiting consents to İYS (or through iletiMerkezi): at least once, applied once.

The outbox is the consents whose İYS state is *pending*. A bulk request is recorded (which
consent sits at which index) before the consents move to *sent*; results are polled until every
item has a transaction id or an error. Whatever happens in between (a worker killed, İYS down,
a token expiring) leaves consents pending, and a consent sent twice comes back from İYS as
"same status" / "not newer": a status query then shows whether İYS stores exactly ours, and
if so its transaction id is taken. Nothing is lost, nothing is stored twice.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from connectors.iletimerkezi.client import IletiMerkeziBlocked, IletiMerkeziError
from connectors.iys.client import BULK_LIMIT, IysClient
from connectors.iys.errors import (
    MAYBE_ALREADY_STORED,
    IysAuthError,
    IysError,
    IysTokenRateLimited,
    IysValidationError,
)
from connectors.models import IysBulkRequest, IysConnector
from connectors.services.clients import Outgoing, consent_wire, iletimerkezi_client, iys_client
from connectors.services.locks import Lease, job_lock
from connectors.services.records import IysRecord, already_in_iys
from connectors.services.reports import JobReport
from consents.choices import IysState, Origin
from consents.delivery import DeliveryUpdate, consent_delivery_bulk_update
from consents.models import Consent
from consents.rules import is_too_late_for_iys
from consents.services import ChangeOrigin

logger = logging.getLogger(__name__)

PUSH_ORIGIN = ChangeOrigin(kind=Origin.SYSTEM, reference="İYS push", actor_label="İYS connector")
ILETIMERKEZI_BATCH = 5000
POLL_INTERVAL = 0.5


@dataclass
class PushReport(JobReport):
    mode: str = ""
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    not_sent: int = 0
    bulk_requests: int = 0
    waiting: int = 0

    def summary(self) -> str:
        return (f"push ({self.mode}): sent {self.sent}, accepted {self.accepted}, "
                f"rejected {self.rejected}, not sent {self.not_sent}, "
                f"bulk requests {self.bulk_requests}, still waiting {self.waiting}")


def _update(updates: list[DeliveryUpdate], report: PushReport | None = None) -> None:
    if not updates:
        return
    consent_delivery_bulk_update(updates=updates, origin=PUSH_ORIGIN)
    if report is not None:
        for update in updates:
            report.accepted += update.state == IysState.ACCEPTED
            report.rejected += update.state == IysState.REJECTED
            report.not_sent += update.state == IysState.LOCAL


def _block(connector: IysConnector, reason: str) -> None:
    IysConnector.objects.filter(pk=connector.pk).update(blocked_reason=reason)


def _outgoing(queryset: QuerySet[Consent], chunk_size: int = 2000) -> Iterator[Outgoing]:
    """The consents of ``queryset`` as sending needs them, read as plain rows."""
    rows = queryset.values_list(*Outgoing.fields()).iterator(chunk_size)
    return (Outgoing(*row) for row in rows)


def _outbox(connector: IysConnector, limit: int, report: PushReport,
            after: int = 0) -> tuple[list[Outgoing], int]:
    """The next waiting consents above id ``after``, oldest first, at most one per recipient
    and type (İYS refuses duplicates in one request and order matters); late or unpermitted
    ones drop out. Also returns where the next call should start: the last id read, or just
    before the first consent held back as a duplicate, so that it goes in a later request.

    Reading on from ``after`` rather than from the first pending consent matters: each batch
    leaves its consents' old (pending) entries in the state index until vacuum, and starting
    over at the first pending id walked through all of them again on every call (2.8 s of
    PostgreSQL's CPU per 100,000 consents, the push's largest database cost)."""
    chosen: list[Outgoing] = []
    keys: set[tuple[str, str, str]] = set()
    dropped: list[DeliveryUpdate] = []
    resume: int | None = None
    last = after
    now = timezone.now()  # one clock reading for the batch, not one per consent
    # In a transaction Django declares the cursor WITHOUT HOLD, which PostgreSQL plans for its
    # first rows: the state index in order, reading only what we fetch. Outside one
    # (WITH HOLD) every pending row is materialised on each call, and after an upload the
    # statistics, which have not caught up yet, make even a LIMIT query sort all of them.
    with transaction.atomic():
        for consent in _outgoing(Consent.objects.filter(iys_state=IysState.PENDING, pk__gt=after)
                                 .order_by("pk"), limit):
            last = consent.pk
            key = (consent.recipient, consent.recipient_type, consent.type)
            if key in keys:
                if resume is None:
                    resume = consent.pk - 1
                continue
            keys.add(key)
            if not connector.channel_permitted(consent.type):
                dropped.append(DeliveryUpdate(
                    consent_id=consent.pk, state=IysState.LOCAL, error_code="NOT_PERMITTED",
                    error_message=_("The partner permission for this channel is not granted.")))
            elif is_too_late_for_iys(consent.consent_date, now):
                dropped.append(DeliveryUpdate(
                    consent_id=consent.pk, state=IysState.LOCAL, error_code="LATE",
                    error_message=_("More than 3 business days old: İYS no longer accepts it.")))
            else:
                chosen.append(consent)
                if len(chosen) >= limit:
                    break
    _update(dropped, report)
    return chosen, last if resume is None else resume


def iys_push(*, poll_wait: float = 120.0) -> PushReport:
    """Send everything waiting, in the connector's current mode and route."""
    connector = IysConnector.load()
    report = PushReport(mode=_("Integrator") if connector.integrator_mode else _("Sync"))
    if not connector.is_ready:
        report.notes.append(_("the connector is not installed"))
        return report
    if connector.blocked_reason:
        report.notes.append(_("pushing is stopped: %(reason)s") % {
            "reason": connector.blocked_reason})
        return report
    with job_lock("push") as lease:
        if connector.route == IysConnector.Route.ILETIMERKEZI:
            _push_iletimerkezi(connector, report, lease)
        else:
            client = iys_client(connector)
            try:
                _push_iys(connector, client, report, lease)
                _poll(client, report, lease, wait=poll_wait)
            except IysTokenRateLimited as error:
                report.notes.append(_("İYS asked us to pause token requests (H084); consents "
                                      "stay waiting: %(error)s") % {"error": error.message})
            except IysAuthError as error:
                _block(connector, _("İYS refused the API user name or password (%(code)s). "
                                    "Check the credentials on this page.")
                       % {"code": error.code or error.status})
                report.notes.append(str(error))
            except IysError as error:
                report.notes.append(_("İYS is unavailable, consents stay waiting: %(error)s")
                                    % {"error": error.message})
            finally:
                client.close()
    IysConnector.objects.filter(pk=connector.pk).update(last_push_at=timezone.now())
    report.waiting = Consent.objects.filter(
        iys_state__in=[IysState.PENDING, IysState.SENT]).count()
    return report


def _push_iys(connector: IysConnector, client: IysClient, report: PushReport,
              lease: Lease) -> None:
    after = 0
    while True:
        batch, resume = _outbox(connector, BULK_LIMIT, report, after)
        if not batch and resume == after:
            return
        after = resume
        if not batch:  # all dropped, or held back for a later request
            continue
        if not connector.integrator_mode:
            batch = _known_to_iys(client, batch, report)
            if not batch:
                continue
        _bulk_send(client, batch, report)
        lease.renew()


def _known_to_iys(client: IysClient, batch: list[Outgoing], report: PushReport) -> list[Outgoing]:
    """Sync mode never creates a recipient: only those İYS already stores are sent."""
    known, not_sent = [], []
    for consent in batch:
        stored = client.consent_status(recipient=consent.recipient,
                                       recipient_type=consent.recipient_type, type=consent.type)
        if stored is None:
            not_sent.append(_sync_unknown(consent))
        elif stored.get("status") == consent.status:
            not_sent.append(already_in_iys(IysRecord.from_wire(stored), consent))
        else:
            known.append(consent)
    _update(not_sent, report)
    return known


def _sync_unknown(consent: Outgoing) -> DeliveryUpdate:
    return DeliveryUpdate(
        consent_id=consent.pk, state=IysState.LOCAL, error_code="SYNC_UNKNOWN",
        error_message=_("İYS does not know this recipient; Sync mode only updates recipients "
                        "that already exist in İYS."))


def _known_locally(batch: list[Outgoing], report: PushReport) -> list[Outgoing]:
    """Sync mode through iletiMerkezi (no İYS status query): only recipients an earlier
    consent of ours reached İYS with are sent."""
    keys = {(c.recipient, c.recipient_type, c.type) for c in batch}
    known = set(Consent.objects.filter(
        recipient__in={k[0] for k in keys}, iys_state__in=[IysState.SENT, IysState.ACCEPTED],
    ).values_list("recipient", "recipient_type", "type"))
    unknown = [_sync_unknown(c) for c in batch
               if (c.recipient, c.recipient_type, c.type) not in known]
    _update(unknown, report)
    return [c for c in batch if (c.recipient, c.recipient_type, c.type) in known]


def _bulk_send(client: IysClient, batch: list[Outgoing], report: PushReport) -> None:
    try:
        answer = client.consents_bulk_add([consent_wire(c) for c in batch])
    except IysError as error:
        if error.retryable or isinstance(error, IysAuthError):
            _update([DeliveryUpdate(consent_id=c.pk, state=IysState.PENDING, attempted=True,
                                    error_message=error.message) for c in batch])
        raise
    request_id = str(answer["requestId"])
    with transaction.atomic():
        IysBulkRequest.objects.create(request_id=request_id, consent_ids=[c.pk for c in batch])
        _update([DeliveryUpdate(consent_id=c.pk, state=IysState.SENT, request_id=request_id,
                                attempted=True) for c in batch])
    report.sent += len(batch)
    report.bulk_requests += 1


def _poll(client: IysClient, report: PushReport, lease: Lease, *, wait: float) -> None:
    """Poll open bulk requests until each item has a result (or ``wait`` seconds pass)."""
    deadline = time.monotonic() + wait
    while True:
        open_requests = list(IysBulkRequest.objects.filter(completed_at__isnull=True))
        for bulk in open_requests:
            _poll_one(client, bulk, report)
            lease.renew()
        if not IysBulkRequest.objects.filter(completed_at__isnull=True).exists():
            return
        if time.monotonic() > deadline:
            report.notes.append(_("some bulk requests are still being processed by İYS"))
            return
        time.sleep(POLL_INTERVAL)


def _poll_one(client: IysClient, bulk: IysBulkRequest, report: PushReport) -> None:
    results = client.consents_bulk_result(bulk.request_id)
    IysBulkRequest.objects.filter(pk=bulk.pk).update(polls=bulk.polls + 1)
    if len(results) != len(bulk.consent_ids) or any(
            r.get("status") == "enqueue" for r in results):
        return
    ordered = sorted(results, key=lambda r: int(r["index"]))
    ids = [bulk.consent_ids[int(result["index"])] for result in ordered]
    # Consents are never deleted (the consent_never_deleted trigger): every id is there, and a
    # whole consent is needed only where İYS may already store it.
    recheck = {consent.pk: consent for consent in _outgoing(Consent.objects.filter(pk__in=[
        pk for pk, result in zip(ids, ordered, strict=True)
        if result.get("status") != "success" and _failure(result)[0] in MAYBE_ALREADY_STORED]))}
    updates = []
    for pk, result in zip(ids, ordered, strict=True):
        if result.get("status") == "success":
            updates.append(DeliveryUpdate(consent_id=pk, state=IysState.ACCEPTED,
                                          transaction_id=str(result.get("transactionId", ""))))
        elif pk in recheck:
            updates.append(_rejection(client, recheck[pk], *_failure(result)))
        else:
            updates.append(_refused(pk, *_failure(result)))
    with transaction.atomic():
        _update(updates, report)
        IysBulkRequest.objects.filter(pk=bulk.pk).update(completed_at=timezone.now())


def _failure(result: dict) -> tuple[str, str]:
    """A bulk result item's error code and message."""
    problem = result.get("error") or {}
    return str(problem.get("code", "")), str(problem.get("message", ""))


def _refused(consent_id: int, code: str, message: str) -> DeliveryUpdate:
    return DeliveryUpdate(consent_id=consent_id, state=IysState.REJECTED, error_code=code,
                          error_message=message)


def _rejection(client: IysClient, consent: Consent | Outgoing, code: str,
               message: str) -> DeliveryUpdate:
    """A refused consent, unless İYS refused it because an earlier attempt stored it."""
    if code in MAYBE_ALREADY_STORED:
        stored = client.consent_status(recipient=consent.recipient,
                                       recipient_type=consent.recipient_type, type=consent.type)
        if stored is not None and IysRecord.from_wire(stored).same_as(consent):
            return DeliveryUpdate(consent_id=consent.pk, state=IysState.ACCEPTED,
                                  transaction_id=str(stored.get("transactionId", "")))
    return _refused(consent.pk, code, message)


def iys_push_consent(*, consent_id: int) -> str:
    """Integrator mode, a consent captured through the API: add it to İYS at once."""
    connector = IysConnector.load()
    consent = Consent.objects.filter(pk=consent_id, iys_state=IysState.PENDING).first()
    if (consent is None or not connector.is_ready or connector.blocked_reason
            or not connector.integrator_mode or connector.route != IysConnector.Route.IYS_API):
        return "skipped"
    if is_too_late_for_iys(consent.consent_date):
        return "skipped"  # the periodic push records why
    client = iys_client(connector)
    try:
        answer = client.consent_add(consent_wire(consent))
        update = DeliveryUpdate(consent_id=consent.pk, state=IysState.ACCEPTED,
                                transaction_id=str(answer.get("transactionId", "")),
                                attempted=True)
    except IysValidationError as error:
        update = _rejection(client, consent, error.code, error.message)
    except IysError as error:  # down, rate limited past retries, or credentials: try later
        update = DeliveryUpdate(consent_id=consent.pk, state=IysState.PENDING, attempted=True,
                                error_message=error.message)
    finally:
        client.close()
    _update([update])
    return update.state


def _push_iletimerkezi(connector: IysConnector, report: PushReport, lease: Lease) -> None:
    client = iletimerkezi_client(connector)
    try:
        after = 0
        while True:
            batch, resume = _outbox(connector, ILETIMERKEZI_BATCH, report, after)
            if not batch and resume == after:
                return
            after = resume
            if not batch:
                continue
            if not connector.integrator_mode:
                batch = _known_locally(batch, report)
                if not batch:
                    continue
            records = [consent_wire(c) for c in batch]
            try:
                outcome = client.consent_create_isolating(records)
            except IletiMerkeziBlocked as error:
                _block(connector, _iletimerkezi_fix(error))
                report.notes.append(error.message)
                return
            except IletiMerkeziError as error:
                _update([DeliveryUpdate(consent_id=c.pk, state=IysState.PENDING, attempted=True,
                                        error_message=error.message) for c in batch])
                report.notes.append(_("iletiMerkezi is unavailable, consents stay waiting: "
                                      "%(error)s") % {"error": error.message})
                return
            report.sent += len(batch)
            updates = [DeliveryUpdate(consent_id=batch[i].pk, state=IysState.ACCEPTED,
                                      request_id="iletimerkezi", attempted=True)
                       for i in outcome.accepted]
            updates += [DeliveryUpdate(consent_id=batch[i].pk, state=IysState.REJECTED,
                                       error_code="ILETIMERKEZI_422", error_message=reason,
                                       attempted=True)
                        for i, reason in outcome.rejected.items()]
            _update(updates, report)
            lease.renew()
    finally:
        client.session.close()


def _iletimerkezi_fix(error: IletiMerkeziBlocked) -> str:
    if error.status == 401:
        return _("iletiMerkezi refused the API key and hash, or API access is off. Check the "
                 "key and hash on this page and turn on “Allow API access” in the iletiMerkezi "
                 "panel (Settings › Security › Access Permissions).")
    if error.status == 403:
        return _("iletiMerkezi has no active İYS subscription for this account: start the İYS "
                 "brand registration in the iletiMerkezi panel.")
    return _("The monthly iletiMerkezi consent quota is used up: upgrade the plan or contact "
             "iletiMerkezi support.")


def consent_push_soon(*, consent_id: int) -> None:
    """After commit of an API-captured consent: queue the single add (Integrator mode)."""
    from connectors.tasks import iys_push_consent_task

    connector = IysConnector.load()
    if not (connector.is_ready and connector.integrator_mode
            and connector.route == IysConnector.Route.IYS_API):
        return
    try:
        iys_push_consent_task.delay(consent_id)
    except Exception:  # the broker is down: the periodic push sends it
        logger.warning("could not queue the İYS push of consent %s", consent_id, exc_info=True)


def deadline_soon_count(*, within: timedelta = timedelta(days=1)) -> int:
    """Waiting consents that reach their 3-business-day deadline within ``within``."""
    from consents.rules import iys_deadline

    now = timezone.now()
    candidates = (Consent.objects.filter(iys_state=IysState.PENDING, consent_date__isnull=False,
                                         consent_date__lt=now - timedelta(days=1))
                  .values_list("consent_date", flat=True)[:5000])
    return sum(1 for when in candidates if now <= iys_deadline(when) <= now + within)
