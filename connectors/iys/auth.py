"""İYS token authentication in one place: cached, refreshed before expiry, re-login on failure."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from requests.auth import AuthBase

from connectors.iys.errors import IysAuthError, IysTokenRateLimited, IysValidationError


@dataclass
class Token:
    access_token: str
    refresh_token: str
    expires_at: float
    refresh_expires_at: float

    @classmethod
    def from_answer(cls, body: dict[str, Any], now: float) -> Token:
        expires_in = float(body.get("expires_in") or 0)
        refresh_in = float(body.get("refresh_expires_in") or 0)
        return cls(access_token=str(body["access_token"]),
                   refresh_token=str(body.get("refresh_token") or ""),
                   expires_at=now + expires_in, refresh_expires_at=now + refresh_in)

    def fresh(self, now: float) -> bool:
        """Still usable for a while: refresh a tenth of its life (at most a minute) early."""
        margin = min(60.0, max(0.0, (self.expires_at - now)) * 0.1 + 0.5)
        return now < self.expires_at - margin


TOKEN_PAUSE = 3600.0  # after H084 (too many token requests) İYS wants an hour's rest


class TokenStore(Protocol):
    def get(self) -> Token | None: ...

    def set(self, token: Token | None) -> None: ...

    def paused_until(self) -> float: ...

    def pause(self, until: float) -> None: ...


class MemoryTokenStore:
    def __init__(self) -> None:
        self._token: Token | None = None
        self._paused_until = 0.0

    def get(self) -> Token | None:
        return self._token

    def set(self, token: Token | None) -> None:
        self._token = token

    def paused_until(self) -> float:
        return self._paused_until

    def pause(self, until: float) -> None:
        self._paused_until = until


class IysTokenAuth(AuthBase):
    """Adds ``Authorization: Bearer …``; ``grant`` obtains tokens (login or refresh)."""

    def __init__(self, grant: Callable[[dict[str, Any]], dict[str, Any]], *, username: str,
                 password: str, store: TokenStore | None = None,
                 clock: Callable[[], float] = time.time):
        self._grant = grant
        self._username = username
        self._password = password
        self._store = store or MemoryTokenStore()
        self._clock = clock
        self._lock = threading.Lock()
        self.logins = 0
        self.refreshes = 0

    def __repr__(self) -> str:  # never show the password
        return f"IysTokenAuth(username={self._username!r})"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.access_token()}"
        return request

    def access_token(self) -> str:
        with self._lock:
            now = self._clock()
            token = self._store.get()
            if token is not None and token.fresh(now):
                return token.access_token
            token = self._renew(token, now)
            self._store.set(token)
            return token.access_token

    def invalidate(self, access_token: str | None = None) -> None:
        """İYS refused the token (H351): forget it so the next call logs in again."""
        with self._lock:
            token = self._store.get()
            if token is not None and (access_token is None or token.access_token == access_token):
                self._store.set(None)

    def _renew(self, token: Token | None, now: float) -> Token:
        paused_until = self._store.paused_until()
        if now < paused_until:
            raise IysTokenRateLimited(
                f"token requests paused for {paused_until - now:.0f} s after H084",
                code="H084")
        try:
            return self._grant_new(token, now)
        except IysTokenRateLimited:
            self._store.pause(self._clock() + TOKEN_PAUSE)
            raise

    def _grant_new(self, token: Token | None, now: float) -> Token:
        if token is not None and token.refresh_token and now < token.refresh_expires_at - 1:
            try:
                body = self._grant({"refresh_token": token.refresh_token,
                                    "grant_type": "refresh_token"})
                self.refreshes += 1
                return Token.from_answer(body, self._clock())
            except IysTokenRateLimited:
                raise
            except (IysAuthError, IysValidationError):
                pass  # the refresh token is no longer valid (İYS answers 400): log in again
        try:
            body = self._grant({"username": self._username, "password": self._password,
                                "grant_type": "password"})
        except IysValidationError as error:  # openapi.json: bad credentials are a 400
            raise IysAuthError(error.message, status=error.status, code=error.code) from error
        self.logins += 1
        return Token.from_answer(body, self._clock())
