"""A corpus of hostile and malformed API requests (tests/api/bad_requests.json): none is a 500,
every answer is JSON in the caller's language, and nothing is stored by a refused request.

Each case gives the method, the path, the body (``json``: a value sent as JSON; ``body``: raw
text; ``repeat``: [prefix, unit, times, suffix] for huge or deeply nested bodies), the
Authorization variant (``KEY`` stands for a valid key, ``REVOKED`` for a revoked one; none:
a valid key) and the status expected. The stored contact CRM-42 / mehmet@example.com /
+905329998877 is what an odd contact id might wrongly reach.
"""

import json
from pathlib import Path

import pytest

from api.services import api_key_revoke
from consents.models import Consent, ConsentEvent, Contact
from consents.services import consent_apply
from tests.api.factories import ApiKeyFactory
from tests.consents.factories import ConsentInputFactory, ContactFactory

CORPUS = json.loads((Path(__file__).parent / "bad_requests.json").read_text())["cases"]

pytestmark = pytest.mark.django_db


def test_the_corpus_covers_what_the_adversarial_run_sent():
    contact_ids = [c for c in CORPUS if c["path"].startswith("/api/v1/contacts/")
                   and c["method"] == "GET" and "auth" not in c]
    assert len(CORPUS) >= 250
    assert len(contact_ids) >= 90
    assert len([c for c in CORPUS if "auth" in c]) >= 20


@pytest.fixture
def stored(origin):
    contact = ContactFactory(email="mehmet@example.com", phone="+905329998877",
                             external_id="CRM-42")
    consent_apply(contact=contact, origin=origin, **ConsentInputFactory(type="MESAJ"))
    return contact


@pytest.fixture
def keys(db):
    valid, revoked = ApiKeyFactory(), ApiKeyFactory()
    api_key_revoke(api_key=revoked)
    return valid.raw_key, revoked.raw_key


def _body(case) -> bytes:
    if "json" in case:
        return json.dumps(case["json"], ensure_ascii=False).encode()
    if "repeat" in case:
        prefix, unit, times, suffix = case["repeat"]
        return (prefix + unit * times + suffix).encode()
    return case.get("body", "").encode()


def _counts() -> tuple[int, int, int]:
    return Contact.objects.count(), Consent.objects.count(), ConsentEvent.objects.count()


@pytest.mark.parametrize("case", CORPUS, ids=[case["name"] for case in CORPUS])
def test_a_bad_request_gets_a_json_refusal_and_stores_nothing(client, stored, keys, case):
    valid_key, revoked_key = keys
    headers = {"Accept-Language": case.get("lang", "en")}
    auth = case.get("auth", "Bearer KEY")
    if auth:
        headers["Authorization"] = auth.replace("REVOKED", revoked_key).replace("KEY", valid_key)
    before = _counts()

    response = client.generic(case["method"], case["path"], data=_body(case),
                              content_type=case.get("content_type", "application/json"),
                              headers=headers, **case.get("headers", {}))

    assert response.status_code == case["status"], response.content[:300]
    assert response["Content-Type"] == "application/json"
    if case["method"] != "HEAD":  # a HEAD answer has no body
        answer = json.loads(response.content)
        if response.status_code >= 400:
            assert answer["errors"] and all(
                messages and all(isinstance(m, str) and m for m in messages)
                for messages in answer["errors"].values())
    assert response["Content-Language"] == case.get("lang", "en")
    assert _counts() == before


@pytest.mark.parametrize(("method", "path", "body", "turkish"), [
    ("POST", "/api/v1/consents", b"[" * 3_000_000, "İstek gövdesi 2621440 bayttan büyük"),
    ("POST", "/api/v1/consents", b"[" * 100_000, "İstek gövdesi çok derin iç içe geçmiş."),
    ("GET", "/api/v1/nothing", b"", "Bu adreste bir API uç noktası yok."),
    ("DELETE", "/api/v1/consents", b"", "Bu yöntem burada kullanılamaz."),
])
def test_refusals_speak_the_callers_language(client, keys, method, path, body, turkish):
    response = client.generic(method, path, data=body, content_type="application/json",
                              headers={"Accept-Language": "tr-TR,tr;q=0.9",
                                       "Authorization": f"Bearer {keys[0]}"})
    [message] = [m for messages in response.json()["errors"].values() for m in messages]
    assert message.startswith(turkish)
