"""Consent history reads as a person says it; İYS pull cursors stay out of sight."""

from datetime import datetime

import pytest

from consents.choices import Origin
from consents.models import Consent
from consents.rules import TURKEY
from consents.services import ChangeOrigin, consent_apply, consent_delivery_update
from tests.consents.factories import ConsentInputFactory, ContactFactory

pytestmark = pytest.mark.django_db
EVENTS = "/admin/consents/consentevent/"


def test_events_read_as_sentences_without_pull_cursors(staff_client):
    contact = ContactFactory(phone="+905321000001")
    pulled = ChangeOrigin(kind=Origin.IYS_PULL, reference="cursor-8f1e2d")
    when = datetime(2026, 12, 1, 10, 15, tzinfo=TURKEY)
    consent = consent_apply(contact=contact, origin=pulled, **ConsentInputFactory(
        type="MESAJ", status="ONAY", source="HS_WEB", consent_date=when))
    consent_delivery_update(consent=Consent.objects.get(pk=consent.pk), state="accepted",
                            origin=pulled, transaction_id="tx-1")

    page = staff_client.get(EVENTS, headers={"Accept-Language": "en"}).content.decode()
    assert "SMS: Opt-out → Opt-in (ONAY, HS_WEB, 01.12.2026 10:15)" in page
    assert "SMS: Not for İYS (local only) → Accepted by İYS" in page or (
        "SMS: Waiting to be sent → Accepted by İYS" in page)
    assert "cursor-8f1e2d" not in page
    recorded = consent.events.get(kind="consent")
    detail = staff_client.get(f"{EVENTS}{recorded.pk}/change/").content.decode()
    assert "cursor-8f1e2d" not in detail and "Opt-in" in detail


def test_events_read_in_turkish(staff_client):
    contact = ContactFactory(phone="+905321000001")
    when = datetime(2026, 12, 1, 10, 15, tzinfo=TURKEY)
    consent_apply(contact=contact, origin=ChangeOrigin(kind=Origin.API), **ConsentInputFactory(
        type="MESAJ", status="RET", source="HS_WEB", consent_date=when))
    page = staff_client.get(EVENTS, headers={"Accept-Language": "tr"}).content.decode()
    assert "SMS: İzinsiz → İzinsiz (RET, HS_WEB, 01.12.2026 10:15)" in page
