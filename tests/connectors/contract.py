"""The İYS contract: requests and answers validated against İYS's own ``openapi.json``.

``connectors/iys/openapi.json`` is the official file as published (``shared/iys-official``),
unchanged; openapi-core validates against it, so no schema is copied here by hand. Two
things are set on loading, both from the official documents:

- the file does not pass openapi-spec-validator (some ViA responses put ``contentMediaType``
  where OpenAPI 3.0 allows no such keyword), so the document itself is not validated, only
  the traffic against it;
- its ``date-time`` fields carry İYS's ``YYYY-MM-DD HH:mm:ss`` (definitions.md), not RFC 3339,
  and so do the ``date`` fields of the changes' items (the file's own examples);
  ``reportDate`` is a plain ``YYYY-MM-DD``;
- one erratum is corrected: ``InvalidErrorFor422`` declares ``errors`` an object, while every
  one of its examples (and of error-codes.md's answers) is a list of them.

A 204 carries no body (RFC 9110); where the file gives 204 a JSON schema, its own example (an
empty object) stands for the body.

Every operation names its own server (api.sandbox.iys.org.tr): requests are matched as if sent
there, whatever loopback port the sandbox listens on.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

import requests
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

import connectors.iys

SPEC = Path(connectors.iys.__file__).parent / "openapi.json"
HOST = "https://api.sandbox.iys.org.tr"
IYS_PATH = re.compile(r"/(oauth2/|sps/|v2/sps/|integrator/)")
IYS_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
IYS_DAY = re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?")
# Answers that error-codes.md gives and openapi.json's list for the operation leaves out (by
# method and path): a failed login is 401 H251 and too many token requests 429 H084.
DOCUMENTED_ELSEWHERE = {("POST", "/oauth2/token"): {401, 429}}


@functools.cache
def official_api() -> OpenAPI:
    spec = json.loads(SPEC.read_text(encoding="utf-8"))
    spec["components"]["schemas"]["InvalidErrorFor422"]["properties"]["errors"] = {
        "type": "array", "items": {"$ref": "#/components/schemas/InvalidError"}}
    return OpenAPI.from_dict(spec, config=Config(
        spec_validator_cls=None,
        extra_format_validators={"date-time": lambda v: bool(IYS_DATE.fullmatch(v)),
                                 "date": lambda v: bool(IYS_DAY.fullmatch(v))}))


def _problem(error: Exception) -> str:
    cause = error.__cause__
    details = getattr(cause, "schema_errors", None) or ([cause] if cause else [])
    return f"{type(error).__name__}: {error}" + "".join(
        f"\n    - {getattr(d, 'message', d)}" for d in details)


def _request(method: str, path: str, query: str, headers: dict[str, str], body: bytes
             ) -> MockRequest:
    headers = {name.title(): value for name, value in headers.items()}
    content_type = headers.get("Content-Type", "application/json").split(";")[0]
    return MockRequest(HOST, method.lower(), path, args=dict(parse_qsl(query)),
                       headers=headers, data=body or None, content_type=content_type)


def exchange_problems(*, method: str, path: str, query: str, headers: dict[str, str],
                      body: bytes, status: int, content_type: str, payload: bytes,
                      check_request: bool = True) -> list[str]:
    """What in this request and its answer departs from openapi.json (empty: nothing)."""
    if not IYS_PATH.match(path):
        return []  # the sandbox's own pages, iletiMerkezi: not İYS
    api = official_api()
    request = _request(method, path, query, headers, body)
    where = f"{method} {path}?{query} → {status}"
    problems = []
    if check_request:
        try:
            api.validate_request(request)
        except Exception as error:  # openapi-core raises one class per kind of problem
            problems.append(f"request {where}: {_problem(error)}")
    if status in DOCUMENTED_ELSEWHERE.get((method, path), ()):
        return problems
    if status == 204:
        payload, content_type = b"{}", "application/json"
    response = MockResponse(payload, status_code=status,
                            content_type=content_type.split(";")[0] or "application/json")
    try:
        api.validate_response(request, response)
    except Exception as error:
        problems.append(f"answer {where}: {_problem(error)}\n    body: {payload[:300]!r}")
    return problems


@dataclass
class ContractRecorder:
    """Collects departures from the contract seen by the sandbox and by the client."""

    check_requests: bool = True
    problems: list[str] = field(default_factory=list)

    def sandbox_exchange(self, exchange) -> None:
        """A SandboxServer observer: the request as received, the answer as sent."""
        self.problems += [f"sandbox: {p}" for p in exchange_problems(
            method=exchange.method, path=exchange.path, query=exchange.query,
            headers=exchange.headers, body=exchange.body, status=exchange.status,
            content_type=exchange.content_type, payload=exchange.payload,
            check_request=self.check_requests)]

    def client_response(self, response: requests.Response, *args, **kwargs) -> None:
        """A requests response hook on the client's session: what it sent, what it got."""
        sent = response.request
        path, _, query = (sent.path_url or "").partition("?")
        body = sent.body.encode() if isinstance(sent.body, str) else (sent.body or b"")
        self.problems += [f"client: {p}" for p in exchange_problems(
            method=sent.method or "", path=path, query=query, headers=dict(sent.headers),
            body=body, status=response.status_code,
            content_type=response.headers.get("Content-Type", ""),
            payload=response.content, check_request=self.check_requests)]
