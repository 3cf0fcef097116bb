"""The command line: iys_configure for deployments, iys_sync to run a job now."""

from io import StringIO

import pytest
from django.core.management import call_command

from connectors.models import IysConnector
from consents.choices import IysState
from consents.models import Consent
from tests.connectors.factories import waiting_consents


@pytest.mark.django_db
def test_configure_then_push_now(sandbox):
    out = StringIO()
    call_command("iys_configure", "--base-url", sandbox.url, "--username", "demo",
                 "--password", "demo-password", "--iys-code", "100000", "--brand-code",
                 "100001", "--integrator", stdout=out)
    assert "Integrator mode" in out.getvalue() and "demo-password" not in out.getvalue()
    connector = IysConnector.load()
    assert connector.is_ready and connector.integrator_mode and connector.mutabakat_confirmed

    waiting_consents(5)
    out = StringIO()
    call_command("iys_sync", "push", stdout=out)
    assert "accepted 5" in out.getvalue()
    assert Consent.objects.filter(iys_state=IysState.ACCEPTED).count() == 5

    for job in ("pull", "reconcile", "initial"):
        out = StringIO()
        call_command("iys_sync", job, stdout=out)
        assert out.getvalue().strip()


@pytest.mark.django_db
def test_configure_in_sync_mode_plans_the_initial_sync(sandbox):
    call_command("iys_configure", "--base-url", sandbox.url, "--username", "demo",
                 "--password", "demo-password", "--iys-code", "100000", "--brand-code",
                 "100001", "--sync", stdout=StringIO())
    connector = IysConnector.load()
    assert not connector.integrator_mode
    assert connector.initial_sync_state == IysConnector.InitialSync.SCHEDULED


@pytest.mark.django_db
def test_the_jobs_are_scheduled_in_django_celery_beat():
    from django_celery_beat.models import PeriodicTask

    tasks = dict(PeriodicTask.objects.values_list("task", "enabled"))
    assert {"connectors.iys_push", "connectors.iys_pull", "connectors.iys_initial_sync",
            "connectors.iys_reconcile"} <= {name for name, enabled in tasks.items() if enabled}
    reconcile = PeriodicTask.objects.get(task="connectors.iys_reconcile")
    assert str(reconcile.crontab.timezone) == "Europe/Istanbul"


@pytest.mark.django_db
def test_the_demo_connector_of_make_run_logs_in_to_the_sandbox_procfile_starts(sandbox,
                                                                            tmp_path):
    from pathlib import Path

    from django.conf import settings

    from connectors.services.status import connector_test

    procfile = (Path(settings.BASE_DIR) / "Procfile").read_text()
    iys_line = next(line for line in procfile.splitlines() if line.startswith("iys:"))
    for option in ("--port ${SANDBOX_PORT:-8001}", f"--username {sandbox.config.username}",
                   f"--password {sandbox.config.password}",
                   f"--iys-code {sandbox.config.iys_code}",
                   f"--brand-code {sandbox.config.brand_code}"):
        assert option in iys_line
    call_command("setup_demo", "--sandbox-url", sandbox.url, "--passwords-file",
                 str(tmp_path / "demo-logins.json"), stdout=StringIO())
    assert connector_test(connector=IysConnector.load())[0]
