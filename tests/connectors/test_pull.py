"""Pulling changes from İYS: pages with the cursor, restarts, and who wins."""

import time
from datetime import timedelta

import pytest

from connectors.models import IysConnector
from connectors.services.pull import iys_pull
from connectors.tasks import iys_pull_task
from consents.choices import ConsentStatus, ConsentType, IysState, Origin, Permission
from consents.models import Consent, ConsentEvent, Contact
from tests.conftest import celery_worker_start, celery_worker_stop
from tests.connectors.conftest import configure, kill_worker
from tests.connectors.factories import waiting_consents


@pytest.mark.django_db
def test_a_pull_across_pages_records_every_change_as_an_event_from_iys(sandbox):
    sandbox.state.seed_citizen_changes(45)
    configure(sandbox, integrator=True)
    report = iys_pull(page_size=10)
    assert report.pages == 5 and report.changes == 45 and report.recorded == 45
    assert Contact.objects.count() == 45  # unknown recipients became contacts
    assert ConsentEvent.objects.filter(kind=ConsentEvent.Kind.CONSENT,
                                       origin=Origin.IYS_PULL).count() == 45
    connector = IysConnector.load()
    assert connector.pull_cursor_iys and connector.last_pull_at
    pages = [r["query"] for r in sandbox.state.requests("/consents/changes")
             if "source=IYS" in r["query"]]
    assert "after=" not in pages[0] and all("after=" in query for query in pages[1:])
    again = iys_pull(page_size=10)  # nothing new: the cursor is kept
    assert again.changes == 0 and IysConnector.load().pull_cursor_iys == (
        connector.pull_cursor_iys)


@pytest.mark.django_db
def test_a_citizens_ret_in_iys_wins_over_a_waiting_onay(sandbox):
    configure(sandbox, integrator=True)
    [waiting] = waiting_consents(1, age=timedelta(hours=5))
    sandbox.state.citizen_change(recipient=waiting.recipient, type_="MESAJ", status="RET",
                                 age=2 * 3600)
    iys_pull()
    current = Consent.objects.get(recipient=waiting.recipient, is_current=True)
    assert current.status == ConsentStatus.RET and current.iys_state == IysState.ACCEPTED
    waiting.refresh_from_db()
    assert waiting.iys_state == IysState.SUPERSEDED and waiting.iys_error_code == "SUPERSEDED"
    assert Contact.objects.get(phone=waiting.recipient).sms_permission == Permission.OPT_OUT


@pytest.mark.django_db
def test_the_token_expires_mid_pull_and_the_job_carries_on(start_sandbox):
    server = start_sandbox(token_lifetime=1.0, latency=0.1)
    server.state.seed_citizen_changes(60)
    configure(server, integrator=True)
    report = iys_pull(page_size=3)
    assert report.recorded == 60 and not report.notes
    assert server.state.counter("tokens_issued") >= 2


@pytest.mark.worker
def test_a_worker_killed_mid_pull_resumes_from_the_cursor(transactional_db, start_sandbox,
                                                          monkeypatch):
    from config.celery_app import app

    monkeypatch.setenv("IYS_JOB_LOCK_SECONDS", "2")  # a dead worker's lock lapses quickly
    monkeypatch.setenv("IYS_PULL_PAGE_SIZE", "10")
    server = start_sandbox(latency=0.15)
    server.state.seed_citizen_changes(120)
    configure(server, integrator=True)
    IysConnector.objects.update(permission_email=True)
    app.control.purge()
    worker = celery_worker_start()
    try:
        iys_pull_task.delay()
        deadline = time.monotonic() + 60
        while Consent.objects.count() < 30:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        kill_worker(worker)
    cursor = IysConnector.load().pull_cursor_iys
    recorded_before = Consent.objects.count()
    assert cursor and 30 <= recorded_before < 120
    time.sleep(2.5)
    app.control.purge()  # the killed run's message is not redelivered; beat starts a new one
    worker = celery_worker_start()
    try:
        iys_pull_task.delay()
        deadline = time.monotonic() + 90
        while Consent.objects.count() < 120:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        celery_worker_stop(worker)
    assert Consent.objects.count() == 120  # nothing lost, nothing recorded twice
    assert Consent.objects.values("iys_transaction_id").distinct().count() == 120
    queries = [r["query"] for r in server.state.requests("/consents/changes")
               if "source=IYS" in r["query"]]
    resumed = [q for q in queries if "after=" not in q]
    assert len(resumed) == 1  # only the very first page started without a cursor
    assert ConsentEvent.objects.filter(kind=ConsentEvent.Kind.CONSENT).count() == 120
    assert Consent.objects.filter(type=ConsentType.EPOSTA).exists()


@pytest.mark.django_db
def test_partner_permissions_limit_the_channels_pulled(sandbox):
    sandbox.state.seed_citizen_changes(9)  # every third is an e-mail consent
    configure(sandbox, integrator=False)
    IysConnector.objects.update(permission_email=False)
    report = iys_pull()
    assert report.changes == 9 and report.recorded == 6
    assert not Consent.objects.filter(type=ConsentType.EPOSTA).exists()


@pytest.mark.django_db
def test_a_pull_after_the_seven_day_window_plans_a_full_resync_in_sync_mode(sandbox):
    from django.utils import timezone

    configure(sandbox, integrator=False)
    IysConnector.objects.update(last_pull_at=timezone.now() - timedelta(days=8),
                                initial_sync_state=IysConnector.InitialSync.DONE)
    report = iys_pull()
    assert "7-day window" in report.notes[0]
    connector = IysConnector.load()
    assert connector.initial_sync_state == IysConnector.InitialSync.SCHEDULED
    assert connector.initial_sync_not_before <= timezone.now()
