"""The sandbox refuses what İYS refuses, each rule with its error code."""

from datetime import date, datetime, timedelta

import pytest

from connectors.iys.errors import IysValidationError
from connectors.sandbox.rules import format_date
from consents.rules import TURKEY
from tests.connectors.conftest import client_for
from tests.connectors.test_iys_client import consent

NOW = datetime.now(TURKEY)


@pytest.mark.parametrize(("changes", "code"), [
    ({"recipient": "05321112233"}, "H108"),
    ({"recipient": "+9053211122334455"}, "H108"),
    ({"type": "EPOSTA", "recipient": "çiçek@example.com"}, "H108"),
    ({"type": "EPOSTA", "recipient": "a@b.c"}, "H108"),
    ({"type": "SMS"}, "H101"),
    ({"status": "EVET"}, "H101"),
    ({"recipientType": "KURUM"}, "H101"),
    ({"source": "WEB"}, "H101"),
    ({"source": None}, "H109"),
    ({"consentDate": None}, "H109"),
    ({"consentDate": "01.05.2024 10:00:00"}, "H101"),
    ({"consentDate": format_date(NOW + timedelta(hours=1))}, "H103"),
    ({"consentDate": "2015-04-30 23:59:59"}, "H104"),
    ({"source": "HS_2015"}, "H105"),
    ({"source": "HS_KARAR"}, "H106"),
    ({"consentDate": format_date(NOW - timedelta(days=8))}, "H107"),
    ({"retailerCode": "12"}, "H101"),
    ({"status": "RET"}, "H175"),
])
def test_a_consent_breaking_a_rule_is_refused_with_its_code(sandbox, changes, code):
    with pytest.raises(IysValidationError) as caught:
        client_for(sandbox).consent_add({**consent(), **changes})
    assert caught.value.status == 422 and caught.value.code == code
    assert sandbox.state.consent_rows() == []


def test_hs_2015_is_accepted_with_its_date_and_tacir_needs_no_source(sandbox):
    client = client_for(sandbox)
    client.consent_add(consent(source="HS_2015", consentDate="2015-05-01 00:00:00"))
    client.consent_add({"recipient": "+905329998877", "recipientType": "TACIR",
                        "type": "ARAMA", "status": "ONAY"})
    assert len(sandbox.state.consent_rows()) == 2


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


def test_bulk_requests_are_limited_and_checked_item_by_item(sandbox):
    client = client_for(sandbox)
    too_many = [consent(f"+90532{n:07d}") for n in range(1001)]
    with pytest.raises(IysValidationError) as caught:
        client._request("POST", f"{client.consents_path}/consents/request", json=too_many)
    assert caught.value.code == "H125"
    with pytest.raises(IysValidationError) as caught:
        client.consents_bulk_add([consent(), consent()])
    assert caught.value.code == "H194"
    answer = client.consents_bulk_add([consent(), consent("+905320000001", status="RET")])
    assert [r["status"] for r in client.consents_bulk_result(answer["requestId"])] == [
        "enqueue", "enqueue"]
    import time
    time.sleep(0.3)
    results = client.consents_bulk_result(answer["requestId"])
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
    assert client.consent_changes(source="HS")[1] == []


def test_the_daily_file_covers_the_last_seven_days_only(sandbox):
    client = client_for(sandbox)
    with pytest.raises(IysValidationError) as caught:
        client.daily_change_file(date.today() - timedelta(days=9))
    assert caught.value.code == "H110"
    sandbox.state.citizen_change(recipient="+905551110000", type_="MESAJ", status="ONAY",
                                 age=86400)
    yesterday = (datetime.now(TURKEY) - timedelta(days=1)).date()
    rows = client.daily_change_file(yesterday)
    assert [row["recipient"] for row in rows] == ["+905551110000"]
    summary = client.daily_change_summary(yesterday, "BIREYSEL")
    assert summary["MESAJ"] == {"ONAY": 1, "RET": 0}


def test_status_of_many_lists_the_recipients_now_in_onay(sandbox):
    client = client_for(sandbox)
    client.consent_add(consent("+905320000001"))
    client.consent_add(consent("+905320000002", minutes_ago=9))
    client.consent_add(consent("+905320000002", status="RET", minutes_ago=2))
    assert client.consents_status_many(
        recipient_type="BIREYSEL", type="MESAJ",
        recipients=["+905320000001", "+905320000002", "+905320000003"]) == ["+905320000001"]
