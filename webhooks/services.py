"""Webhook subscriptions, the outbox, and delivery (at least once, in order per endpoint)."""

import logging
import random
import secrets
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import orjson
import urllib3
from celery import current_app
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from webhooks import safety
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.signing import EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signature_header

logger = logging.getLogger(__name__)

SECRET_PREFIX = "whsec_"
# consent.changed items per delivery: a million-row upload makes a thousand calls, not a million.
BATCH_SIZE = 1000
DELIVER_TASK = "webhooks.deliver"
RESPONSE_EXCERPT = 500
# Events delivered per lease: the lease is renewed between batches.
LEASE_SECONDS = 60
EVENTS_PER_RUN = 200


# -- subscriptions ---------------------------------------------------------------------------

def events_clean(events: Iterable[str]) -> list[str]:
    chosen = [str(e) for e in events]
    unknown = sorted(set(chosen) - set(EventType.values))
    if unknown:
        raise ValidationError(_("Unknown events: %(events)s") % {"events": ", ".join(unknown)},
                              code="events")
    if not chosen:
        raise ValidationError(_("Choose at least one event."), code="events")
    return [e for e in EventType.values if e in chosen]


@transaction.atomic
def endpoint_create(*, name: str, url: str, events: Iterable[str],
                    created_by: AbstractBaseUser | None = None) -> tuple[WebhookEndpoint, str]:
    """Create a subscription; the signing secret is returned once, for the admin to copy."""
    safety.target_check(url)
    raw = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint.objects.create(
        name=name, url=url, events=events_clean(events), secret=raw,
        secret_prefix=raw[:10], created_by=created_by)
    return endpoint, raw


def endpoint_secret(endpoint: WebhookEndpoint) -> str:
    """The secret to sign with. The one place that reads the column, so that encryption at
    rest can unwrap it here."""
    return endpoint.secret  # EncryptedSecretField: Fernet-encrypted in the database


def endpoint_enable(*, endpoint: WebhookEndpoint) -> None:
    """Resume delivery (in order, from the oldest waiting event) after the cause is fixed."""
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=True, disabled_reason="", disabled_at=None)
    WebhookEvent.objects.filter(endpoint=endpoint, state=WebhookEvent.State.PENDING).update(
        next_attempt_at=timezone.now())
    deliver_soon()


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        is_active=False, disabled_reason=reason, disabled_at=timezone.now())


# -- the outbox: written inside the changing transaction --------------------------------------

def subscribers(event_type: str) -> list[int]:
    """Active endpoints subscribed to an event type (one small query)."""
    return list(WebhookEndpoint.objects.filter(is_active=True, events__contains=[event_type])
                .values_list("pk", flat=True))


def outbox_write(*, event_type: str, data: dict[str, Any],
                 items: list[dict[str, Any]] | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Outbox rows for every subscribed endpoint: one event of ``data``, or with ``items``
    one event per ``batch_size`` of them (``data["items"]``). Call in the writer's
    transaction; the worker delivers after commit. Returns the rows written."""
    endpoints = subscribers(event_type)
    if not endpoints:
        return 0
    now = timezone.now()
    if items is None:
        payloads = [(data, 1)]
    else:
        payloads = [({**data, "items": items[i:i + batch_size]}, len(items[i:i + batch_size]))
                    for i in range(0, len(items), batch_size)]
    rows = [WebhookEvent(endpoint_id=endpoint, type=event_type, data=payload, items=count,
                         created_at=now, next_attempt_at=now)
            for endpoint in endpoints for payload, count in payloads]
    WebhookEvent.objects.bulk_create(rows)
    transaction.on_commit(deliver_soon)
    return len(rows)


def deliver_soon() -> None:
    """Ask the worker to deliver now; beat runs the same every minute, so a broker that is
    down loses nothing."""
    try:
        current_app.send_task(DELIVER_TASK)
    except Exception:  # the broker is down: beat's run delivers it
        logger.warning("webhooks: could not queue a delivery run; beat will")


# -- delivery ----------------------------------------------------------------------------------

def backoff(attempts: int) -> timedelta:
    """Exponential, capped at an hour, with full jitter: 10 s, 20 s, 40 s … about 30 tries in
    24 h."""
    base = min(3600.0, settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** max(0, attempts - 1))
    return timedelta(seconds=base / 2 + random.uniform(0, base / 2))


def envelope(event: WebhookEvent) -> bytes:
    return orjson.dumps({"id": str(event.event_id), "type": event.type,
                         "created_at": event.created_at.isoformat(), "data": event.data})


def _lease(endpoint_id: int, owner: str) -> bool:
    now = timezone.now()
    return bool(WebhookEndpoint.objects.filter(pk=endpoint_id, is_active=True).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(lease_owner=owner)).update(
        lease_owner=owner, lease_until=now + timedelta(seconds=LEASE_SECONDS)))


def _release(endpoint_id: int, owner: str) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint_id, lease_owner=owner).update(
        lease_owner="", lease_until=None)


def webhooks_deliver(*, max_events: int = EVENTS_PER_RUN) -> int:
    """Deliver the due events of every endpoint, oldest first; returns how many arrived.

    Each endpoint is leased by one worker at a time and its events go strictly in order: a
    failed event holds the ones after it until it arrives (or the endpoint is disabled)."""
    owner = uuid.uuid4().hex
    # order_by(): the model's ordering would make DISTINCT one row per event, not endpoint.
    due = (WebhookEvent.objects.filter(state=WebhookEvent.State.PENDING,
                                       endpoint__is_active=True)
           .order_by("endpoint_id").values_list("endpoint_id", flat=True).distinct())
    delivered = 0
    for endpoint_id in list(due):
        if not _lease(endpoint_id, owner):
            continue
        try:
            delivered += endpoint_deliver(endpoint_id=endpoint_id, owner=owner,
                                          max_events=max_events)
        finally:
            _release(endpoint_id, owner)
    return delivered


def endpoint_deliver(*, endpoint_id: int, owner: str, max_events: int) -> int:
    delivered = 0
    while delivered < max_events:
        endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
        if not endpoint.is_active or endpoint.lease_owner != owner:
            break
        head = (WebhookEvent.objects.filter(endpoint_id=endpoint_id,
                                            state=WebhookEvent.State.PENDING)
                .order_by("id").first())
        if head is None or head.next_attempt_at > timezone.now():
            break
        if not event_attempt(event=head, endpoint=endpoint):
            break
        delivered += 1
        _lease(endpoint_id, owner)  # renew
    return delivered


def event_attempt(*, event: WebhookEvent, endpoint: WebhookEndpoint) -> bool:
    """Send one event once; record the attempt; schedule a retry or give up after the retry
    window, disabling the endpoint so that later events keep their order."""
    delivery = post(endpoint=endpoint, event=event)
    event.attempts += 1
    now = timezone.now()
    if delivery.ok:
        WebhookEvent.objects.filter(pk=event.pk).update(
            state=WebhookEvent.State.DELIVERED, delivered_at=now, attempts=event.attempts)
        return True
    window = timedelta(seconds=settings.WEBHOOK_RETRY_WINDOW_SECONDS)
    if now - event.created_at >= window:
        WebhookEvent.objects.filter(pk=event.pk).update(
            state=WebhookEvent.State.FAILED, attempts=event.attempts)
        endpoint_disable(endpoint=endpoint, reason=_(
            "Event %(id)s could not be delivered for %(hours)d hours (last: %(error)s). "
            "Fix the receiver and enable the webhook again; waiting events follow in order.")
            % {"id": event.event_id, "hours": window.total_seconds() // 3600,
               "error": delivery.error or f"HTTP {delivery.status_code}"})
        return False
    WebhookEvent.objects.filter(pk=event.pk).update(
        attempts=event.attempts, next_attempt_at=now + backoff(event.attempts))
    return False


_pool_manager_kwargs = {"retries": False, "redirect": False}


def post(*, endpoint: WebhookEndpoint, event: WebhookEvent) -> WebhookDelivery:
    """One signed POST to a checked address with short time-outs; no redirects followed."""
    body = envelope(event)
    started = time.monotonic()
    status, excerpt, error = None, "", ""
    try:
        target = safety.target_check(endpoint.url)
        headers = {
            "Host": target.host if target.port in (80, 443) else f"{target.host}:{target.port}",
            "Content-Type": "application/json", "User-Agent": "iys-permission-hub-webhooks/1",
            SIGNATURE_HEADER: signature_header(endpoint_secret(endpoint), int(time.time()), body),
            EVENT_ID_HEADER: str(event.event_id), EVENT_TYPE_HEADER: event.type,
        }
        timeout = urllib3.Timeout(connect=settings.WEBHOOK_CONNECT_TIMEOUT,
                                  read=settings.WEBHOOK_READ_TIMEOUT)
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(target.address, target.port, timeout=timeout,
                                               server_hostname=target.host,
                                               assert_hostname=target.host, maxsize=1)
        else:
            pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout,
                                              maxsize=1)
        with pool:
            response = pool.urlopen("POST", target.path, body=body, headers=headers,
                                    preload_content=False, **_pool_manager_kwargs)
            try:
                status = response.status
                excerpt = response.read(RESPONSE_EXCERPT, decode_content=True).decode(
                    "utf-8", "replace")
            finally:
                response.release_conn()
    except ValidationError as refusal:
        error = "; ".join(refusal.messages)[:255]
    except (urllib3.exceptions.HTTPError, OSError) as failure:
        error = (type(failure).__name__ + ": " + str(failure))[:255]
    ok = status is not None and 200 <= status < 300
    return WebhookDelivery.objects.create(
        event=event, endpoint=endpoint, status_code=status, ok=ok, error=error,
        response_excerpt=excerpt, duration_ms=int((time.monotonic() - started) * 1000))


def event_resend(*, event: WebhookEvent) -> None:
    """Send an event again, with the same id (receivers de-duplicate by it): it goes next,
    before the endpoint's newer events; its earlier attempts stay in the log."""
    WebhookEvent.objects.filter(pk=event.pk).update(
        state=WebhookEvent.State.PENDING, next_attempt_at=timezone.now())
    transaction.on_commit(deliver_soon)
