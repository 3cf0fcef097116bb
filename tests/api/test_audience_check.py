"""What a campaign tool asks before it sends: the contact's channels and the audience check."""

import json

import pytest

from consents.models import Contact
from tests.uploads.factories import IysConnectorFactory

pytestmark = pytest.mark.django_db


def check(api, body, **headers):
    return api.client.post("/api/v1/audience/check", data=json.dumps(body),
                           content_type="application/json", headers={**api.headers, **headers})


@pytest.fixture
def audience(db):
    IysConnectorFactory(integrator_mode=True)
    return {
        "held": Contact.objects.create(phone="+905321000001", sms_permission="opt_in",
                                       sms_iys_status="ONAY"),
        "local": Contact.objects.create(phone="+905321000002", sms_permission="opt_in"),
        "refused": Contact.objects.create(phone="+905321000003", sms_permission="opt_in",
                                          sms_iys_status="RET"),
        "out": Contact.objects.create(phone="+905321000004", sms_iys_status="ONAY"),
    }


def test_only_recipients_iys_holds_an_onay_for_are_sendable(api, audience):
    response = check(api, {"channel": "sms", "recipients": [
        "+905321000001", "+905321000002", "+905321000003", "+905321000004", "+905321999999",
        "not a number"]})

    assert response.status_code == 200
    body = response.json()
    assert body["sendable"] == ["+905321000001"]
    reasons = {item["recipient"]: item["reason"] for item in body["not_sendable"]}
    assert set(reasons) == {"+905321000002", "+905321000003", "+905321000004", "+905321999999",
                            "not a number"}
    assert "no ONAY" in reasons["+905321000002"]
    assert "RET" in reasons["+905321000003"]
    assert "opt-out" in reasons["+905321000004"]
    assert "No contact" in reasons["+905321999999"]


def test_reasons_come_in_the_callers_language(api, audience):
    body = check(api, {"channel": "sms", "recipients": ["+905321000003"]},
                 **{"Accept-Language": "tr"}).json()
    assert "RET" in body["not_sendable"][0]["reason"]
    assert "İYS" in body["not_sendable"][0]["reason"]
    assert body["not_sendable"][0]["reason"] != check(
        api, {"channel": "sms", "recipients": ["+905321000003"]}).json()["not_sendable"][0][
        "reason"]


@pytest.mark.parametrize("body", [
    {"channel": "fax", "recipients": ["+905321000001"]},
    {"channel": "sms", "recipients": []},
    {"channel": "sms", "recipients": "+905321000001"},
    {"channel": "sms", "recipients": [1, 2]},
    {"channel": "sms", "recipients": ["+905321000001"] * 10_001},
])
def test_a_bad_request_is_refused_with_a_clear_message(api, audience, body):
    response = check(api, body)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_the_contact_shows_each_channel_and_its_tacir_record_on_its_own(api, audience):
    body = api.get_contact("+905321000002").json()
    assert body["channels"]["sms"] == {
        "permission": "opt_in", "iys_status": None, "pending": False, "sendable": False,
        "reason": body["channels"]["sms"]["reason"]}
    assert body["channels"]["sms"]["reason"]
    assert api.get_contact("+905321000001").json()["channels"]["sms"]["sendable"] is True
    assert body["tacir"]["sms"] == {"status": None, "iys_status": None}
