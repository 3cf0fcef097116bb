"""Recording consents: the newest is current, the channel permission follows, history is kept."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from connectors.models import IysConnector
from consents.models import Consent, ConsentEvent
from consents.services import consent_apply
from tests.consents.factories import ConsentInputFactory, ContactFactory

pytestmark = pytest.mark.django_db


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def test_a_consent_becomes_current_and_opts_the_channel_in(origin):
    contact = ContactFactory()
    consent = consent_apply(contact=contact, origin=origin, **ConsentInputFactory(type="MESAJ"))
    contact.refresh_from_db()
    assert consent.is_current and consent.recipient == contact.phone
    assert (contact.sms_permission, contact.email_permission) == ("opt_in", "opt_out")
    event = ConsentEvent.objects.get(contact=contact)  # one event: consent and permission
    assert (event.kind, event.consent, event.field) == ("consent", consent, "MESAJ")
    assert event.before == {"permission": "opt_out"}
    assert (event.after["status"], event.after["permission"]) == ("ONAY", "opt_in")


def test_an_opt_out_adds_a_ret_and_keeps_the_onay_as_evidence(origin):
    contact = ContactFactory()
    consent_apply(contact=contact, origin=origin, **ConsentInputFactory(consent_date=ago(hours=5)))
    consent_apply(contact=contact, origin=origin,
                  **ConsentInputFactory(status="RET", consent_date=ago(hours=1)))
    contact.refresh_from_db()
    assert contact.email_permission == "opt_out"
    assert list(Consent.objects.filter(contact=contact).order_by("id")
                .values_list("status", "is_current")) == [("ONAY", False), ("RET", True)]
    event = ConsentEvent.objects.filter(kind="consent").order_by("-id").first()
    assert (event.before["status"], event.after["status"]) == ("ONAY", "RET")


def test_a_refused_consent_changes_nothing(origin):
    contact = ContactFactory()
    consent_apply(contact=contact, origin=origin, **ConsentInputFactory(consent_date=ago(hours=1)))
    with pytest.raises(ValidationError) as refused:
        consent_apply(contact=contact, origin=origin,
                      **ConsentInputFactory(status="RET", consent_date=ago(hours=2)))
    assert "consent_date" in refused.value.error_dict
    assert Consent.objects.count() == 1 and Consent.objects.get().is_current


def test_a_consent_needs_the_channel_identifier(origin):
    contact = ContactFactory(phone=None)
    with pytest.raises(ValidationError) as refused:
        consent_apply(contact=contact, origin=origin, **ConsentInputFactory(type="ARAMA"))
    assert "phone" in refused.value.error_dict


def test_every_event_keeps_who_and_where_from(admin_user):
    from consents.services import ChangeOrigin

    origin = ChangeOrigin(kind="upload", reference="musteriler.csv", row_number=7,
                          actor=admin_user)
    consent_apply(contact=ContactFactory(), origin=origin, **ConsentInputFactory())
    for event in ConsentEvent.objects.all():
        assert (event.origin, event.origin_reference, event.row_number, event.actor,
                event.actor_label) == ("upload", "musteriler.csv", 7, admin_user, "admin")


@pytest.fixture
def connector():
    connector = IysConnector.load()
    connector.is_active, connector.brand_code, connector.iys_code = True, "100001", "100000"
    connector.save()
    return connector


def test_without_an_installed_connector_consents_stay_local(origin):
    consent = consent_apply(contact=ContactFactory(), origin=origin, **ConsentInputFactory())
    assert consent.iys_state == "local"


def test_integrator_mode_queues_new_recipients(origin, connector):
    connector.integrator_mode = True
    connector.save()
    consent = consent_apply(contact=ContactFactory(), origin=origin, **ConsentInputFactory())
    assert consent.iys_state == "pending"


def test_integrator_mode_asks_iys_before_calling_a_ret_a_first_ret(origin, connector):
    connector.integrator_mode = True
    connector.save()
    consent = consent_apply(contact=ContactFactory(), origin=origin,
                            **ConsentInputFactory(status="RET"))
    # İYS refuses a first record that is a RET (H175), but may hold an ONAY we never sent:
    # the push asks it first.
    assert consent.iys_state == "check"


def test_sync_mode_only_updates_recipients_iys_knows(origin, connector):
    contact = ContactFactory()
    first = consent_apply(contact=contact, origin=origin,
                          **ConsentInputFactory(consent_date=ago(hours=3)))
    assert first.iys_state == "local"
    Consent.objects.filter(pk=first.pk).update(iys_state="accepted")
    second = consent_apply(contact=contact, origin=origin,
                           **ConsentInputFactory(status="RET", consent_date=ago(hours=1)))
    assert second.iys_state == "pending"


def test_a_channel_without_partner_permission_stays_local(origin, connector):
    connector.integrator_mode, connector.permission_email = True, False
    connector.save()
    consent = consent_apply(contact=ContactFactory(), origin=origin, **ConsentInputFactory())
    assert consent.iys_state == "local"


def test_a_consent_past_its_three_business_days_stays_local(origin, connector):
    connector.integrator_mode = True
    connector.save()
    consent = consent_apply(contact=ContactFactory(), origin=origin,
                            **ConsentInputFactory(consent_date=ago(days=8)))
    assert consent.iys_state == "local"
