"""Each field of POST /api/v1/consents is a JSON string (external_id also a number): a list,
an object or a boolean is refused with the field named, never stored as Python text."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consents.dates import format_iys_date
from consents.models import Contact

pytestmark = pytest.mark.django_db


def body(**overrides):
    return {"email": "ayse@example.com", "type": "EPOSTA", "status": "ONAY",
            "source": "HS_WEB", "consent_date": format_iys_date(timezone.now()
                                                                 - timedelta(hours=1)),
            **overrides}


@pytest.mark.parametrize("value", [["CRM-1"], {"id": "CRM-1"}, True, False, [], {}])
def test_an_external_id_that_is_not_a_string_or_number_is_refused(api, value):
    response = api.post_consent(body(external_id=value))
    assert response.status_code == 400
    assert response.json()["errors"]["external_id"] == ["Give a string or a number."]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(("value", "stored"), [(12345, "12345"), (12345.0, "12345"),
                                               ("CRM-7", "CRM-7")])
def test_an_external_id_may_be_a_string_or_a_number(api, value, stored):
    response = api.post_consent(body(external_id=value))
    assert response.status_code == 201
    assert Contact.objects.get().external_id == stored


@pytest.mark.parametrize("field", ["email", "status", "type", "source", "consent_date"])
def test_other_fields_must_be_strings(api, field):
    response = api.post_consent(body(**{field: ["x"]}))
    assert response.status_code == 400
    assert response.json()["errors"][field] == ["Give a string."]


@pytest.mark.parametrize(("overrides", "field", "says"), [
    ({"email": "o'brien@example.com"}, "email", "special characters"),
    ({"email": "user@localhost"}, "email", "name@example.com"),
    ({"email": "paypal@p\u0430ypal.com"}, "email", "mixes alphabets"),
    ({"email": "ali\u200b@example.com"}, "email", "invisible"),
    ({"email": None, "phone": "+1 302 365 1234", "type": "MESAJ"}, "recipient",
     "only for Turkish numbers"),
    ({"email": None, "phone": "+90 444 1 444", "type": "ARAMA"}, "recipient",
     "only for Turkish numbers"),
])
def test_identifiers_iys_would_refuse_store_nothing(api, overrides, field, says):
    response = api.post_consent(body(**overrides))
    assert response.status_code == 400
    assert says in response.json()["errors"][field][0]
    assert not Contact.objects.exists()


def test_a_full_width_address_is_stored_as_ascii(api):
    response = api.post_consent(body(email="ａｙｓｅ＠ｅｘａｍｐｌｅ．ｃｏｍ"))
    assert response.status_code == 201
    assert Contact.objects.get().email == "ayse@example.com"
