"""Integrator mode: waiting consents reach İYS exactly once, whatever İYS does meanwhile."""

import time

import pytest
from django.db import transaction

from connectors.models import IysBulkRequest
from connectors.services.push import iys_push
from connectors.tasks import iys_push_task
from consents.choices import ConsentStatus, ConsentType, IysState, Origin
from consents.models import Consent
from consents.services import ChangeOrigin, consent_apply, contact_upsert
from tests.connectors.conftest import configure
from tests.connectors.factories import waiting_consents


def assert_each_in_iys_once_with_its_transaction_id(server, count: int) -> None:
    consents = list(Consent.objects.values_list("recipient", "iys_state", "iys_transaction_id"))
    assert len(consents) == count
    assert {state for _r, state, _t in consents} == {IysState.ACCEPTED}
    rows = server.state.consent_rows()
    assert len(rows) == count  # nothing stored twice
    assert {r["recipient"]: r["transaction_id"] for r in rows} == {
        recipient: transaction_id for recipient, _s, transaction_id in consents}


def wait_until_delivered(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    next_run = time.monotonic() + 30
    while Consent.objects.filter(iys_state__in=[IysState.PENDING, IysState.SENT]).exists():
        assert time.monotonic() < deadline, "the push did not finish"
        if time.monotonic() > next_run:  # as beat would: run the push again
            iys_push_task.delay()
            next_run = time.monotonic() + 30
        time.sleep(1)


@pytest.mark.worker
def test_ten_thousand_consents_reach_iys_exactly_once_despite_5xx_and_429(
        celery_worker_process, start_sandbox):
    server = start_sandbox(error_rate=0.2, rate_limit_rate=0.05, retry_after=0.2,
                           fault_seed=4, token_lifetime=1)  # tokens also expire mid-run
    # (1 s: the push of 10,000 consents can take under 4 s now)
    configure(server, integrator=True)
    waiting_consents(10_000)
    iys_push_task.delay()
    wait_until_delivered(timeout=400)
    assert_each_in_iys_once_with_its_transaction_id(server, 10_000)
    statuses = [r["status"] for r in server.state.requests()]
    assert statuses.count(500) > 0 and statuses.count(429) > 0
    assert server.state.counter("tokens_issued") >= 2
    assert IysBulkRequest.objects.count() >= 10
    assert not IysBulkRequest.objects.filter(completed_at__isnull=True).exists()


@pytest.mark.django_db
def test_answers_lost_on_the_way_back_neither_lose_nor_duplicate_a_consent(start_sandbox):
    # The first bulk request's answer is always lost; others at random (40% of answers).
    server = start_sandbox(drop_rate=0.4, fault_seed=1, drop_bulk_answers=1)
    configure(server, integrator=True)
    waiting_consents(30)
    for _run in range(8):
        iys_push(poll_wait=5)
        if not Consent.objects.filter(iys_state__in=[IysState.PENDING,
                                                     IysState.SENT]).exists():
            break
    assert_each_in_iys_once_with_its_transaction_id(server, 30)
    dropped = [r for r in server.state.requests("/consents/request") if r["status"] == 0]
    assert any(r["method"] == "POST" for r in dropped)  # a processed bulk lost its answer


@pytest.mark.django_db
def test_a_permanent_rejection_is_stored_on_the_consent_and_filterable(sandbox,
                                                                     admin_role_client):
    configure(sandbox, integrator=True)
    waiting_consents(2)
    waiting_consents(1, start=2, status=ConsentStatus.RET)  # first record RET: H175
    report = iys_push(poll_wait=5)
    assert report.accepted == 2 and report.rejected == 1
    rejected = Consent.objects.get(iys_state=IysState.REJECTED)
    assert rejected.status == ConsentStatus.RET and rejected.iys_error_code == "H175"
    assert rejected.iys_error_message
    listed = admin_role_client.get("/admin/connectors/iysrejection/?iys_error_code=H175")
    assert listed.status_code == 200 and rejected.recipient in listed.content.decode()
    other = admin_role_client.get("/admin/connectors/iysrejection/?iys_error_code=H174")
    assert rejected.recipient not in other.content.decode()


@pytest.mark.worker
def test_a_consent_captured_through_the_api_is_added_at_once(celery_worker_process, sandbox):
    configure(sandbox, integrator=True)
    origin = ChangeOrigin(kind=Origin.API, reference="POST /api/v1/consents")
    with transaction.atomic():
        contact, _created = contact_upsert(phone="+905321234567", origin=origin)
        from django.utils import timezone
        consent = consent_apply(contact=contact, type=ConsentType.MESAJ,
                                status=ConsentStatus.ONAY, source="HS_WEB",
                                consent_date=timezone.now(), origin=origin)
    assert consent.iys_state == IysState.PENDING
    deadline = time.monotonic() + 30
    while Consent.objects.get(pk=consent.pk).iys_state in (IysState.PENDING, IysState.SENT):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    consent.refresh_from_db()
    assert consent.iys_state == IysState.ACCEPTED
    assert sandbox.state.requests("/consents")[0]["path"].endswith("/consents")  # single add
    assert_each_in_iys_once_with_its_transaction_id(sandbox, 1)


@pytest.mark.django_db
def test_late_and_unpermitted_consents_are_not_sent_and_near_deadlines_are_counted(sandbox):
    from datetime import timedelta

    from connectors.models import IysConnector
    from connectors.services.status import connector_counts

    configure(sandbox, integrator=True)
    IysConnector.objects.update(permission_email=False)
    [late] = waiting_consents(1, age=timedelta(days=10))
    [email] = waiting_consents(1, start=1, type=ConsentType.EPOSTA)
    waiting_consents(1, start=2)
    report = iys_push(poll_wait=5)
    late.refresh_from_db()
    email.refresh_from_db()
    assert (late.iys_state, late.iys_error_code) == (IysState.LOCAL, "LATE")
    assert (email.iys_state, email.iys_error_code) == (IysState.LOCAL, "NOT_PERMITTED")
    assert report.accepted == 1 and report.not_sent == 2
    assert len(sandbox.state.consent_rows()) == 1
    assert connector_counts().not_sent == 2


@pytest.mark.worker
def test_a_worker_killed_mid_push_neither_loses_nor_duplicates(transactional_db,
                                                                start_sandbox, monkeypatch):
    from config.celery_app import app
    from tests.conftest import celery_worker_start, celery_worker_stop
    from tests.connectors.conftest import kill_worker

    monkeypatch.setenv("IYS_JOB_LOCK_SECONDS", "2")
    server = start_sandbox(bulk_delay=1.5)
    configure(server, integrator=True)
    waiting_consents(3000)
    app.control.purge()
    worker = celery_worker_start()
    try:
        iys_push_task.delay()
        deadline = time.monotonic() + 60
        while IysBulkRequest.objects.count() < 2:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        kill_worker(worker)
    assert Consent.objects.exclude(iys_state=IysState.ACCEPTED).exists()  # killed mid-run
    time.sleep(2.5)
    app.control.purge()
    worker = celery_worker_start()
    try:
        iys_push_task.delay()
        wait_until_delivered(timeout=180)
    finally:
        celery_worker_stop(worker)
    assert_each_in_iys_once_with_its_transaction_id(server, 3000)


@pytest.mark.django_db
def test_an_outage_delays_consents_and_the_next_push_delivers_them(start_sandbox, settings):
    settings.IYS_CLIENT_OPTIONS = {"max_retries": 2, "backoff_base": 0.01}
    server = start_sandbox(error_rate=1.0)
    configure(server, integrator=True)
    waiting_consents(20)
    report = iys_push(poll_wait=2)
    assert report.accepted == 0 and "unavailable" in report.notes[0]
    # İYS may have stored a request it answered with 5xx: the consents stay in flight (nothing
    # newer of theirs may overtake them) and the next run sends them again.
    assert Consent.objects.filter(iys_state=IysState.SENT).count() == 20
    assert Consent.objects.filter(iys_attempts=0).count() == 0  # the try is recorded

    server.config.error_rate = 0.0  # İYS is back
    assert iys_push(poll_wait=5).accepted == 20
    assert_each_in_iys_once_with_its_transaction_id(server, 20)
