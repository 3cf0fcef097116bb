"""Edits in the panel go through the services and leave history with the admin's name."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consents.dates import format_iys_date
from consents.models import Consent, ConsentEvent
from tests.consents.factories import ContactFactory

pytestmark = pytest.mark.django_db


def contact_form(contact, **changes) -> dict:
    return {"email": contact.email, "phone": contact.phone, "external_id": contact.external_id,
            "email_permission": "opt_out", "sms_permission": "opt_out",
            "call_permission": "opt_out", "attributes": "{}", "consents-TOTAL_FORMS": 0,
            "consents-INITIAL_FORMS": 0, **changes}


def test_changing_a_permission_records_a_consent_with_the_admins_name(admin_role_client):
    contact = ContactFactory()
    response = admin_role_client.post(f"/admin/consents/contact/{contact.pk}/change/",
                                      contact_form(contact, email_permission="opt_in",
                                                   consent_source="HS_CAGRI_MERKEZI"))
    assert response.status_code == 302
    consent = Consent.objects.get(is_current=True)
    assert (consent.type, consent.status, consent.source) == ("EPOSTA", "ONAY",
                                                              "HS_CAGRI_MERKEZI")
    assert timezone.now() - consent.consent_date < timedelta(minutes=1)
    event = ConsentEvent.objects.get(kind="consent")
    assert (event.field, event.before["permission"], event.after["permission"], event.origin,
            event.actor_label) == ("EPOSTA", "opt_out", "opt_in", "admin", "admin")


def test_a_permission_cannot_be_flipped_without_a_consent_source(admin_role_client):
    contact = ContactFactory()
    response = admin_role_client.post(f"/admin/consents/contact/{contact.pk}/change/",
                                      contact_form(contact, sms_permission="opt_in"))
    assert response.status_code == 200
    assert "Choose where the person gave or withdrew consent" in response.content.decode()
    contact.refresh_from_db()
    assert contact.sms_permission == "opt_out" and not Consent.objects.exists()


def test_recording_a_consent_by_hand_checks_the_iys_rules(admin_role_client):
    contact = ContactFactory()
    future = format_iys_date(timezone.now() + timedelta(days=2))
    response = admin_role_client.post("/admin/consents/consent/add/", {
        "contact": contact.pk, "recipient_type": "BIREYSEL", "type": "EPOSTA",
        "status": "ONAY", "source": "HS_WEB", "consent_date": future})
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert not Consent.objects.exists()

    past = format_iys_date(timezone.now() - timedelta(hours=1))
    response = admin_role_client.post("/admin/consents/consent/add/", {
        "contact": contact.pk, "recipient_type": "BIREYSEL", "type": "EPOSTA",
        "status": "ONAY", "source": "HS_WEB", "consent_date": past})
    assert response.status_code == 302
    assert Consent.objects.get().events.get(kind="consent").origin == "admin"


def test_a_consent_cannot_be_edited_or_deleted_in_the_panel(admin_role_client, origin):
    from consents.services import consent_apply
    from tests.consents.factories import ConsentInputFactory

    consent = consent_apply(contact=ContactFactory(), origin=origin, **ConsentInputFactory())
    url = f"/admin/consents/consent/{consent.pk}/"
    assert admin_role_client.post(url + "change/", {"status": "RET"}).status_code == 403
    assert admin_role_client.get(url + "delete/").status_code == 403


def test_the_panel_speaks_turkish_by_default(client, settings):
    settings.LANGUAGE_CODE = "tr"
    response = client.get("/admin/login/", headers={"Accept-Language": ""})
    assert 'lang="tr"' in response.content.decode()
