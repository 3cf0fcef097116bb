"""The İYS client against the sandbox over loopback: tokens, retries, typed errors."""

import time

import pytest

from connectors.iys.client import IysClient
from connectors.iys.errors import (
    IysAuthError,
    IysTokenRateLimited,
    IysUnavailable,
    IysValidationError,
)
from connectors.sandbox.rules import format_date
from tests.connectors.conftest import client_for


def consent(recipient="+905321112233", status="ONAY", minutes_ago=5, **extra):
    from datetime import datetime, timedelta

    from consents.rules import TURKEY

    when = datetime.now(TURKEY) - timedelta(minutes=minutes_ago)
    return {"recipient": recipient, "recipientType": "BIREYSEL", "type": "MESAJ",
            "status": status, "source": "HS_WEB", "consentDate": format_date(when), **extra}


def test_a_token_is_reused_until_it_nears_expiry_then_renewed(start_sandbox):
    server = start_sandbox(token_lifetime=1.0)
    client = client_for(server)
    answers = []
    started = time.monotonic()
    while time.monotonic() - started < 2.5:
        answers.append(client.consent_status(recipient="+905321112233",
                                             recipient_type="BIREYSEL", type="MESAJ"))
        time.sleep(0.1)
    assert answers and all(answer is None for answer in answers)  # 404 mapped to None
    issued = server.state.counter("tokens_issued")
    assert 2 <= issued < len(answers)
    assert client.auth.refreshes >= 1


def test_a_token_the_server_forgot_leads_to_a_new_login(sandbox):
    client = client_for(sandbox)
    client.login()
    sandbox.tokens.clear()  # e.g. İYS restarted: our cached token is refused with H351
    assert client.consent_add(consent())["transactionId"]
    assert client.auth.logins == 2


def test_5xx_and_429_are_retried_and_retry_after_is_honoured(start_sandbox):
    server = start_sandbox(error_rate=0.3, rate_limit_rate=0.2, retry_after=0.3, fault_seed=7)
    client = client_for(server, max_retries=10)
    for n in range(15):
        assert client.consent_add(consent(f"+90532111{n:04d}"))["transactionId"]
    statuses = [r["status"] for r in server.state.requests()]
    assert 429 in statuses and 500 in statuses
    assert client.retries == statuses.count(429) + statuses.count(500)
    assert len(server.state.consent_rows()) == 15


def test_h123_service_busy_is_retried_although_it_is_a_400(start_sandbox):
    server = start_sandbox(busy_rate=0.4, fault_seed=3, requests_per_second=0)
    client = client_for(server, max_retries=10)
    for n in range(10):
        assert client.consent_add(consent(f"+90532111{n:04d}"))["transactionId"]
    statuses = [r["status"] for r in server.state.requests()]
    assert statuses.count(400) >= 3 and client.retries == statuses.count(400)
    assert len(server.state.consent_rows()) == 10


def test_a_rejection_is_permanent_and_not_retried(sandbox):
    client = client_for(sandbox)
    with pytest.raises(IysValidationError) as caught:
        client.consent_add(consent(status="RET"))
    assert caught.value.code == "H175" and not caught.value.retryable
    assert len(sandbox.state.requests("/consents")) == 1


def test_wrong_credentials_are_an_auth_error(sandbox):
    client = IysClient(base_url=sandbox.url, iys_code="100000", brand_code="100001",
                       username="demo", password="wrong")
    with pytest.raises(IysAuthError) as caught:
        client.login()
    assert (caught.value.status, caught.value.code) == (401, "H251")
    assert "wrong" not in str(caught.value) and "wrong" not in repr(client.auth)


def test_a_refresh_refused_with_400_leads_to_a_password_login(sandbox):
    client = client_for(sandbox)
    client.login()
    token = client.auth._store.get()
    token.expires_at = time.time()  # due for renewal: the refresh token is tried first
    sandbox.tokens.clear()  # … and İYS no longer knows it
    assert client.consent_add(consent())["transactionId"]
    assert [r["status"] for r in sandbox.state.requests("/oauth2/token")] == [200, 400, 200]
    assert client.auth.logins == 2 and client.auth.refreshes == 0


def test_every_call_has_a_timeout(start_sandbox):
    server = start_sandbox(latency=1.0)
    client = client_for(server, timeout=(1.0, 0.2), max_retries=1)
    started = time.monotonic()
    with pytest.raises(IysUnavailable):
        client.login()
    assert time.monotonic() - started < 1.5


def test_too_many_token_requests_pause_token_requests_for_an_hour(start_sandbox):
    server = start_sandbox(token_rate_limit=1)
    client_for(server).login()
    client = client_for(server)
    with pytest.raises(IysTokenRateLimited):
        client.login()
    with pytest.raises(IysTokenRateLimited):
        client.login()  # paused: İYS is not asked again
    assert len(server.state.requests("/oauth2/token")) == 2


def test_the_v2_adds_answer_a_consent_sent_again_with_its_first_transaction_id(sandbox):
    client = client_for(sandbox)
    item = consent()
    first = client.consent_add(item)
    assert client.consent_add(item) == first  # e.g. a retry after a lost answer
    answer = client.consents_bulk_add([item, consent("+905320000009")])
    time.sleep(0.3)
    again, new = client.consents_bulk_result(answer["requestId"])
    assert again["status"] == "success" and again["transactionId"] == first["transactionId"]
    assert again["isAddConsentV2Service"] is True and "isAddConsentV2Service" not in new
    assert len(sandbox.state.consent_rows()) == 2
    assert all(r["path"].startswith("/v2/") for r in sandbox.state.requests("/consents"))
    with pytest.raises(IysValidationError) as caught:  # a changed consent is a new one
        client.consent_add({**item, "consentDate": consent(minutes_ago=9)["consentDate"]})
    assert caught.value.code == "H178"
