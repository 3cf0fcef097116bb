"""API rate limits per key and per IP, counted in Redis: past a limit the answer is 429 with
Retry-After and a JSON body; key guessing from one IP is cut off."""

import pytest

from tests.api.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db


def lookup(client, raw_key: str, ip: str = "127.0.0.1", **headers):
    return client.get("/api/v1/contacts/CRM-1", REMOTE_ADDR=ip,
                      headers={"Authorization": f"Bearer {raw_key}", **headers})


def assert_too_many(response, longest: int):
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert 1 <= int(response["Retry-After"]) <= longest
    assert "Too many requests" in response.json()["errors"]["__all__"][0]


def test_a_key_over_its_limit_gets_429_with_retry_after(client, settings):
    settings.API_RATE_LIMIT_PER_KEY = "3/minute"
    busy, other = ApiKeyFactory(), ApiKeyFactory()
    assert [lookup(client, busy.raw_key).status_code for _ in range(3)] == [404] * 3
    assert_too_many(lookup(client, busy.raw_key), longest=60)
    assert lookup(client, other.raw_key).status_code == 404  # another key is not slowed


def test_an_ip_over_its_limit_gets_429_whatever_the_key(client, settings):
    settings.API_RATE_LIMIT_PER_IP = "4/minute"
    keys = [ApiKeyFactory().raw_key for _ in range(5)]
    assert [lookup(client, key, ip="10.0.0.7").status_code for key in keys[:4]] == [404] * 4
    assert_too_many(lookup(client, keys[4], ip="10.0.0.7"), longest=60)
    assert lookup(client, keys[4], ip="10.0.0.8").status_code == 404


def test_key_guessing_is_cut_off_per_ip(client, settings):
    settings.API_RATE_LIMIT_AUTH_FAILURES = "3 per 10 minutes"
    valid = ApiKeyFactory().raw_key
    guesses = [lookup(client, f"iys_guess{n}", ip="10.0.0.9").status_code for n in range(3)]
    assert guesses == [401] * 3
    # Refused before the key is looked at: even the right key gets no answer about it.
    assert_too_many(lookup(client, "iys_guess4", ip="10.0.0.9"), longest=600)
    assert_too_many(lookup(client, valid, ip="10.0.0.9"), longest=600)
    assert lookup(client, valid, ip="10.0.0.10").status_code == 404


def test_the_429_speaks_the_callers_language(client, settings):
    settings.API_RATE_LIMIT_PER_KEY = "1/minute"
    key = ApiKeyFactory().raw_key
    lookup(client, key)
    response = lookup(client, key, **{"Accept-Language": "tr"})
    assert response.status_code == 429
    assert response.json()["errors"]["__all__"][0].startswith("Çok fazla istek")


def test_an_unreachable_limit_store_does_not_take_the_api_down(client, settings, caplog):
    settings.API_RATE_LIMIT_STORAGE = "redis://127.0.0.1:1/0"  # nothing listens there
    assert lookup(client, ApiKeyFactory().raw_key).status_code == 404
    assert "rate limit store unreachable" in caplog.text
