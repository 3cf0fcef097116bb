"""Integrator mode switched on: the hub first imports what İYS holds for its contacts, with
multi-status queries in the night window, checkpointed, before it decides anything."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import IysConnector
from connectors.services.initial import iys_initial_sync
from consents.models import Contact
from consents.selectors import channel_state
from consents.services import ChangeOrigin, consent_apply
from tests.connectors.conftest import client_for, configure

pytestmark = pytest.mark.django_db


def registered_elsewhere(server, phone: str, status: str) -> None:
    client = client_for(server)
    when = timezone.localtime(timezone.now() - timedelta(hours=5))
    client.consent_add({"recipient": phone, "recipientType": "BIREYSEL", "type": "MESAJ",
                        "status": "ONAY", "source": "HS_WEB",
                        "consentDate": when.strftime("%Y-%m-%d %H:%M:%S")})
    if status == "RET":
        client.consent_add({"recipient": phone, "recipientType": "BIREYSEL", "type": "MESAJ",
                            "status": "RET", "source": "HS_WEB",
                            "consentDate": (when + timedelta(hours=1)).strftime(
                                "%Y-%m-%d %H:%M:%S")})
    client.close()


def test_switching_integrator_mode_on_imports_what_iys_holds(sandbox):
    connector = configure(sandbox, integrator=True)
    assert connector.initial_sync_state == IysConnector.InitialSync.SCHEDULED  # night window
    registered_elsewhere(sandbox, "+905321000001", "ONAY")
    registered_elsewhere(sandbox, "+905321000002", "RET")
    onay = Contact.objects.create(phone="+905321000001", sms_permission="opt_in")
    ret = Contact.objects.create(phone="+905321000002", sms_iys_status="ONAY")  # stale belief
    unknown = Contact.objects.create(phone="+905321000003", email="c@example.com")

    assert "night window" in " ".join(iys_initial_sync().notes)  # waits for its window
    report = iys_initial_sync(now_ignoring_window=True)

    for contact in (onay, ret, unknown):
        contact.refresh_from_db()
    assert (onay.sms_iys_status, ret.sms_iys_status, unknown.sms_iys_status) == ("ONAY", "", "")
    assert channel_state(onay, "sms").sendable
    assert report.queries == 3  # one per type for the whole batch, not three per contact
    connector.refresh_from_db()
    assert connector.initial_sync_state == IysConnector.InitialSync.DONE
    assert connector.initial_sync_done == 3

    # Knowing İYS holds an ONAY, a RET is sent at once instead of asking first.
    ret_now = consent_apply(contact=onay, type="MESAJ", status="RET", source="HS_WEB",
                            consent_date=timezone.now().replace(microsecond=0),
                            origin=ChangeOrigin(kind="api"))
    assert ret_now.iys_state == "pending"
