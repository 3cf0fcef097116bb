"""iletiMerkezi's consent create endpoint: atomic batches of at most 5000 records.

On a 422 the batch is split in halves until each bad record stands alone; the good records
are sent and each bad one is returned with the provider's reason. 401, 403 and 405 stop the
whole push: they need the admin (credentials, subscription, quota), not a retry.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

BATCH_LIMIT = 5000
CREATE_PATH = "/v1/consent/create/json"


class IletiMerkeziError(Exception):
    retryable = False

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.status = status


class IletiMerkeziUnavailable(IletiMerkeziError):
    retryable = True


class IletiMerkeziBlocked(IletiMerkeziError):
    """401 (authentication or API access off), 403 (no İYS subscription), 405 (quota)."""


class IletiMerkeziRejected(IletiMerkeziError):
    """422: something in the batch is invalid; nothing of the batch was stored."""


@dataclass
class BatchOutcome:
    accepted: list[int] = field(default_factory=list)
    rejected: dict[int, str] = field(default_factory=dict)
    requests: int = 0


class IletiMerkeziClient:
    def __init__(self, *, base_url: str, key: str, hash: str, brand_code: str,
                 timeout: tuple[float, float] = (5.0, 60.0), max_retries: int = 5,
                 backoff_base: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 session: requests.Session | None = None):
        self.url = base_url.rstrip("/") + CREATE_PATH
        self._key = key
        self._hash = hash
        self.brand_code = brand_code
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.sleep = sleep
        self.session = session or requests.Session()

    def __repr__(self) -> str:
        return f"IletiMerkeziClient({self.url!r})"

    def consent_create(self, records: list[dict[str, Any]]) -> None:
        """Send one atomic batch; raises IletiMerkeziRejected on a 422."""
        if not 1 <= len(records) <= BATCH_LIMIT:
            raise ValueError(f"a batch holds 1 to {BATCH_LIMIT} records")
        payload = {"request": {"authentication": {"key": self._key, "hash": self._hash},
                               "consent": {"brandCode": self.brand_code, "list": records}}}
        attempt = 0
        while True:
            try:
                response = self.session.post(self.url, json=payload, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                error: IletiMerkeziError = IletiMerkeziUnavailable(type(exc).__name__)
            else:
                error = _error(response)
                if error is None:
                    return
            if not error.retryable or attempt >= self.max_retries:
                raise error
            attempt += 1
            self.sleep(random.uniform(0, self.backoff_base * 2 ** attempt))

    def consent_create_isolating(self, records: list[dict[str, Any]]) -> BatchOutcome:
        """Send everything that is valid; return accepted and rejected indexes (with reasons)."""
        outcome = BatchOutcome()
        for start in range(0, len(records), BATCH_LIMIT):
            self._send_part(records, list(range(start, min(start + BATCH_LIMIT, len(records)))),
                            outcome)
        return outcome

    def _send_part(self, records: list[dict[str, Any]], indexes: list[int],
                   outcome: BatchOutcome) -> None:
        outcome.requests += 1
        try:
            self.consent_create([records[i] for i in indexes])
        except IletiMerkeziRejected as error:
            if len(indexes) == 1:
                outcome.rejected[indexes[0]] = error.message
                return
            middle = len(indexes) // 2
            self._send_part(records, indexes[:middle], outcome)
            self._send_part(records, indexes[middle:], outcome)
            return
        outcome.accepted.extend(indexes)


def _error(response: requests.Response) -> IletiMerkeziError | None:
    try:
        body = response.json()
        status = body["response"]["status"]
        code, message = int(status.get("code", response.status_code)), str(status["message"])
    except (ValueError, KeyError, TypeError):
        code, message = response.status_code, f"HTTP {response.status_code}"
    if response.ok and code == 200:
        return None
    if code in (401, 403, 405):
        return IletiMerkeziBlocked(message, status=code)
    if code in (422, 475, 400):
        return IletiMerkeziRejected(message, status=code)
    if code == 429 or code >= 500:
        return IletiMerkeziUnavailable(message, status=code)
    return IletiMerkeziError(message, status=code)
