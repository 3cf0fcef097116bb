"""The sandbox refuses what İYS refuses, each rule with its error code."""

import time
from datetime import date, datetime, timedelta

import pytest

from connectors.iys.errors import IysValidationError
from connectors.sandbox.rules import OFFICIAL, format_date
from consents.rules import TURKEY
from tests.connectors.conftest import client_for
from tests.connectors.test_iys_client import consent

NOW = datetime.now(TURKEY)


@pytest.mark.parametrize(("changes", "code"), [
    ({"recipient": "05321112233"}, "H121"),
    ({"recipient": "+9053211122334455"}, "H160"),
    ({"recipient": "ali@example.com"}, "H464"),
    ({"type": "EPOSTA", "recipient": "çiçek@example.com"}, "H120"),
    ({"type": "EPOSTA", "recipient": "a@b.c"}, "H120"),
    ({"type": "EPOSTA", "recipient": "o'brien@example.com"}, "H120"),
    ({"type": "EPOSTA", "recipient": "a!b@example.com"}, "H120"),
    ({"type": "EPOSTA", "recipient": "a%b@example.com"}, "H120"),
    ({"type": "EPOSTA", "recipient": '"quoted"@example.com'}, "H120"),
    ({"type": "EPOSTA", "recipient": "user@[127.0.0.1]"}, "H120"),
    ({"type": "EPOSTA", "recipient": "a b@example.com"}, "H120"),
    ({"type": "EPOSTA", "recipient": "a@b.co"}, "H120"),  # at least {1}@{2}.{2}
    ({"type": "EPOSTA", "recipient": "a" * 260 + "@ex.com"}, "H120"),
    ({"type": "SMS"}, "H117"),
    ({"status": "EVET"}, "H115"),
    ({"recipientType": "KURUM"}, "H116"),
    ({"source": "WEB"}, "H119"),
    ({"source": None}, "H113"),
    ({"consentDate": None}, "H112"),
    ({"status": None}, "H110"),
    ({"consentDate": "01.05.2024 10:00:00"}, "H158"),
    ({"consentDate": format_date(NOW + timedelta(hours=1))}, "H162"),
    ({"consentDate": "2015-04-30 23:59:59"}, "H156"),
    ({"source": "HS_2015"}, "H155"),
    ({"source": "HS_KARAR"}, "H408"),
    ({"consentDate": format_date(NOW - timedelta(days=8))}, "H467"),
    ({"retailerCode": "12"}, "H118"),
    ({"colour": "blue"}, "H118"),
])
@pytest.mark.invalid_requests
def test_a_consent_breaking_a_rule_is_refused_with_its_official_code(sandbox, changes, code):
    with pytest.raises(IysValidationError) as caught:
        client_for(sandbox).consent_add({**consent(), **changes})
    assert caught.value.status == 422 and caught.value.code == code
    assert caught.value.message == OFFICIAL[code][1]
    assert sandbox.state.consent_rows() == []


@pytest.mark.parametrize("recipient", ["ali.veli+kampanya@example.com", "a_b-c@ex-ample.com.tr",
                                       "ab@cd.ef"])
def test_an_email_address_iys_accepts(sandbox, recipient):
    assert client_for(sandbox).consent_add(consent(recipient, type="EPOSTA"))["transactionId"]


def test_the_rules_comparing_with_the_stored_consent_answer_400(sandbox):
    client = client_for(sandbox)
    with pytest.raises(IysValidationError) as caught:
        client.consent_add(consent(status="RET"))
    assert (caught.value.status, caught.value.code) == (400, "H175")


# openapi.json's Consent schema requires source and consentDate; its own description (and
# api-reference.md) leaves them out of a TACIR first add: the schema is stricter than İYS.
@pytest.mark.invalid_requests
def test_hs_2015_is_accepted_with_its_date_and_tacir_needs_no_source_on_a_first_add(sandbox):
    client = client_for(sandbox)
    client.consent_add(consent(source="HS_2015", consentDate="2015-05-01 00:00:00"))
    client.consent_add({"recipient": "+905329998877", "recipientType": "TACIR",
                        "type": "ARAMA", "status": "ONAY"})
    assert len(sandbox.state.consent_rows()) == 2


# openapi.json's Consent schema requires source and consentDate; its own description (and
# api-reference.md) leaves them out of a TACIR first add: the schema is stricter than İYS.
@pytest.mark.invalid_requests
def test_a_tacir_update_needs_its_source_and_date(sandbox):
    client = client_for(sandbox)
    tacir = {"recipient": "+905329998877", "recipientType": "TACIR", "type": "ARAMA"}
    client.consent_add({**tacir, "status": "ONAY"})
    for missing, code in (("consentDate", "H462"), ("source", "H463")):
        update = {**consent(**tacir, status="RET")}
        del update[missing]
        with pytest.raises(IysValidationError) as caught:
            client.consent_add(update)
        assert (caught.value.status, caught.value.code) == (400, code)
    assert client.consent_add(consent(**tacir, status="RET"))["transactionId"]


def test_the_stored_consent_decides_same_status_and_older_dates(sandbox):
    client = client_for(sandbox)
    client.consent_add(consent(minutes_ago=10))
    for item, code in ((consent(minutes_ago=5), "H174"),
                       (consent(status="RET", minutes_ago=20), "H178")):
        with pytest.raises(IysValidationError) as caught:
            client.consent_add(item)
        assert caught.value.code == code
    assert client.consent_add(consent(status="RET", minutes_ago=1))["transactionId"]
    stored = client.consent_status(recipient="+905321112233", recipient_type="BIREYSEL",
                                   type="MESAJ")
    assert stored["status"] == "RET"


def test_bulk_requests_answer_202_and_give_results_only_after_the_delay(start_sandbox):
    server = start_sandbox(bulk_delay=0.5)
    client = client_for(server)
    too_many = [consent(f"+90532{n:07d}") for n in range(1001)]
    with pytest.raises(IysValidationError) as caught:
        client._request("POST", f"{client.consents_path}/consents/request", json=too_many)
    assert (caught.value.status, caught.value.code) == (422, "H125")
    with pytest.raises(IysValidationError) as caught:
        client.consents_bulk_add([consent(), consent()])
    assert caught.value.code == "H194"
    response = client._request("POST", f"{client.consents_path}/consents/request",
                               json=[consent(), consent("+905320000001", status="RET")])
    assert response.status_code == 202
    request_id = response.json()["requestId"]
    assert client.consents_bulk_result(request_id) == []  # not yet: an empty answer
    time.sleep(0.6)
    results = client.consents_bulk_result(request_id)
    assert results[0]["status"] == "success" and results[0]["transactionId"]
    assert results[1]["status"] == "failure" and results[1]["error"]["code"] == "H175"


def test_changes_are_paged_with_the_cursor_within_seven_days(sandbox):
    sandbox.state.seed_citizen_changes(25)
    sandbox.state.citizen_change(recipient="+905551110000", type_="MESAJ", status="ONAY",
                                 age=8 * 86400)  # outside the window
    sandbox.state.citizen_change(recipient="+905551110001", type_="MESAJ", status="ONAY",
                                 age=60)  # the most recent hour is held back
    client = client_for(sandbox)
    cursor, seen = "", []
    while True:
        after, items = client.consent_changes(source="IYS", after=cursor, limit=10)
        if not items:
            break
        seen += items
        cursor = after
    assert len(seen) == 25 and len({i["transactionId"] for i in seen}) == 25
    response = client._request("GET", f"{client.consents_path}/consents/changes",
                               params={"source": "HS"})
    assert response.status_code == 204 and response.content == b""  # nothing: No Content
    assert client.consent_changes(source="HS", after="kept") == ("kept", [])
    for params, code in (({"source": "HS", "limit": 1001}, "H507"),
                         ({"source": "SH"}, "H506")):
        with pytest.raises(IysValidationError) as caught:
            client._request("GET", f"{client.consents_path}/consents/changes", params=params)
        assert (caught.value.status, caught.value.code) == (422, code)


def test_the_daily_file_covers_the_last_seven_days_only(sandbox):
    client = client_for(sandbox)
    with pytest.raises(IysValidationError) as caught:
        client.daily_change_file(date.today() - timedelta(days=9))
    assert caught.value.code == "H502"
    assert client.daily_change_file(date.today() - timedelta(days=2)) == []  # 204
    sandbox.state.citizen_change(recipient="+905551110000", type_="MESAJ", status="ONAY",
                                 age=86400)
    yesterday = (datetime.now(TURKEY) - timedelta(days=1)).date()
    rows = client.daily_change_file(yesterday)
    assert [row["recipient"] for row in rows] == ["+905551110000"]
    summary = {s["type"]: s["consents"] for s in
               client.daily_change_summary(yesterday, "BIREYSEL")["changeStats"]}
    assert summary["MESAJ"] == [
        {"source": "HS", "approval": 0, "rejection": 0, "pending": 0, "total": 0},
        {"source": "IYS", "approval": 1, "rejection": 0, "pending": 0, "total": 1}]


def test_status_of_many_lists_the_recipients_now_in_onay(sandbox):
    client = client_for(sandbox)
    client.consent_add(consent("+905320000001"))
    client.consent_add(consent("+905320000002", minutes_ago=9))
    client.consent_add(consent("+905320000002", status="RET", minutes_ago=2))
    assert client.consents_status_many(
        recipient_type="BIREYSEL", type="MESAJ",
        recipients=["+905320000001", "+905320000002", "+905320000003"]) == ["+905320000001"]
