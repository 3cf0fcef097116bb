"""The sandbox reports what it received, by kind, and its own CPU time (for benchmarks)."""

import pytest
import requests

from connectors.sandbox.server import request_kind
from tests.connectors.conftest import client_for
from tests.connectors.test_iys_client import consent

BRAND = "/sps/100000/brands/100001"


@pytest.mark.parametrize(("method", "path", "kind"), [
    ("POST", "/oauth2/token", "token"),
    ("POST", f"{BRAND}/consents", "add"),
    ("POST", f"{BRAND}/consents/request", "bulk_add"),
    ("GET", f"{BRAND}/consents/request/3f2a", "bulk_result"),
    ("POST", f"{BRAND}/consents/status", "status"),
    ("POST", f"{BRAND}/consents/BIREYSEL/status/MESAJ", "status"),
    ("GET", f"{BRAND}/consents/changes", "changes"),
    ("GET", f"{BRAND}/changes/2026-11-23/file", "daily_report"),
    ("POST", "/v1/consent/create/json", "iletimerkezi"),
    ("GET", "/_sandbox/stats", "sandbox"),
    ("GET", f"{BRAND}/consents/request", "other"),
])
def test_each_request_has_a_kind(method, path, kind):
    assert request_kind(method, path) == kind


def test_stats_count_the_requests_received_by_kind_and_report_cpu_time(sandbox):
    client = client_for(sandbox)
    answer = client.consents_bulk_add([consent("+905321112233"), consent("+905321112234")])
    client.consents_bulk_result(answer["requestId"])
    client.consents_bulk_result(answer["requestId"])
    client.consent_status(recipient="+905321112233", recipient_type="BIREYSEL", type="MESAJ")

    stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()

    assert stats["requests"] == {"token": 1, "bulk_add": 1, "bulk_result": 2, "status": 1}
    assert stats["tokens_issued"] == 1
    assert stats["cpu_seconds"] > 0
