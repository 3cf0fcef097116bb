"""Sending waiting consents to İYS (or through iletiMerkezi): at least once, applied once.

The outbox is the consents whose İYS state is *pending*. A bulk request is recorded (which
consent sits at which index, and when) as soon as İYS has taken it; results are polled until
every item has a transaction id or an error. Whatever happens in between (a worker killed, İYS
down, a token expiring) leaves the request recorded, and a consent sent twice comes back from
İYS as "same status" / "not newer": a status query then shows whether İYS stores exactly ours,
and if so its transaction id is taken. Nothing is lost, nothing is stored twice.

A consent whose result comes back within the run moves once, pending → accepted (or rejected),
with one event that also says in which request and when it was sent: the request's row holds
that meanwhile. Only requests still without results when the run ends (İYS slow, a poll
timed out, an error) move their consents to *sent*, with an event each, and so does the next
run for a run that was killed; the outbox never sends them again.
"""

import itertools
import logging
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from connectors.conf import setting
from connectors.iletimerkezi.client import IletiMerkeziBlocked, IletiMerkeziError
from connectors.iys.client import BULK_LIMIT, IysClient
from connectors.iys.errors import (
    MAYBE_ALREADY_STORED,
    QUOTA_USED_UP,
    SUBSCRIPTION_CODES,
    IysAuthError,
    IysError,
    IysSubscriptionError,
    IysTokenRateLimited,
    IysValidationError,
)
from connectors.models import IysBulkRequest, IysConnector
from connectors.services.clients import Outgoing, consent_wire, iletimerkezi_client, iys_client
from connectors.services.guard import whitelist_guard_check
from connectors.services.locks import Lease, job_lock
from connectors.services.records import IysRecord, already_in_iys
from connectors.services.reports import JobReport
from connectors.signals import connector_blocked
from consents.choices import OPEN_STATES, IysState, Origin
from consents.delivery import DeliveryUpdate, consent_delivery_bulk_update, consents_held_note
from consents.models import Consent
from consents.rules import IysLateness, is_too_late_for_iys
from consents.services import ChangeOrigin

logger = logging.getLogger(__name__)

PUSH_ORIGIN = ChangeOrigin(kind=Origin.SYSTEM, reference="İYS push", actor_label="İYS connector")
ILETIMERKEZI_BATCH = 5000
POLL_INTERVAL = 0.5
_cursor_names = itertools.count()


@dataclass
class PushReport(JobReport):
    mode: str = ""
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    not_sent: int = 0
    bulk_requests: int = 0
    waiting: int = 0

    checked: int = 0
    ret_sent_after_check: int = 0

    def summary(self) -> str:
        return (f"push ({self.mode}): sent {self.sent}, accepted {self.accepted}, "
                f"rejected {self.rejected}, not sent {self.not_sent}, "
                f"bulk requests {self.bulk_requests}, still waiting {self.waiting}, "
                f"asked İYS {self.checked} (sent after asking {self.ret_sent_after_check})")


def _update(updates: list[DeliveryUpdate], report: PushReport | None = None) -> None:
    if not updates:
        return
    consent_delivery_bulk_update(updates=updates, origin=PUSH_ORIGIN)
    if report is not None:
        for update in updates:
            report.accepted += update.state == IysState.ACCEPTED
            report.rejected += update.state == IysState.REJECTED
            report.not_sent += update.state == IysState.LOCAL


@transaction.atomic
def _block(connector: IysConnector, reason: str) -> None:
    IysConnector.objects.filter(pk=connector.pk).update(blocked_reason=reason)
    connector_blocked.send(sender=IysConnector, reason=reason)


def _subscription_stop(code: str, message: str) -> str:
    """Why the push stopped on a subscription answer, and what to fix (settings page)."""
    if code == QUOTA_USED_UP:
        return _("İYS's consent quota for this subscription is used up (H525): İYS adds no "
                 "new consent until the quota is raised. Raise it in the İYS subscription, "
                 "then save this page to resume pushing; waiting consents are kept.")
    return _("İYS refused the subscription (%(code)s: %(message)s). Check the İYS "
             "subscription (active, with API use), then save this page to resume pushing; "
             "waiting consents are kept.") % {"code": code, "message": message}


def _outgoing(queryset: QuerySet[Consent], chunk_size: int = 2000) -> Iterator[Outgoing]:
    """The consents of ``queryset`` as sending needs them, read as plain rows.

    On PostgreSQL through a binary server-side cursor: psycopg's C loaders read the dates
    (Django's loader for timestamps in text is Python, a sixth of the push's CPU), and each
    row becomes an Outgoing in one call. Django's iterator elsewhere (SQLite)."""
    queryset = queryset.values_list(*Outgoing._fields)
    if connection.vendor != "postgresql":
        yield from (Outgoing._make(row) for row in queryset.iterator(chunk_size))
        return
    import psycopg

    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[]: Django's own iterator returns nothing too
        return
    connection.ensure_connection()
    # Outside a transaction PostgreSQL keeps only a cursor declared WITH HOLD (as Django does).
    with connection.wrap_database_errors, psycopg.ServerCursor(
            connection.connection, f"outgoing_{next(_cursor_names)}",
            row_factory=lambda _cursor: Outgoing._make,
            withhold=not connection.in_atomic_block) as cursor:
        cursor.itersize = chunk_size
        cursor.execute(sql, params, binary=True)
        yield from cursor


def _outbox(connector: IysConnector, limit: int, report: PushReport, after: int = 0,
            busy: Collection[tuple[str, str, str]] = (),
            state: str = IysState.PENDING) -> tuple[list[Outgoing], int]:
    """The next consents in ``state`` above id ``after``, oldest first, at most one per
    recipient and type (İYS refuses duplicates in one request and order matters); late or
    unpermitted ones drop out, and keys with an older consent in flight (``busy``) wait. Also
    returns where the next call should start: the last id read, or just before the first
    consent held back as a duplicate, so that it goes in a later request.

    Reading on from ``after`` rather than from the first pending consent matters: each batch
    leaves its consents' old (pending) entries in the state index until vacuum, and starting
    over at the first pending id walked through all of them again on every call (2.8 s of
    PostgreSQL's CPU per 100,000 consents, the push's largest database cost)."""
    chosen: list[Outgoing] = []
    keys: set[tuple[str, str, str]] = set()
    dropped: list[DeliveryUpdate] = []
    resume: int | None = None
    last = after
    too_late = IysLateness(timezone.now())  # one clock reading for the batch
    # In a transaction Django declares the cursor WITHOUT HOLD, which PostgreSQL plans for its
    # first rows: the state index in order, reading only what we fetch. Outside one
    # (WITH HOLD) every pending row is materialised on each call, and after an upload the
    # statistics, which have not caught up yet, make even a LIMIT query sort all of them.
    with transaction.atomic():
        for consent in _outgoing(Consent.objects.filter(iys_state=state, pk__gt=after)
                                 .order_by("pk"), limit):
            last = consent.pk
            key = (consent.recipient, consent.recipient_type, consent.type)
            if key in busy:  # an older consent of this key is in flight: wait for its result
                continue
            if key in keys:
                if resume is None:
                    resume = consent.pk - 1
                continue
            keys.add(key)
            if not connector.channel_permitted(consent.type):
                dropped.append(DeliveryUpdate(
                    consent_id=consent.pk, state=IysState.LOCAL, error_code="NOT_PERMITTED",
                    error_message=_("The partner permission for this channel is not granted.")))
            elif too_late(consent.consent_date):
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
    blocked = connector.blocked_reason or whitelist_guard_check(connector)
    if blocked:
        report.notes.append(_("pushing is stopped: %(reason)s") % {"reason": blocked})
        return report
    with job_lock("push") as lease:
        if connector.route == IysConnector.Route.ILETIMERKEZI:
            _push_iletimerkezi(connector, report, lease)
        else:
            client = iys_client(connector)
            try:
                _push_iys(connector, client, report, lease)
                _poll(client, report, lease, wait=poll_wait)
            except IysSubscriptionError as error:
                _block(connector, _subscription_stop(error.code, error.message))
                report.notes.append(error.message)
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
                _open_requests_sent(report)
    IysConnector.objects.filter(pk=connector.pk).update(last_push_at=timezone.now())
    report.waiting = Consent.objects.filter(iys_state__in=OPEN_STATES).count()
    return report


def _push_iys(connector: IysConnector, client: IysClient, report: PushReport,
              lease: Lease) -> None:
    _open_requests_sent(report)  # a killed run's requests: never sent twice
    _orphans_release()
    busy = _keys_in_flight()
    _check_first(connector, client, report, lease, busy)
    after = 0
    while True:
        batch, resume = _outbox(connector, BULK_LIMIT, report, after, busy=busy)
        if not batch and resume == after:
            return
        after = resume
        if not batch:  # all dropped, or held back for a later request
            continue
        if not connector.integrator_mode:
            batch = _known_to_iys(client, batch, report)
            if not batch:
                continue
        batch = _claim(batch)
        if not batch:
            continue
        busy.update((c.recipient, c.recipient_type, c.type) for c in batch)
        _bulk_send(client, batch, report)
        lease.renew()


def _keys_in_flight() -> set[tuple[str, str, str]]:
    """The recipients and types of consents sent and waiting for İYS's result: a newer consent
    of one of them waits (İYS must never take a newer movement before an older one)."""
    return set(Consent.objects.filter(iys_state=IysState.SENT)
               .values_list("recipient", "recipient_type", "type"))


def _claim(batch: list[Outgoing]) -> list[Outgoing]:
    """Pending → sent before the sending, in a transaction of its own: a consent a newer one
    superseded meanwhile is not claimed (and never sent), and one claimed can no longer be
    superseded (the newer one waits for its result instead)."""
    claimed = set(consent_delivery_bulk_update(updates=[
        DeliveryUpdate(consent_id=c.pk, state=IysState.SENT) for c in batch],
        origin=PUSH_ORIGIN, only_from=(IysState.PENDING,)))
    return [c for c in batch if c.pk in claimed]


def _unclaim(batch: list[Outgoing], message: str) -> None:
    """The sending failed before İYS took the request: the consents wait again."""
    _update([DeliveryUpdate(consent_id=c.pk, state=IysState.PENDING, attempted=True,
                            error_message=message) for c in batch])


def _sending_failed(batch: list[Consent | Outgoing], error: IysError) -> None:
    """İYS refused the request itself (a 4xx): nothing was stored, the consents wait again.
    A time-out, a lost answer or a 5xx may come after İYS stored it: the consents stay sent,
    so that nothing newer of theirs overtakes them or supersedes them, and the next run sends
    them again (_orphans_release; İYS answers a repeat with "same status", which the status
    query confirms)."""
    if not error.retryable:
        _unclaim(batch, error.message)
        return
    _update([DeliveryUpdate(consent_id=c.pk, state=IysState.SENT, attempted=True,
                            error_message=error.message) for c in batch])


def _orphans_release() -> None:
    """Consents claimed by a run that died before its request was recorded: they wait again
    (sending one twice is harmless: İYS answers "same status" and the status query confirms)."""
    recorded = {pk for ids in IysBulkRequest.objects.filter(completed_at__isnull=True)
                .values_list("consent_ids", flat=True) for pk in ids}
    orphans = [pk for pk in Consent.objects.filter(iys_state=IysState.SENT, iys_request_id="")
               .values_list("pk", flat=True) if pk not in recorded]
    if orphans:
        consent_delivery_bulk_update(updates=[
            DeliveryUpdate(consent_id=pk, state=IysState.PENDING,
                           error_message=_("The push stopped before İYS took this consent; it "
                                           "is sent again.")) for pk in orphans],
            origin=PUSH_ORIGIN, only_from=(IysState.SENT,))


def _check_first(connector: IysConnector, client: IysClient, report: PushReport, lease: Lease,
                 busy: set[tuple[str, str, str]]) -> None:
    """Consents waiting for İYS to be asked (a RET where the hub does not know whether İYS
    holds an ONAY): one multi-status query per 1000 recipients of a type. Where İYS holds
    ONAY the consent is sent; otherwise it stays here, since İYS refuses a first RET."""
    after = 0
    while True:
        batch, resume = _outbox(connector, BULK_LIMIT, report, after, busy=busy,
                                state=IysState.CHECK)
        if not batch and resume == after:
            return
        after = resume
        groups: dict[tuple[str, str], list[Outgoing]] = {}
        for consent in batch:
            groups.setdefault((consent.recipient_type, consent.type), []).append(consent)
        updates: list[DeliveryUpdate] = []
        for (recipient_type, type_), consents in groups.items():
            approved = set(client.consents_status_many(
                recipient_type=recipient_type, type=type_,
                recipients=[c.recipient for c in consents]))
            held = []
            for consent in consents:
                holds_onay = consent.recipient in approved
                held.append((consent.pk, "ONAY" if holds_onay else None))
                updates.append(DeliveryUpdate(
                    consent_id=consent.pk, state=IysState.PENDING) if holds_onay else
                    DeliveryUpdate(consent_id=consent.pk, state=IysState.LOCAL,
                                   error_code="IYS_NO_ONAY",
                                   error_message=_("İYS holds no ONAY for this recipient: "
                                                   "there is nothing to revoke.")))
            consents_held_note(held=held)
        report.checked += len(updates)
        report.ret_sent_after_check += sum(u.state == IysState.PENDING for u in updates)
        _update(updates, report)
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


def _bulk_send(client: IysClient, batch: list[Outgoing], report: PushReport) -> list[int]:
    """Send ``batch`` as one bulk request and record it; returns the consents sent."""
    try:
        answer = client.consents_bulk_add([consent_wire(c) for c in batch])
    except IysError as error:
        _sending_failed(batch, error)
        raise
    # The record of the sending until the results come: no consent is written now (see the
    # module's docstring).
    ids = [c.pk for c in batch]
    IysBulkRequest.objects.create(request_id=str(answer["requestId"]), consent_ids=ids)
    report.sent += len(batch)
    report.bulk_requests += 1
    return ids


def _poll(client: IysClient, report: PushReport, lease: Lease, *, wait: float) -> None:
    """Poll open bulk requests until each item has a result (or ``wait`` seconds pass)."""
    deadline = time.monotonic() + wait
    delay = timedelta(seconds=setting("IYS_BULK_POLL_DELAY"))
    while True:
        open_requests = list(IysBulkRequest.objects.filter(
            completed_at__isnull=True, created_at__lte=timezone.now() - delay))
        for bulk in open_requests:
            _poll_one(client, bulk, report)
            lease.renew()
        if not IysBulkRequest.objects.filter(completed_at__isnull=True).exists():
            return
        if time.monotonic() > deadline:
            report.notes.append(_("some bulk requests are still being processed by İYS"))
            return
        time.sleep(POLL_INTERVAL)


def _open_requests_sent(report: PushReport) -> None:
    """Consents of requests still without results (claimed, so *sent* already) learn which
    request they are in: the panel shows it, and the next run does not take them for orphans.
    The attempt is counted when the result comes."""
    for request_id, sent_at, ids in IysBulkRequest.objects.filter(
            completed_at__isnull=True).values_list("request_id", "created_at", "consent_ids"):
        waiting = Consent.objects.filter(pk__in=ids, iys_state__in=[
            IysState.PENDING, IysState.SENT], iys_request_id="")
        _update([DeliveryUpdate(consent_id=pk, state=IysState.SENT, request_id=request_id,
                                sent_at=sent_at)
                 for pk in waiting.values_list("pk", flat=True)], report)


def _poll_one(client: IysClient, bulk: IysBulkRequest, report: PushReport) -> None:
    results = client.consents_bulk_result(bulk.request_id)
    if len(results) != len(bulk.consent_ids) or any(
            r.get("status") == "enqueue" for r in results):
        IysBulkRequest.objects.filter(pk=bulk.pk).update(polls=bulk.polls + 1)
        return
    ordered = sorted(results, key=lambda r: int(r["index"]))
    ids = [bulk.consent_ids[int(result["index"])] for result in ordered]
    # Consents are never deleted (the consent_never_deleted trigger): every id is there, and a
    # whole consent is needed only where İYS may already store it.
    recheck = {consent.pk: consent for consent in _outgoing(Consent.objects.filter(pk__in=[
        pk for pk, result in zip(ids, ordered, strict=True)
        if result.get("status") != "success" and _failure(result)[0] in MAYBE_ALREADY_STORED]))}
    # Each result counts the attempt and names the request and its time in its event.
    sent = {"request_id": bulk.request_id, "sent_at": bulk.created_at, "attempted": True}
    updates = []
    stop = None
    for pk, result in zip(ids, ordered, strict=True):
        if _failure(result)[0] in SUBSCRIPTION_CODES:  # not this consent's fault: it waits
            stop = _failure(result)
            updates.append(DeliveryUpdate(consent_id=pk, state=IysState.PENDING, attempted=True,
                                          error_message=stop[1]))
        elif result.get("status") == "success":
            updates.append(DeliveryUpdate(consent_id=pk, state=IysState.ACCEPTED,
                                          transaction_id=str(result.get("transactionId", "")),
                                          **sent))
        elif pk in recheck:
            updates.append(_rejection(client, recheck[pk], *_failure(result), **sent))
        else:
            updates.append(_refused(pk, *_failure(result), **sent))
    with transaction.atomic():
        _update(updates, report)
        IysBulkRequest.objects.filter(pk=bulk.pk).update(polls=bulk.polls + 1,
                                                         completed_at=timezone.now())
    if stop is not None:
        _block(IysConnector.load(), _subscription_stop(*stop))


def _failure(result: dict) -> tuple[str, str]:
    """A bulk result item's error code and message."""
    problem = result.get("error") or {}
    return str(problem.get("code", "")), str(problem.get("message", ""))


def _refused(consent_id: int, code: str, message: str, **sent: Any) -> DeliveryUpdate:
    return DeliveryUpdate(consent_id=consent_id, state=IysState.REJECTED, error_code=code,
                          error_message=message, **sent)


def _rejection(client: IysClient, consent: Consent | Outgoing, code: str, message: str,
               **sent: Any) -> DeliveryUpdate:
    """A refused consent, unless İYS refused it because an earlier attempt stored it.
    ``sent``: the bulk request it was refused in (request_id, sent_at), for its event."""
    if code in MAYBE_ALREADY_STORED:
        stored = client.consent_status(recipient=consent.recipient,
                                       recipient_type=consent.recipient_type, type=consent.type)
        if stored is not None and IysRecord.from_wire(stored).same_as(consent):
            return DeliveryUpdate(consent_id=consent.pk, state=IysState.ACCEPTED,
                                  transaction_id=str(stored.get("transactionId", "")), **sent)
    return _refused(consent.pk, code, message, **sent)


def iys_push_consent(*, consent_id: int) -> str:
    """Integrator mode, a consent captured through the API: add it to İYS at once."""
    connector = IysConnector.load()
    consent = Consent.objects.filter(pk=consent_id, iys_state=IysState.PENDING).first()
    if (consent is None or not connector.is_ready or connector.blocked_reason
            or not connector.integrator_mode or connector.route != IysConnector.Route.IYS_API):
        return "skipped"
    if is_too_late_for_iys(consent.consent_date):
        return "skipped"  # the periodic push records why
    if Consent.objects.filter(recipient=consent.recipient, type=consent.type,
                              recipient_type=consent.recipient_type,
                              iys_state=IysState.SENT).exists():
        return "waiting"  # an older consent is in flight: the periodic push sends it after
    if not _claim([consent]):
        return "skipped"  # superseded, or another run took it
    client = iys_client(connector)
    try:
        answer = client.consent_add(consent_wire(consent))
        update = DeliveryUpdate(consent_id=consent.pk, state=IysState.ACCEPTED,
                                transaction_id=str(answer.get("transactionId", "")),
                                attempted=True)
    except IysValidationError as error:
        update = _rejection(client, consent, error.code, error.message)
    except IysError as error:  # down, rate limited past retries, or credentials: try later
        _sending_failed([consent], error)
        if isinstance(error, IysSubscriptionError):
            _block(connector, _subscription_stop(error.code, error.message))
        return IysState.SENT if error.retryable else IysState.PENDING
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
            batch = _claim(batch)
            if not batch:
                continue
            records = [consent_wire(c) for c in batch]
            try:
                outcome = client.consent_create_isolating(records)
            except IletiMerkeziBlocked as error:
                _unclaim(batch, error.message)
                _block(connector, _iletimerkezi_fix(error))
                report.notes.append(error.message)
                return
            except IletiMerkeziError as error:
                _unclaim(batch, error.message)
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
