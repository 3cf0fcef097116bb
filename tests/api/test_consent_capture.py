"""POST /api/v1/consents records a consent captured by the web site, app or call centre."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consents.dates import format_iys_date
from consents.models import Consent, ConsentEvent, Contact

pytestmark = pytest.mark.django_db


def recent(hours: int = 1) -> str:
    return format_iys_date(timezone.now() - timedelta(hours=hours))


def body(**overrides):
    return {"email": "Ayse.Yilmaz@Example.com", "type": "EPOSTA", "status": "ONAY",
            "source": "HS_WEB", "consent_date": recent(), **overrides}


def test_a_consent_creates_the_contact_and_opts_it_in(api, api_key):
    response = api.post_consent(body())
    assert response.status_code == 201
    data = response.json()
    assert data["contact"]["email"] == "ayse.yilmaz@example.com"
    assert data["contact"]["permissions"] == {"email": "opt_in", "sms": "opt_out",
                                              "call": "opt_out"}
    assert data["consent"]["status"] == "ONAY"
    event = ConsentEvent.objects.get(kind="consent")
    assert (event.origin, event.actor_label) == ("api", f"API key {api_key.name}")


def test_a_channel_name_can_stand_for_the_type(api):
    response = api.post_consent(body(type=None, channel="sms", phone="+90 532 111 22 33",
                                     email=None))
    assert response.status_code == 201
    assert response.json()["consent"] | {} == response.json()["consent"]
    assert Consent.objects.get().recipient == "+905321112233"


def test_an_opt_out_is_a_new_ret_record(api):
    api.post_consent(body(consent_date=recent(3)))
    response = api.post_consent(body(status="RET", consent_date=recent(1)))
    assert response.status_code == 201
    contact = Contact.objects.get()
    assert contact.email_permission == "opt_out"
    assert list(contact.consents.order_by("id").values_list("status", "is_current")) == [
        ("ONAY", False), ("RET", True)]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"status": "MAYBE"}, "status"),
    ({"type": "FAX"}, "type"),
    ({"type": None, "channel": None}, "type"),
    ({"consent_date": "yesterday"}, "consent_date"),
    ({"phone": "05321112233", "type": "MESAJ"}, "phone"),
    ({"email": "ayşe@example.com"}, "email"),
    ({"source": "HS_FORM"}, "source"),
    ({"recipient_type": "KURUM"}, "recipient_type"),
])
def test_bad_fields_are_named_with_their_error(api, overrides, field):
    response = api.post_consent(body(**overrides))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and errors[field][0]
    assert not Consent.objects.exists()


def test_no_identifier_is_refused(api):
    response = api.post_consent(body(email=None))
    assert response.status_code == 400
    assert "identifier" in response.json()["errors"]["__all__"][0]


def test_an_iys_rule_refusal_stores_nothing(api):
    response = api.post_consent(body(consent_date=format_iys_date(timezone.now()
                                                                   + timedelta(days=1))))
    assert response.status_code == 400
    assert "future" in response.json()["errors"]["consent_date"][0]
    assert not Contact.objects.exists()


def test_repeating_the_same_status_with_the_same_date_is_refused(api):
    when = recent(3)
    api.post_consent(body(consent_date=when))
    response = api.post_consent(body(consent_date=when))
    assert response.status_code == 400
    assert "already has status ONAY" in response.json()["errors"]["status"][0]


def test_the_newest_date_wins_over_a_later_arriving_older_consent(api):
    api.post_consent(body(status="RET", consent_date=recent(5)))
    assert api.post_consent(body(status="RET", consent_date=recent(1))).status_code == 201
    late_onay = api.post_consent(body(status="ONAY", consent_date=recent(3)))
    assert late_onay.status_code == 400  # older than the newest RET: it cannot become current
    assert Consent.objects.get(is_current=True).status == "RET"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_a_body_that_is_not_a_json_object_is_a_400(api, raw):
    response = api.post_consent(raw)
    assert response.status_code == 400
    assert "body" in response.json()["errors"]


def test_messages_come_in_turkish_when_asked(api):
    response = api.post_consent(body(status="MAYBE"), **{"Accept-Language": "tr"})
    assert response.status_code == 400
    assert "Geçerli bir seçenek seçin" in response.json()["errors"]["status"][0]


@pytest.mark.parametrize("header", [None, "Bearer wrong", "Basic abc", "Bearer "])
def test_requests_without_a_valid_key_are_401(client, db, header):
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/consents", data="{}", content_type="application/json",
                           headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_no_longer_works(api, api_key):
    from api.services import api_key_revoke

    api_key_revoke(api_key=api_key)
    assert api.post_consent(body()).status_code == 401


def test_iys_rule_messages_come_in_turkish_when_asked(api):
    future = format_iys_date(timezone.now() + timedelta(days=1))
    response = api.post_consent(body(consent_date=future), **{"Accept-Language": "tr"})
    assert response.json()["errors"]["consent_date"] == ["İzin tarihi gelecekte olamaz."]


def test_every_bad_field_is_named_at_once(api):
    response = api.post_consent({"phone": "0532", "email": "not-an-email", "type": "SMS"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"phone", "email", "type", "status"}
