"""10,000 events to a receiver that fails 30% of the time and is killed and restarted: every
event arrives at least once, in order per endpoint, each with its id for de-duplication."""

import itertools
import threading
import time

import pytest
from django.db import connection

from tests.webhooks.receiver import Receiver
from webhooks.models import EventType, WebhookEndpoint, WebhookEvent
from webhooks.services import endpoint_create, webhooks_deliver

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EVENTS = 10_000
ENDPOINTS = 2
WORKERS = 2  # delivery loops running at once, as two Celery workers would


def _deliver_until_done(stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            if not webhooks_deliver() and not WebhookEvent.objects.filter(
                    state=WebhookEvent.State.PENDING).exists():
                return
    finally:
        connection.close()


def test_every_event_arrives_at_least_once_in_order(settings):
    settings.WEBHOOK_RETRY_BASE_SECONDS = 0.01
    settings.WEBHOOK_CONNECT_TIMEOUT = 0.5
    receiver = Receiver(fail_rate=0.3).__enter__()
    port = receiver.port
    endpoints = [endpoint_create(name=f"crm{n}", url=receiver.url,
                                 events=[EventType.CONSENT_CHANGED])[0]
                 for n in range(ENDPOINTS)]
    WebhookEvent.objects.bulk_create([
        WebhookEvent(endpoint=endpoints[n % ENDPOINTS], type=EventType.CONSENT_CHANGED,
                     data={"n": n}) for n in range(EVENTS)], batch_size=2000)
    expected = {e.pk: [str(i) for i in WebhookEvent.objects.filter(endpoint=e).order_by("id")
                       .values_list("event_id", flat=True)] for e in endpoints}

    stop = threading.Event()
    workers = [threading.Thread(target=_deliver_until_done, args=(stop,))
               for _ in range(WORKERS)]
    for worker in workers:
        worker.start()
    received: list[dict] = []
    # Kill the receiver after a third of the events, restart it on the same port a second later.
    deadline = time.monotonic() + 600
    while len(receiver.received) < EVENTS // 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    receiver.__exit__()
    received += receiver.received
    time.sleep(1)
    receiver = Receiver(fail_rate=0.3, port=port, seed=11).__enter__()
    for worker in workers:
        worker.join(timeout=max(1, deadline - time.monotonic()))
    stop.set()
    receiver.__exit__()
    received += receiver.received

    assert not WebhookEvent.objects.exclude(state=WebhookEvent.State.DELIVERED).exists()
    assert all(e.is_active for e in WebhookEndpoint.objects.all())
    by_id = {}
    for item in received:
        by_id.setdefault(item["id"], item)
        assert item["body"]["id"] == item["id"]
    assert len(by_id) == EVENTS  # every event at least once
    for endpoint in endpoints:
        order = {event_id: i for i, event_id in enumerate(expected[endpoint.pk])}
        positions = [order[item["id"]] for item in received if item["id"] in order]
        firsts = list(dict.fromkeys(positions))
        assert firsts == sorted(firsts)  # first arrivals in outbox order
        # a re-delivery only ever repeats the latest event, never jumps back further
        assert all(b >= a for a, b in itertools.pairwise(positions))
