"""The bulk write path (uploads) keeps the same history as the one-by-one services.

On PostgreSQL its events are COPY text built by hand (consents.bulk._snapshot_json): what they
say must be exactly what consent_recorded and contact_update write.
"""

from datetime import datetime

import pytest
from django.db import connection

from consents.bulk import (
    ConsentIntent,
    ConsentRecord,
    ContactChange,
    ContactRecord,
    contact_changes_write,
)
from consents.choices import IysState, Origin
from consents.models import Consent, ConsentEvent, Contact
from consents.rules import TURKEY
from consents.services import ChangeOrigin, consent_apply, consent_event_snapshot
from tests.consents.factories import ContactFactory

pytestmark = pytest.mark.django_db
UPLOAD = ChangeOrigin(kind=Origin.UPLOAD, reference="contacts.csv", actor_label="marketer")
# Microseconds, and a winter day of 2015 when Turkey was at +02:00: both must read as Python
# writes them (timezone.localtime(...).isoformat()).
PRECISE = datetime(2026, 11, 20, 10, 15, 30, 123456, tzinfo=TURKEY)
WINTER_2015 = datetime(2015, 12, 1, 9, 0, tzinfo=TURKEY)


def intent(type_: str, status: str, when: datetime, previous=None) -> ConsentIntent:
    return ConsentIntent(type=type_, status=status, source="HS_WEB", consent_date=when,
                         iys_state=IysState.PENDING, previous=previous)


def test_a_new_contacts_events_read_as_the_services_write_them():
    change = ContactChange(
        row_number=7, contact=None,
        identifiers={"email": "ayse@example.com", "phone": "+905321112233", "external_id": None},
        attributes={"city": "İstanbul", "note": 'tab\there "quoted"'},
        consents=[intent("EPOSTA", "ONAY", PRECISE), intent("MESAJ", "ONAY", WINTER_2015)])

    contact_changes_write([change], origin=UPLOAD)

    contact = Contact.objects.get(email="ayse@example.com")
    created = ConsentEvent.objects.get(contact=contact, kind="contact")
    assert (created.field, created.row_number, created.before) == ("created", 7, None)
    assert created.after == {"email": "ayse@example.com", "phone": "+905321112233",
                             "external_id": None, "city": "İstanbul",
                             "note": 'tab\there "quoted"'}
    for consent in Consent.objects.filter(contact=contact):
        event = ConsentEvent.objects.get(consent=consent)
        assert (event.kind, event.field, event.row_number, event.origin_reference) == (
            "consent", consent.type, 7, "contacts.csv")
        assert event.before == consent_event_snapshot(None, "opt_out")
        assert event.after == consent_event_snapshot(consent, "opt_in")
    dates = {e.after["consent_date"] for e in ConsentEvent.objects.filter(kind="consent")}
    assert dates == {"2026-11-20T10:15:30.123456+03:00", "2015-12-01T09:00:00+02:00"}


def test_a_consent_replacing_one_keeps_the_previous_in_its_event(origin):
    contact = ContactFactory()
    previous = consent_apply(contact=contact, origin=origin, type="EPOSTA", status="ONAY",
                             source="HS_WEB", consent_date=WINTER_2015)
    contact.refresh_from_db()
    record = ContactRecord(contact.pk, contact.email, contact.phone, contact.external_id,
                           contact.email_permission, contact.sms_permission,
                           contact.call_permission, contact.attributes)
    stored = Consent.objects.filter(pk=previous.pk).values_list(
        "id", "recipient", "type", "status", "source", "consent_date", "iys_state").get()
    change = ContactChange(row_number=3, contact=record, identifiers={},
                           consents=[intent("EPOSTA", "RET", PRECISE, ConsentRecord(*stored))])

    contact_changes_write([change], origin=UPLOAD)

    new = Consent.objects.get(contact=contact, is_current=True, type="EPOSTA")
    event = ConsentEvent.objects.get(consent=new)
    previous.refresh_from_db()
    assert event.before == consent_event_snapshot(previous, "opt_in")
    assert event.after == consent_event_snapshot(new, "opt_out")
    assert connection.vendor == "postgresql"  # the COPY path is what is checked
