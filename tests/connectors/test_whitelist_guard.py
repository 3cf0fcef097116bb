"""The whitelist guard stops the connector and tells the admins well before İYS's 70% rule."""

import pytest
from django.core import mail

from connectors.models import IysConnector
from connectors.services.clients import iys_client
from connectors.services.guard import iys_success_ratio
from connectors.services.push import iys_push
from tests.connectors.conftest import configure
from tests.connectors.factories import waiting_consents
from tests.connectors.test_iys_client import consent


@pytest.mark.django_db
def test_too_many_failed_requests_stop_the_connector_and_mail_the_admins(sandbox, settings,
                                                                          monkeypatch):
    settings.ADMINS = [("Ops", "ops@example.com")]
    monkeypatch.setenv("IYS_WHITELIST_GUARD_MIN_REQUESTS", "10")
    configure(sandbox, integrator=True)
    client = iys_client(IysConnector.load())
    for n in range(4):
        client.consent_add(consent(f"+90532777{n:04d}"))
    for n in range(8):  # a first record that is a RET: 400 H175, a client failure for İYS
        with pytest.raises(Exception):  # noqa: B017
            client.consent_add(consent(f"+90532888{n:04d}", status="RET"))
    total, ratio = iys_success_ratio()
    assert total == 13 and ratio == pytest.approx(5 / 13)  # the token, 4 adds, 8 refusals
    waiting_consents(1)
    report = iys_push(poll_wait=5)
    assert report.sent == 0 and "pushing is stopped" in report.notes[0]
    reason = IysConnector.load().blocked_reason
    assert "38.5% of the last 24 hours' 13 requests" in reason and "70%" in reason
    assert [m.to for m in mail.outbox] == [["ops@example.com"]]
    assert "too many failed requests" in mail.outbox[0].subject


@pytest.mark.django_db
def test_a_good_success_ratio_lets_the_push_run(sandbox, monkeypatch):
    monkeypatch.setenv("IYS_WHITELIST_GUARD_MIN_REQUESTS", "3")
    configure(sandbox, integrator=True)
    waiting_consents(3)
    assert iys_push(poll_wait=5).accepted == 3
    assert not IysConnector.load().blocked_reason and mail.outbox == []
