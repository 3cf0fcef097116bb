"""Sync mode: İYS is the master; recipients İYS does not know are never created there."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from connectors.models import IysConnector
from connectors.services.initial import iys_initial_sync
from connectors.services.push import iys_push
from consents.choices import ConsentStatus, ConsentType, IysState, Origin
from consents.models import Consent, Contact
from consents.rules import TURKEY
from consents.services import ChangeOrigin, consent_apply, contact_upsert
from tests.connectors.conftest import configure
from tests.connectors.factories import waiting_consents


def stored_in_iys(server, recipient: str, status: str = "ONAY", hours_ago: float = 30,
                  type_: str = "MESAJ") -> None:
    when = datetime.now(TURKEY) - timedelta(hours=hours_ago)
    with server.state.lock:
        server.state.store({"recipient": recipient, "recipientType": "BIREYSEL",
                            "type": type_, "status": status, "source": "HS_WEB",
                            "consentDate": when.strftime("%Y-%m-%d %H:%M:%S")})


@pytest.mark.django_db
def test_sync_mode_updates_known_recipients_and_never_creates_one(sandbox):
    configure(sandbox, integrator=True)
    known, unknown, same = waiting_consents(3)  # queued in Integrator mode
    stored_in_iys(sandbox, known.recipient, status="RET")
    stored_in_iys(sandbox, same.recipient, status="ONAY")
    configure(sandbox, integrator=False)  # the switch takes effect at the next job
    origin = ChangeOrigin(kind=Origin.API)
    contact, _created = contact_upsert(phone="+905559990000", origin=origin)
    new = consent_apply(contact=contact, type=ConsentType.MESAJ, status=ConsentStatus.ONAY,
                        source="HS_WEB", consent_date=timezone.now(), origin=origin)
    assert new.iys_state == IysState.LOCAL  # never queued: İYS does not know it

    report = iys_push(poll_wait=5)

    known.refresh_from_db()
    unknown.refresh_from_db()
    assert known.iys_state == IysState.ACCEPTED and known.iys_transaction_id
    assert unknown.iys_state == IysState.LOCAL and unknown.iys_error_code == "SYNC_UNKNOWN"
    same.refresh_from_db()
    assert (same.iys_state, same.iys_error_code) == (IysState.LOCAL, "ALREADY_IN_IYS")
    assert report.accepted == 1 and report.not_sent == 2
    rows = sandbox.state.consent_rows()
    assert {row["recipient"] for row in rows} == {known.recipient, same.recipient}
    assert [(row["recipient"], row["status"]) for row in rows] == [
        (known.recipient, "RET"), (same.recipient, "ONAY"), (known.recipient, "ONAY")]


@pytest.mark.django_db
def test_installing_in_sync_mode_plans_the_initial_sync_for_the_night_window(sandbox):
    connector = configure(sandbox, integrator=False)
    connector.refresh_from_db()
    assert connector.initial_sync_state == IysConnector.InitialSync.SCHEDULED
    starts = timezone.localtime(connector.initial_sync_not_before, TURKEY)
    assert (starts.hour, starts.minute) == (2, 0) and starts > timezone.now()
    report = iys_initial_sync()
    assert report.contacts == 0 and "night window" in report.notes[0]
    assert sandbox.state.requests() == []


@pytest.mark.django_db
def test_the_initial_sync_runs_in_batches_and_resumes_from_its_checkpoint(sandbox,
                                                                          monkeypatch):
    origin = ChangeOrigin(kind=Origin.ADMIN)
    contacts = [contact_upsert(phone=f"+90532000{n:04d}", origin=origin)[0] for n in range(7)]
    stored_in_iys(sandbox, contacts[1].phone, status="ONAY")
    stored_in_iys(sandbox, contacts[5].phone, status="RET", type_="ARAMA")
    configure(sandbox, integrator=False)
    IysConnector.objects.update(initial_sync_not_before=timezone.now(),
                                permission_email=False)

    renewals = []

    def crash_after_second_batch(self):
        renewals.append(1)
        if len(renewals) == 2:
            raise SystemExit("worker killed")

    monkeypatch.setattr("connectors.services.locks.Lease.renew", crash_after_second_batch)
    with pytest.raises(SystemExit):
        iys_initial_sync(batch_size=3)
    connector = IysConnector.load()
    assert connector.initial_sync_state == IysConnector.InitialSync.RUNNING
    assert connector.initial_sync_checkpoint == contacts[5].pk
    assert (connector.initial_sync_done, connector.initial_sync_total) == (6, 7)

    monkeypatch.undo()
    report = iys_initial_sync(batch_size=3)
    connector.refresh_from_db()
    assert report.contacts == 1
    assert connector.initial_sync_state == IysConnector.InitialSync.DONE
    # One multi-status query per batch and type (SMS, call: e-mail is not permitted), and a
    # single status query only where İYS holds ONAY and we do not: contacts[1]'s SMS.
    many = [r for r in sandbox.state.requests("/status/") if "/BIREYSEL/status/" in r["path"]]
    assert len(many) == 3 * 2  # batches of 3: [0-2], [3-5] before the crash, [6] after
    assert [r["path"] for r in sandbox.state.requests("/consents/status")] == [
        "/sps/100000/brands/100001/consents/status"]
    assert Consent.objects.get(recipient=contacts[1].phone).iys_state == IysState.ACCEPTED
    assert Contact.objects.get(pk=contacts[1].pk).sms_iys_status == "ONAY"
    # İYS's RET for a recipient we hold nothing for: not ONAY, so not sendable, not fetched
    assert Contact.objects.get(pk=contacts[5].pk).call_iys_status == ""
    assert not Consent.objects.filter(recipient=contacts[5].phone,
                                      type=ConsentType.ARAMA).exists()
