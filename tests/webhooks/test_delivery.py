"""Delivery: signed, in order per endpoint, retried with backoff, disabled after 24 h."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.webhooks.receiver import Receiver
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import backoff, event_resend, outbox_write, webhooks_deliver

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    for i in range(n):
        outbox_write(event_type=EventType.CONSENT_CHANGED, data={"n": i}, items=[{"i": i}])


def test_events_arrive_signed_in_order_with_their_ids(make_endpoint):
    with Receiver() as receiver:
        _endpoint, secret = make_endpoint(receiver.url)
        receiver.secret = secret
        _events(5)
        assert webhooks_deliver() == 5
    assert receiver.bad_signatures == 0
    assert [r["body"]["data"]["n"] for r in receiver.received] == [0, 1, 2, 3, 4]
    ids = [str(e.event_id) for e in WebhookEvent.objects.order_by("id")]
    assert [r["id"] for r in receiver.received] == ids
    assert [r["body"]["id"] for r in receiver.received] == ids
    assert set(WebhookEvent.objects.values_list("state", flat=True)) == {"delivered"}
    log = WebhookDelivery.objects.order_by("id").first()
    assert (log.status_code, log.ok, log.response_excerpt) == (200, True, "ok")


def test_a_failure_holds_later_events_and_retries_after_a_backoff(make_endpoint):
    with Receiver(status=503) as receiver:
        make_endpoint(receiver.url)
        _events(3)
        assert webhooks_deliver() == 0
        first = WebhookEvent.objects.order_by("id").first()
        assert first.attempts == 1 and first.next_attempt_at > timezone.now()
        assert WebhookEvent.objects.filter(attempts=0).count() == 2  # held, in order
        log = WebhookDelivery.objects.get()
        assert (log.status_code, log.ok, log.response_excerpt) == (503, False, "boom")
        receiver.status = 200
        assert webhooks_deliver() == 0  # not due yet
        WebhookEvent.objects.update(next_attempt_at=timezone.now())
        assert webhooks_deliver() == 3
    assert [r["body"]["data"]["n"] for r in receiver.received] == [0, 1, 2]


def test_backoff_grows_exponentially_with_jitter_and_is_capped():
    firsts = {backoff(1) for _ in range(20)}
    assert all(timedelta(seconds=5) <= b <= timedelta(seconds=10) for b in firsts)
    assert len(firsts) > 1  # jitter
    assert timedelta(seconds=40) <= backoff(4) <= timedelta(seconds=80)
    assert backoff(40) <= timedelta(hours=1)


def test_after_the_retry_window_the_endpoint_is_disabled_and_says_why(make_endpoint):
    with Receiver(status=500) as receiver:
        endpoint, _secret = make_endpoint(receiver.url)
        _events(2)
        WebhookEvent.objects.update(created_at=timezone.now() - timedelta(hours=25))
        webhooks_deliver()
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "HTTP 500" in endpoint.disabled_reason
    states = list(WebhookEvent.objects.order_by("id").values_list("state", flat=True))
    assert states == ["failed", "pending"]


def test_an_unreachable_receiver_is_logged_and_retried(make_endpoint):
    with Receiver() as receiver:
        url = receiver.url
    make_endpoint(url)  # the server is gone: connection refused
    _events(1)
    assert webhooks_deliver() == 0
    log = WebhookDelivery.objects.get()
    assert log.status_code is None and log.error
    assert WebhookEvent.objects.get().state == "pending"


def test_resend_delivers_the_same_event_id_again(make_endpoint):
    with Receiver() as receiver:
        make_endpoint(receiver.url)
        _events(1)
        webhooks_deliver()
        event = WebhookEvent.objects.get()
        event_resend(event=event)
        assert webhooks_deliver() == 1
    assert [r["id"] for r in receiver.received] == [str(event.event_id)] * 2
    assert WebhookDelivery.objects.count() == 2


def test_a_disabled_endpoint_gets_nothing(make_endpoint):
    with Receiver() as receiver:
        _endpoint, _secret = make_endpoint(receiver.url)
        _events(1)
        WebhookEndpoint.objects.update(is_active=False)
        assert webhooks_deliver() == 0
    assert receiver.attempts == 0


def test_a_run_visits_each_endpoint_once(make_endpoint, django_assert_max_num_queries):
    with Receiver() as receiver:
        make_endpoint(receiver.url)
        _events(30)
        WebhookEvent.objects.update(next_attempt_at=timezone.now() + timedelta(hours=1))
        with django_assert_max_num_queries(6):  # not a lease per waiting event
            assert webhooks_deliver() == 0
