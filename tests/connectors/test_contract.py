"""The contract check (openapi.json) catches a sandbox or a client that drifts from İYS."""

import pytest

from connectors.iys.errors import IysValidationError
from connectors.sandbox.server import Reply, SandboxHandler
from tests.connectors.conftest import client_for
from tests.connectors.test_iys_client import consent


def test_a_sandbox_answer_that_drifts_from_the_specification_is_reported(
        sandbox, iys_contract, monkeypatch):
    # e.g. a transaction id as a number and no creationDate
    monkeypatch.setattr(SandboxHandler, "consent_add",
                        lambda self, body, query, v2=False: Reply(200, {"transactionId": 42}))
    client_for(sandbox).consent_add(consent())
    found, iys_contract.problems = iys_contract.problems, []  # seen; the test passes
    assert any(p.startswith("sandbox: answer POST /v2/sps/100000/brands/100001/consents")
               and "creationDate" in p for p in found)
    assert any(p.startswith("client: answer POST") for p in found)


def test_a_client_request_that_drifts_from_the_specification_is_reported(sandbox,
                                                                          iys_contract):
    client = client_for(sandbox)
    with pytest.raises(IysValidationError):  # the sandbox refuses it too (H117)
        client._request("POST", f"{client.consents_path}/consents/status",
                        json={"recipient": "+905321112233", "recipientType": "BIREYSEL",
                              "type": "SMS"})
    found, iys_contract.problems = iys_contract.problems, []
    assert any(p.startswith("client: request POST") and "'SMS' is not one of" in p
               for p in found)
    assert any(p.startswith("sandbox: request POST") for p in found)


def test_an_answer_with_a_status_the_operation_does_not_document_is_reported(
        sandbox, iys_contract, monkeypatch):
    monkeypatch.setattr(SandboxHandler, "changes",
                        lambda self, body, query: Reply(404, {"errors": []}))
    client = client_for(sandbox)
    with pytest.raises(Exception):  # noqa: B017 - the client's own reaction is not the point
        client.consent_changes(source="HS")
    found, iys_contract.problems = iys_contract.problems, []
    assert any("answer GET /sps/100000/brands/100001/consents/changes" in p for p in found)


def test_the_answers_of_a_whole_session_follow_the_specification(sandbox, iys_contract):
    client = client_for(sandbox)
    client.consent_add(consent())
    answer = client.consents_bulk_add([consent("+905320000001")])
    client.consents_bulk_result(answer["requestId"])
    client.consent_status(recipient="+905321112233", recipient_type="BIREYSEL", type="MESAJ")
    client.consents_status_many(recipient_type="BIREYSEL", type="MESAJ",
                                recipients=["+905321112233"])
    client.consent_changes(source="IYS")
    assert iys_contract.problems == []
    kinds = {r["path"].rsplit("/", 1)[-1] for r in sandbox.state.requests()}
    assert {"token", "consents", "request", "status", "MESAJ", "changes"} <= kinds
