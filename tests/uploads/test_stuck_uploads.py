"""No stuck uploads: a broker that is down at dispatch, or a worker killed mid-file, leaves
an upload that starts or resumes by itself (beat), and the panel says what is going on."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from config.celery_app import app
from consents.models import Consent, ConsentEvent, Contact
from tests.conftest import celery_env, celery_worker_start, celery_worker_stop
from tests.uploads.conftest import fixture_path
from tests.uploads.factories import IysConnectorFactory, attributes_create
from uploads import services
from uploads.models import Upload
from uploads.services import (
    upload_create_from_path,
    upload_matching_save,
    upload_queue,
    uploads_watch,
)

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1 of loopback


@contextlib.contextmanager
def broker(url: str):
    """Point this process's Celery app at another broker (its connection pools dropped)."""
    real = app.conf.broker_url

    def reset() -> None:
        app._pool = None
        app.amqp._producer_pool = None

    reset()
    app.conf.broker_url = url
    try:
        yield
    finally:
        reset()
        app.conf.broker_url = real


def matched_upload(path: Path) -> Upload:
    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS)
    return upload_matching_save(upload=upload, mapping=upload.mapping)


def contacts_file(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "kampanya.csv"
    when = (timezone.now() - timedelta(hours=1)).astimezone(
        timezone.get_fixed_timezone(180)).strftime("%d.%m.%y %H:%M:%S")
    path.write_text("email,IYSSource,IYSStatus,IYSConsentDate\n" + "".join(
        f"kisi{i}@example.com,HS_WEB,ONAY,{when}\n" for i in range(rows)))
    return path


# Fast: the decisions, without processes.

@pytest.mark.usefixtures("frozen_now", "attributes", "integrator")
def test_a_broker_that_is_down_at_dispatch_gives_a_message_not_a_500(marketer_client):
    upload = upload_create_from_path(path=fixture_path("case1_email_and_phone.csv"),
                                     mode=Upload.Mode.IYS)
    form = {f"column_{i}": target for i, target in enumerate(upload.mapping)}

    with broker(CLOSED_PORT_BROKER):
        response = marketer_client.post(
            reverse("admin:uploads_upload_matching", args=[upload.pk]), form, follow=True)

    assert response.status_code == 200
    page = response.content.decode()
    assert "The upload is queued; it will start when the worker is reachable." in page
    upload.refresh_from_db()
    assert (upload.state, upload.dispatched_at) == (Upload.State.QUEUED, None)


@pytest.mark.usefixtures("attributes", "integrator")
def test_beat_sends_what_the_broker_did_not_take_and_requeues_the_silent(monkeypatch):
    from uploads import tasks

    sent = []
    monkeypatch.setattr(tasks.upload_process, "delay", sent.append)
    waiting = matched_upload(fixture_path("case1_email_and_phone.csv"))
    Upload.objects.filter(pk=waiting.pk).update(state=Upload.State.QUEUED)
    silent = matched_upload(fixture_path("case2_email_only.csv"))
    long_ago = timezone.now() - timedelta(seconds=settings.UPLOAD_STALE_SECONDS + 5)
    Upload.objects.filter(pk=silent.pk).update(state=Upload.State.PROCESSING,
                                               started_at=long_ago, heartbeat_at=long_ago)
    beating = matched_upload(fixture_path("case3_sms_only.csv"))
    Upload.objects.filter(pk=beating.pk).update(state=Upload.State.PROCESSING,
                                                started_at=long_ago,
                                                heartbeat_at=timezone.now())

    assert uploads_watch() == {"requeued": 1, "dispatched": 2}

    assert sorted(sent) == sorted([waiting.pk, silent.pk])
    assert Upload.objects.get(pk=beating.pk).state == Upload.State.PROCESSING
    assert Upload.objects.get(pk=silent.pk).dispatched_at is not None
    assert uploads_watch() == {"requeued": 0, "dispatched": 0}  # sent once, not every beat


@pytest.mark.usefixtures("attributes", "integrator")
def test_the_panel_offers_resume_for_an_upload_whose_worker_died(marketer_client):
    upload = matched_upload(fixture_path("case1_email_and_phone.csv"))
    long_ago = timezone.now() - timedelta(minutes=5)
    Upload.objects.filter(pk=upload.pk).update(state=Upload.State.PROCESSING, checkpoint=1,
                                               started_at=long_ago, heartbeat_at=long_ago)

    page = marketer_client.get(reverse("admin:uploads_upload_change", args=[upload.pk]))

    text = page.content.decode()
    assert "The worker stopped giving signs of life" in text
    assert 'value="Resume from row 2"' in text


def test_a_running_upload_beats_until_it_ends(transactional_db, settings):
    settings.UPLOAD_HEARTBEAT_SECONDS = 0.2
    attributes_create()
    upload = matched_upload(fixture_path("case1_email_and_phone.csv"))
    Upload.objects.filter(pk=upload.pk).update(state=Upload.State.PROCESSING)

    with services._heartbeat(upload.pk):
        first = wait_for(lambda: Upload.objects.get(pk=upload.pk).heartbeat_at, 5,
                         "a first beat")
        wait_for(lambda: Upload.objects.get(pk=upload.pk).heartbeat_at > first, 5,
                 "a second beat")
    last = Upload.objects.get(pk=upload.pk).heartbeat_at
    time.sleep(0.5)

    assert Upload.objects.get(pk=upload.pk).heartbeat_at == last  # no beat after the end


def test_the_command_line_says_the_database_is_down_without_a_traceback():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "LANGUAGE": "en",
           "DATABASE_URL": "postgres://postgres@127.0.0.1:1/iys_down"}
    for command in (["import_contacts", str(fixture_path("case1_email_and_phone.csv")),
                     "--status", "iys"], ["iys_sync", "push"], ["migrate", "--check"]):
        done = subprocess.run([sys.executable, "manage.py", *command], env=env,
                              cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1, command
        assert "Traceback" not in done.stderr, command
        assert done.stderr.startswith("Error: the database cannot be reached"), command


# Slow: real worker, real beat, real faults.

@contextlib.contextmanager
def celery_beat(every_seconds: int, extra_env: dict[str, str]):
    """Celery beat on the test database, the uploads' watch every few seconds, the
    connector's jobs off (no İYS here)."""
    PeriodicTask.objects.exclude(task__startswith="uploads.").update(enabled=False)
    fast, _created = IntervalSchedule.objects.get_or_create(every=every_seconds,
                                                            period=IntervalSchedule.SECONDS)
    # Created by the uploads migration; a transactional test before this one emptied the table.
    PeriodicTask.objects.update_or_create(task="uploads.uploads_watch", defaults={
        "name": "Uploads: resume stuck uploads and send queued ones", "interval": fast,
        "enabled": True})
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING",
         "--max-interval", "2", "--schedule", "/dev/null"],
        env=celery_env(extra_env), cwd=settings.BASE_DIR)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=20)


def wait_for(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"not within {seconds} s: {what}")


WORKER_ENV = {"UPLOAD_CHUNK_ROWS": "100", "UPLOAD_HEARTBEAT_SECONDS": "1",
              "UPLOAD_STALE_SECONDS": "10"}


@pytest.mark.slow
@pytest.mark.worker
def test_a_worker_killed_mid_upload_is_resumed_by_beat_with_exact_counts(transactional_db,
                                                                         tmp_path):
    rows = 20_000
    attributes_create()
    IysConnectorFactory(integrator_mode=True)
    app.control.purge()
    upload = matched_upload(contacts_file(tmp_path, rows))
    first = celery_worker_start(WORKER_ENV, pool="solo")
    with celery_beat(3, WORKER_ENV):
        with transaction.atomic():
            upload_queue(upload=upload)
        wait_for(lambda: Upload.objects.get(pk=upload.pk).rows_done >= 1000, 120,
                 "the upload to get going")
        beat = Upload.objects.get(pk=upload.pk).heartbeat_at
        wait_for(lambda: Upload.objects.get(pk=upload.pk).heartbeat_at > beat, 5,
                 "the running upload's heartbeat")
        os.kill(first.pid, signal.SIGKILL)  # mid-file: no clean-up, no acknowledgement
        first.wait()
        killed_at = time.monotonic()
        stopped = Upload.objects.get(pk=upload.pk)
        assert stopped.state == Upload.State.PROCESSING and stopped.rows_done < rows

        second = celery_worker_start(WORKER_ENV, pool="solo")
        try:
            wait_for(lambda: Upload.objects.get(pk=upload.pk).state == Upload.State.DONE, 120,
                     "the upload to resume and finish by itself")
        finally:
            celery_worker_stop(second)
    assert time.monotonic() - killed_at < 120

    upload.refresh_from_db()
    assert (upload.rows_done, upload.rows_total, upload.counts["created"]) == (rows, rows, rows)
    assert upload.counts["duplicates"] == upload.counts["rejected"] == 0
    assert upload.counts["queued_for_iys"] == upload.counts["consents"] == rows
    assert Contact.objects.count() == Consent.objects.count() == rows
    assert ConsentEvent.objects.filter(field="created").count() == rows
    assert not upload.row_errors.exists()


@pytest.mark.slow
@pytest.mark.worker
def test_an_upload_queued_while_the_broker_was_down_runs_once_it_is_back(transactional_db,
                                                                        marketer_client):
    attributes_create()
    IysConnectorFactory(integrator_mode=True)
    app.control.purge()
    upload = upload_create_from_path(path=fixture_path("case1_email_and_phone.csv"),
                                     mode=Upload.Mode.IYS)
    form = {f"column_{i}": target for i, target in enumerate(upload.mapping)}
    with broker(CLOSED_PORT_BROKER):
        response = marketer_client.post(
            reverse("admin:uploads_upload_matching", args=[upload.pk]), form)
    assert response.status_code == 302
    upload.refresh_from_db()
    assert (upload.state, upload.dispatched_at) == (Upload.State.QUEUED, None)

    worker = celery_worker_start(WORKER_ENV)
    try:
        with celery_beat(3, WORKER_ENV):
            wait_for(lambda: Upload.objects.get(pk=upload.pk).state == Upload.State.DONE, 60,
                     "the queued upload to run once the broker is back")
    finally:
        celery_worker_stop(worker)
    assert Contact.objects.get(email="ayse@example.com").phone == "+905321112233"
