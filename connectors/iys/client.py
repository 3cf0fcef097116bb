"""The İYS API client: one method per endpoint on one ``requests`` session.

Every call has a timeout. Connection errors, timeouts, 429 (honouring Retry-After) and 5xx are
retried with exponential backoff and full jitter; anything else raises a typed, permanent
``IysError`` at once. A refused token (H351) is dropped and the call is made once more after a
fresh login.
"""

from __future__ import annotations

import csv
import io
import logging
import random
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import orjson
import requests

from connectors.iys.auth import IysTokenAuth, TokenStore
from connectors.iys.errors import (
    TOKEN_INVALID,
    IysError,
    IysNotFound,
    IysProtocolError,
    IysUnavailable,
    error_from_response,
)
from connectors.iys.limits import RequestLimiter, request_kind

logger = logging.getLogger(__name__)

BULK_LIMIT = 1000
# Bodies are encoded and decoded with orjson: a bulk request carries 1,000 consents and its
# answer echoes them, and the standard json module was a tenth of the push's CPU.
_JSON_CONTENT = {"Content-Type": "application/json"}
CHANGES_LIMIT = 1000  # the changes endpoint's largest page (H507 above it)


class IysClient:
    def __init__(self, *, base_url: str, iys_code: str, brand_code: str, username: str,
                 password: str, timeout: tuple[float, float] = (5.0, 30.0),
                 max_retries: int = 6, backoff_base: float = 0.5, backoff_cap: float = 30.0,
                 token_store: TokenStore | None = None,
                 rate_limiter: RequestLimiter | None = None,
                 on_answer: Callable[[int], None] | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.consents_path = f"/sps/{iys_code}/brands/{brand_code}"
        # The v2 adds answer a consent sent again unchanged with its first transactionId:
        # a retry after a lost answer is recognised by İYS itself (api-reference.md).
        self.adds_path = f"/v2{self.consents_path}"
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json"})
        self.auth = IysTokenAuth(self._grant, username=username, password=password,
                                 store=token_store)
        self.rate_limiter = rate_limiter
        self.on_answer = on_answer  # every HTTP status İYS answers (the whitelist guard)
        self.retries = 0

    def __repr__(self) -> str:
        return f"IysClient({self.base_url!r})"

    def close(self) -> None:
        self.session.close()

    # --- transport -------------------------------------------------------------------------

    def _delay(self, attempt: int, error: IysError) -> float:
        if error.retry_after is not None:
            return max(0.0, error.retry_after)
        return random.uniform(0, min(self.backoff_cap, self.backoff_base * 2 ** attempt))

    def _request(self, method: str, path: str, *, json: Any = None,
                 params: dict[str, Any] | None = None, auth: bool = True) -> requests.Response:
        attempt = 0
        token_retried = False
        kind = request_kind(method, path)
        while True:
            if self.rate_limiter is not None:  # İYS's limits, shared by every worker
                self.rate_limiter.acquire(kind)
            try:
                response = self.session.request(
                    method, self.base_url + path, params=params, timeout=self.timeout,
                    auth=self.auth if auth else None,
                    **({} if json is None else {"data": orjson.dumps(json),
                                                "headers": _JSON_CONTENT}))
            except (requests.ConnectionError, requests.Timeout) as exc:
                error: IysError = IysUnavailable(f"{type(exc).__name__} calling {path}")
            else:
                if self.on_answer is not None:
                    self.on_answer(response.status_code)
                if response.ok:
                    return response
                body = _json_or_none(response)
                error = error_from_response(response.status_code, body,
                                            retry_after=_retry_after(response))
                if auth and response.status_code == 401 and not token_retried and (
                        error.code in ("", TOKEN_INVALID)):
                    token_retried = True
                    self.auth.invalidate()
                    continue
            if not error.retryable or attempt >= self.max_retries:
                raise error
            delay = self._delay(attempt, error)
            attempt += 1
            self.retries += 1
            logger.info("İYS %s %s failed (%s); retry %d in %.2fs", method, path,
                        error.message, attempt, delay)
            self.sleep(delay)

    def _json(self, response: requests.Response) -> Any:
        body = _json_or_none(response)
        if body is None:
            raise IysProtocolError("İYS answered with something that is not JSON",
                                   status=response.status_code)
        return body

    def _grant(self, payload: dict[str, Any]) -> dict[str, Any]:
        body = self._json(self._request("POST", "/oauth2/token", json=payload, auth=False))
        if not isinstance(body, dict) or "access_token" not in body:
            raise IysProtocolError("the token answer has no access_token")
        return body

    # --- endpoints -------------------------------------------------------------------------

    def login(self) -> None:
        """Obtain a token now (the settings page's "test connection")."""
        self.auth.access_token()

    def consent_add(self, consent: dict[str, Any]) -> dict[str, Any]:
        """Add one consent: ``{"transactionId", "creationDate"}``."""
        return self._json(self._request("POST", f"{self.adds_path}/consents", json=consent))

    def consents_bulk_add(self, consents: list[dict[str, Any]]) -> dict[str, Any]:
        """Queue up to 1000 consents: ``{"requestId", "subRequests": […]}``."""
        if not 1 <= len(consents) <= BULK_LIMIT:
            raise ValueError(f"a bulk request holds 1 to {BULK_LIMIT} consents")
        body = self._json(self._request("POST", f"{self.adds_path}/consents/request",
                                        json=consents))
        if not isinstance(body, dict) or not body.get("requestId"):
            raise IysProtocolError("the bulk answer has no requestId")
        return body

    def consents_bulk_result(self, request_id: str) -> list[dict[str, Any]]:
        """One result per item: status success, failure or enqueue."""
        body = self._json(self._request(
            "GET", f"{self.adds_path}/consents/request/{request_id}"))
        if not isinstance(body, list):
            raise IysProtocolError("the bulk result is not a list")
        return body

    def consent_status(self, *, recipient: str, recipient_type: str,
                       type: str) -> dict[str, Any] | None:
        """The consent İYS stores for this recipient and type, or None (an empty answer)."""
        try:
            body = self._json(self._request(
                "POST", f"{self.consents_path}/consents/status",
                json={"recipient": recipient, "recipientType": recipient_type, "type": type}))
        except IysNotFound:
            return None
        return body if isinstance(body, dict) and body.get("status") else None

    def consents_status_many(self, *, recipient_type: str, type: str,
                             recipients: list[str]) -> list[Any]:
        """Of these recipients, those now in ONAY."""
        body = self._json(self._request(
            "POST", f"{self.consents_path}/consents/{recipient_type}/status/{type}",
            json={"recipients": recipients}))
        return list(body.get("list") or []) if isinstance(body, dict) else []

    def consent_changes(self, *, source: str, after: str = "",
                        limit: int = CHANGES_LIMIT) -> tuple[str, list[dict[str, Any]]]:
        """A page of changes after the cursor: (next cursor, changes); no changes (204):
        (``after``, [])."""
        params: dict[str, Any] = {"source": source, "limit": min(limit, CHANGES_LIMIT)}
        if after:
            params["after"] = after
        response = self._request("GET", f"{self.consents_path}/consents/changes",
                                 params=params)
        if response.status_code == 204:
            return after, []
        body = self._json(response)
        if not isinstance(body, dict) or not isinstance(body.get("list"), list):
            raise IysProtocolError("the changes answer has no list")
        return str(body.get("after") or ""), body["list"]

    def daily_change_file(self, report_date: date) -> list[dict[str, str]]:
        """The CSV of one day's changes (last 7 days only), as rows."""
        response = self._request("GET",
                                 f"{self.consents_path}/changes/{report_date:%Y-%m-%d}/file")
        if response.status_code == 204:  # no change that day
            return []
        text = response.content.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))

    def daily_change_summary(self, report_date: date, recipient_type: str) -> dict[str, Any]:
        """That day's changes: ``{"changeStats": [{"type", "consents": [{"source": HS|IYS,
        "approval", "rejection", "pending", "total"}]}]}``."""
        return self._json(self._request(
            "GET", f"{self.consents_path}/changes/{report_date:%Y-%m-%d}/recipients/"
                   f"{recipient_type}"))


def _json_or_none(response: requests.Response) -> Any:
    try:
        return orjson.loads(response.content)
    except ValueError:  # orjson.JSONDecodeError is one
        return None


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None
