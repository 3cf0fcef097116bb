"""The İYS sandbox HTTP server (stdlib ThreadingHTTPServer) with fault injection."""

from __future__ import annotations

import collections
import csv
import functools
import io
import json
import logging
import math
import random
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.iys import errors as codes
from connectors.sandbox.rules import (
    RECIPIENT_TYPES,
    TURKEY,
    TYPES,
    against_stored_errors,
    consent_item_errors,
    error,
    http_status,
    iletimerkezi_record_error,
)
from connectors.sandbox.state import SandboxState, decode_cursor

logger = logging.getLogger(__name__)

# The daily file's columns in İYS's order (reconciliation.md), sorted by creationDate.
CSV_FIELDS = ["creationDate", "transactionId", "recipient", "recipientType", "type", "status",
              "consentDate", "source"]
_BRAND = r"(/v2)?/sps/[^/]+/brands/[^/]+"
REQUEST_KINDS = [  # (method, path, kind): how /_sandbox/stats counts the requests received
    ("POST", r"/oauth2/token", "token"),
    ("POST", _BRAND + r"/consents", "add"),
    ("POST", _BRAND + r"/consents/request", "bulk_add"),
    ("GET", _BRAND + r"/consents/request/[^/]+", "bulk_result"),
    ("POST", _BRAND + r"/consents(/(BIREYSEL|TACIR))?/status(/[A-Z]+)?", "status"),
    ("GET", _BRAND + r"/consents/changes", "changes"),
    ("GET", _BRAND + r"/changes/.+", "daily_report"),
    ("POST", r"/v1/consent/create/json", "iletimerkezi"),
    ("GET", r"/_sandbox/.*", "sandbox"),
]


def request_kind(method: str, path: str) -> str:
    """What a request was (token, bulk_add, bulk_result, status, …); "other" if unknown."""
    for kind_method, pattern, kind in REQUEST_KINDS:
        if method == kind_method and re.fullmatch(pattern, path):
            return kind
    return "other"


@dataclass
class SandboxConfig:
    username: str = "demo"
    password: str = "demo-password"
    iys_code: str = "100000"
    brand_code: str = "100001"
    token_lifetime: float = 7200
    refresh_lifetime: float = 14400
    latency: float = 0.0
    error_rate: float = 0.0
    rate_limit_rate: float = 0.0
    busy_rate: float = 0.0  # share answered 400 H123 "service busy, try later"
    consent_quota: int = 0  # consents the subscription may add before H525 (0: no limit)
    retry_after: float = 1.0
    token_rate_limit: int = 100  # token grants per hour before H084 (0: no limit)
    # limits.md, per client address (0: no limit): requests a second (429 H124), single
    # status queries an hour (429 H086), consent-history queries an hour (429 H089)
    requests_per_second: int = 10
    status_per_hour: int = 1000
    history_per_hour: int = 100
    drop_rate: float = 0.0
    drop_bulk_answers: int = 0  # the first N bulk requests are processed, their answers lost
    bulk_delay: float = 1.0  # bulk results are given only this long after the request
    changes_hold_back: float = 3600
    iletimerkezi_key: str = "demo-key"
    iletimerkezi_hash: str = "demo-hash"
    iletimerkezi_active: bool = True
    iletimerkezi_quota: int = 1_000_000
    fault_seed: int | None = None


@dataclass(frozen=True)
class Exchange:
    """One request the sandbox answered and its answer, as they were on the wire."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    status: int
    content_type: str
    payload: bytes


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], config: SandboxConfig, state: SandboxState):
        super().__init__(address, SandboxHandler)
        self.config = config
        self.state = state
        self.tokens: dict[str, tuple[str, float]] = {}  # token -> (kind, expires at)
        self.token_lock = threading.Lock()
        self.grants: list[float] = []
        self.random = random.Random(config.fault_seed)
        self.random_lock = threading.Lock()
        self.windows: dict[tuple[str, str], collections.deque[float]] = {}
        self.window_lock = threading.Lock()
        # Called with every answered Exchange (the contract tests validate them).
        self.observers: list[Callable[[Exchange], None]] = []

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def roll(self) -> float:
        with self.random_lock:
            return self.random.random()

    def issue_tokens(self) -> dict[str, Any]:
        now = time.time()
        if self.config.token_rate_limit:
            with self.token_lock:
                self.grants = [t for t in self.grants if t > now - 3600]
                if len(self.grants) >= self.config.token_rate_limit:
                    raise fail(codes.TOKEN_RATE_LIMIT)
                self.grants.append(now)
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        with self.token_lock:
            self.tokens[access] = ("access", now + self.config.token_lifetime)
            self.tokens[refresh] = ("refresh", now + self.config.refresh_lifetime)
        self.state.bump("tokens_issued")
        return {"access_token": access, "refresh_token": refresh,
                "expires_in": math.ceil(self.config.token_lifetime),  # whole seconds
                "refresh_expires_in": math.ceil(self.config.refresh_lifetime),
                "token_type": "bearer"}

    def admit(self, address: str, method: str, path: str) -> None:
        """limits.md: refuse with 429 what goes over a limit of this client address."""
        config, now = self.config, time.time()
        checks = [("second", 1.0, config.requests_per_second, codes.RATE_LIMIT)]
        if method == "POST" and path.endswith("/consents/status"):
            checks.append(("status", 3600.0, config.status_per_hour, codes.STATUS_QUERY_LIMIT))
        if method == "POST" and path.endswith("/consents/history"):
            checks.append(("history", 3600.0, config.history_per_hour, codes.HISTORY_LIMIT))
        with self.window_lock:
            windows = []
            for name, span, limit, code in checks:
                window = self.windows.setdefault((address, name), collections.deque())
                while window and window[0] <= now - span:
                    window.popleft()
                if limit and len(window) >= limit:
                    self.state.bump("rate_limited")
                    wait = math.ceil(window[0] + span - now)
                    raise fail(code, headers={"Retry-After": str(max(1, wait))})
                windows.append(window)
            for window in windows:  # only admitted requests count
                window.append(now)

    def token_valid(self, token: str, kind: str) -> bool:
        with self.token_lock:
            found = self.tokens.get(token)
            if found and found[0] == kind and found[1] > time.time():
                return True
            self.tokens.pop(token, None)
            return False


class Reply(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None):
        self.status, self.body, self.headers = status, body, headers or {}


def fail(code: str, location: str = "", value: Any = None,
         headers: dict[str, str] | None = None) -> Reply:
    """The official answer for ``code``: its HTTP status and message (error-codes.md)."""
    found = [error(code, location, value)]
    return Reply(http_status(found), {"errors": found}, headers)


def refuse(errors: list[dict[str, Any]]) -> Reply:
    return Reply(http_status(errors), {"errors": errors})


NOT_FOUND = Reply(404, {"errors": [{"message": "Kaynak bulunamadı."}]})  # no path of the API


class SandboxHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SandboxServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet; the requests table logs
        logger.debug(format, *args)

    def do_GET(self) -> None:
        self.dispatch("GET")

    def do_POST(self) -> None:
        self.dispatch("POST")

    def do_PUT(self) -> None:
        self.dispatch("PUT")

    def dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        config, state = self.server.config, self.server.state
        drop = False
        try:
            if not parts.path.startswith("/_sandbox"):
                if not parts.path.startswith("/v1/consent/"):  # iletiMerkezi: not İYS's limits
                    self.server.admit(self.client_address[0], method, parts.path)
                if config.latency:
                    time.sleep(config.latency)
                roll = self.server.roll()
                if roll < config.rate_limit_rate:
                    raise fail(codes.RATE_LIMIT,
                               headers={"Retry-After": f"{config.retry_after:g}"})
                if roll < config.rate_limit_rate + config.error_rate:
                    raise fail(codes.SERVER_ERROR)
                if (roll < config.rate_limit_rate + config.error_rate + config.busy_rate
                        and parts.path != "/oauth2/token"):  # its 400s are OAuth2's shape
                    raise fail(codes.BUSY)
                drop = self.server.roll() < config.drop_rate
            body = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise fail(codes.INVALID_JSON) from None
            with state.lock:
                reply = self.route(method, parts.path, parse_qs(parts.query), body)
        except Reply as caught:
            reply = caught
        except Exception:  # the sandbox answers 500 like a broken server would
            logger.exception("sandbox error")
            reply = fail(codes.SERVER_ERROR)
        if not drop and config.drop_bulk_answers and method == "POST" and \
                parts.path.endswith("/consents/request") and reply.status < 300 and \
                state.counter("bulk_answers_dropped") < config.drop_bulk_answers:
            state.bump("bulk_answers_dropped")
            drop = True
        if drop:  # processed, but the answer is lost on the way back
            state.log(method, parts.path, parts.query, 0)
            self.close_connection = True
            return
        state.log(method, parts.path, parts.query, reply.status)
        payload, kind = self.encode(reply)
        # Observers see the exchange before the client does (no race with the test thread).
        exchange = Exchange(method, parts.path, parts.query, dict(self.headers.items()), raw,
                            reply.status, kind, payload)
        for observer in self.server.observers:
            observer(exchange)
        self.send(reply, payload, kind)

    @staticmethod
    def encode(reply: Reply) -> tuple[bytes, str]:
        """The answer's payload and content type (none for 204 No Content)."""
        if reply.status == 204:
            return b"", ""
        if isinstance(reply.body, bytes):
            return reply.body, reply.headers.pop("Content-Type", "application/octet-stream")
        if isinstance(reply.body, str):
            return reply.body.encode(), "text/csv; charset=utf-8"
        return json.dumps(reply.body, ensure_ascii=False).encode(), "application/json"

    def send(self, reply: Reply, payload: bytes, kind: str) -> None:
        self.send_response(reply.status)
        if reply.status != 204:  # No Content: no body, no type
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    # --- routing ----------------------------------------------------------------------------

    def route(self, method: str, path: str, query: dict[str, list[str]], body: Any) -> Reply:
        if path == "/oauth2/token" and method == "POST":
            return self.token(body)
        if path == "/v1/consent/create/json" and method == "POST":
            return self.provider_create(body)
        if path == "/_sandbox/stats":
            return Reply(200, self.stats())
        match = re.fullmatch(r"(/v2)?/sps/([^/]+)/brands/([^/]+)(/.*)", path)
        if not match:
            raise NOT_FOUND
        self.authenticate()
        v2, iys_code, brand_code, rest = match.groups()
        config = self.server.config
        if (iys_code, brand_code) != (config.iys_code, config.brand_code):
            raise fail(codes.NOT_YOUR_BRAND)
        routes = [
            ("POST", r"/consents", self.consent_add),
            ("POST", r"/consents/request", self.bulk_add),
            ("GET", r"/consents/request/([^/]+)", self.bulk_result),
            ("POST", r"/consents/status", self.status_one),
            ("POST", r"/consents/(BIREYSEL|TACIR)/status/(MESAJ|EPOSTA|ARAMA)", self.status_many),
            ("GET", r"/consents/changes", self.changes),
            ("GET", r"/changes/([^/]+)/file", self.daily_file),
            ("GET", r"/changes/([^/]+)/recipients/([^/]+)", self.daily_summary),
        ]
        if v2:  # the v2 adds: the same consent re-sent is answered with its first result
            routes = [(m, p, functools.partial(view, v2=True)) for m, p, view in routes[:3]]
        for route_method, pattern, view in routes:
            found = re.fullmatch(pattern, rest)
            if found and method == route_method:
                return view(*found.groups(), body=body, query=query)
        raise NOT_FOUND

    def stats(self) -> dict[str, Any]:
        """Tokens issued, requests received by kind, and this process's CPU seconds so far."""
        state = self.server.state
        return {"tokens_issued": state.counter("tokens_issued"),
                "requests": state.request_counts(request_kind),
                "cpu_seconds": time.process_time()}

    def authenticate(self) -> None:
        header = self.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        if not token or not self.server.token_valid(token, "access"):
            raise fail(codes.TOKEN_INVALID)

    def token(self, body: Any) -> Reply:
        config = self.server.config
        body = body if isinstance(body, dict) else {}
        grant = body.get("grant_type")
        if grant == "password":
            if not body.get("username"):
                raise Reply(400, {"error": "invalid_request",
                                  "error_description": "Kullanıcı adı verilmemiş."})
            if not body.get("password"):
                raise Reply(400, {"error": "invalid_request",
                                  "error_description": "Şifre verilmemiş."})
            if (body.get("username"), body.get("password")) != (config.username,
                                                                 config.password):
                raise fail(codes.LOGIN_FAILED)
            return Reply(200, self.server.issue_tokens())
        if grant == "refresh_token":
            if not self.server.token_valid(str(body.get("refresh_token", "")), "refresh"):
                # İYS's identity server answers an expired or unknown refresh token with 400
                # in the OAuth2 shape (Bad2Request), not with an H-code.
                raise Reply(400, {"error": "invalid_grant",
                                  "error_description": "Yenileme jetonu geçersiz."})
            return Reply(200, self.server.issue_tokens())
        raise Reply(400, {"error": "invalid_request",
                          "error_description": "Bilinmeyen giriş yöntemi."})

    # --- consents ---------------------------------------------------------------------------

    def _apply(self, item: Any, request_id: str = "", *, v2: bool = False
               ) -> tuple[dict | None, list[dict]]:
        now = datetime.now(TURKEY)
        found = consent_item_errors(item, now=now)
        if found:
            return None, found
        state = self.server.state
        stored = state.current(item["recipient"], item["recipientType"], item["type"])
        if v2 and stored is not None and all(
                stored.get(name) == item.get(name) for name in ("status", "source",
                                                                "consentDate")):
            # api-reference.md, the v2 adds: the very same consent sent again gets the
            # transactionId (and creationDate) of its first add, and no new record.
            return {"transactionId": stored["transactionId"],
                    "creationDate": stored["creationDate"],
                    "original": state.request_of(stored["transactionId"])}, []
        found = against_stored_errors(item, stored)
        if found:
            return None, found
        quota = self.server.config.consent_quota
        if quota and state.provider_consent_count() >= quota:
            return None, [error(codes.QUOTA_USED_UP)]
        return state.store(item, request_id=request_id), []

    def consent_add(self, *, body: Any, query: Any, v2: bool = False) -> Reply:
        state = self.server.state
        state.db.execute("BEGIN")
        try:
            result, found = self._apply(body, v2=v2)
        finally:
            state.db.execute("COMMIT")
        if found:
            raise refuse(found)
        return Reply(200, {"transactionId": result["transactionId"],
                           "creationDate": result["creationDate"]})

    def bulk_add(self, *, body: Any, query: Any, v2: bool = False) -> Reply:
        if not isinstance(body, list) or not body:
            raise fail(codes.BULK_INVALID)
        if len(body) > 1000:
            raise fail(codes.BULK_TOO_LARGE)
        quota = self.server.config.consent_quota
        if quota and self.server.state.provider_consent_count() >= quota:
            raise fail(codes.QUOTA_USED_UP)
        seen: set[tuple] = set()
        for index, item in enumerate(body):
            if isinstance(item, dict):
                key = (item.get("recipient"), item.get("recipientType"), item.get("type"))
                if key in seen:
                    found = error(codes.BULK_DUPLICATE, "recipient", item.get("recipient"))
                    raise Reply(422, {"errors": [{"index": index, **found}]})
                seen.add(key)
        request_id = uuid.uuid4().hex
        state = self.server.state
        results, subrequests = [], []
        state.db.execute("BEGIN")
        try:
            for index, item in enumerate(body):
                subrequest_id = uuid.uuid4().hex
                result, found = self._apply(item, request_id, v2=v2)
                entry = {"index": index, "subrequestId": subrequest_id}
                if found:
                    entry.update(status="failure", error={"code": found[0]["code"],
                                                          "message": found[0]["message"]})
                else:
                    original = result.pop("original", None)
                    entry.update(status="success", requestId=request_id, **result)
                    if original is not None:  # stored by an earlier request
                        entry["isAddConsentV2Service"] = True  # the schema: boolean
                        if original:
                            entry["originalRequestInformation"] = {"requestId": original}
                results.append(entry)
                subrequests.append({"subrequestId": subrequest_id,
                                    **(item if isinstance(item, dict) else {})})
            state.bulk_save(request_id, time.time() + self.server.config.bulk_delay, results)
        finally:
            state.db.execute("COMMIT")
        return Reply(202, {"requestId": request_id, "subRequests": subrequests})

    def bulk_result(self, request_id: str, *, body: Any, query: Any, v2: bool = False) -> Reply:
        if len(request_id) > 36:
            raise fail(codes.REQUEST_ID_TOO_LONG, "requestId", request_id)
        loaded = self.server.state.bulk_load(request_id)
        # Unknown, too old, or asked for before the results are ready: İYS answers an empty
        # list ("an empty answer does not mean the consents were not added").
        if loaded is None or time.time() < loaded[0]:
            return Reply(200, [])
        return Reply(200, loaded[1])

    def status_one(self, *, body: Any, query: Any) -> Reply:
        if not isinstance(body, dict):
            raise fail(codes.STATUS_REQUEST_INVALID)
        found = [error(missing if body.get(name) in (None, "") else invalid, name,
                       body.get(name))
                 for name, missing, invalid, allowed in (
                     ("recipient", codes.RECIPIENT_MISSING, codes.RECIPIENT_MISSING, None),
                     ("recipientType", codes.RECIPIENT_TYPE_MISSING,
                      codes.RECIPIENT_TYPE_INVALID, RECIPIENT_TYPES),
                     ("type", codes.TYPE_MISSING, codes.TYPE_INVALID, TYPES))
                 if body.get(name) in (None, "")
                 or (allowed is not None and body.get(name) not in allowed)]
        if found:
            raise refuse(found)
        stored = self.server.state.current(str(body["recipient"]), body["recipientType"],
                                           body["type"])
        # No consent stored: no error code is documented for it; İYS answers an empty object.
        return Reply(200, stored or {})

    def status_many(self, recipient_type: str, type_: str, *, body: Any, query: Any) -> Reply:
        if not isinstance(body, dict):
            raise fail(codes.INVALID_JSON)
        recipients = body.get("recipients")
        if recipients is None:
            raise fail(codes.RECIPIENTS_MISSING, "recipients")
        if not isinstance(recipients, list):
            raise fail(codes.RECIPIENTS_NOT_LIST, "recipients")
        if not recipients:
            raise fail(codes.RECIPIENTS_EMPTY, "recipients")
        if len(recipients) > 1000:
            raise fail(codes.RECIPIENTS_TOO_MANY, "recipients", len(recipients))
        state = self.server.state
        approved = [r for r in recipients if isinstance(r, str)
                    and (state.current(r, recipient_type, type_) or {}).get("status") == "ONAY"]
        return Reply(200, {"requestId": uuid.uuid4().hex, "list": approved})

    def changes(self, *, body: Any, query: dict[str, list[str]]) -> Reply:
        source = (query.get("source") or [""])[0]
        if source not in ("HS", "IYS"):
            raise fail(codes.CHANGES_SOURCE_INVALID, "source", source)
        raw_limit = (query.get("limit") or ["1000"])[0]
        try:
            limit = int(raw_limit)
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            raise fail(codes.CHANGES_LIMIT_INVALID, "limit", raw_limit)
        after_raw = (query.get("after") or [""])[0]
        # A cursor we cannot read (no code is documented for it) reads the window again:
        # the client skips the changes whose transactionId it has.
        after = decode_cursor(after_raw) if after_raw else None
        cursor, items = self.server.state.changes(
            source=source, after=after, limit=limit, now=time.time(),
            hold_back=self.server.config.changes_hold_back)
        if not items:
            return Reply(204, None)
        return Reply(200, {"after": cursor, "list": items})

    def _report_day(self, raw: str) -> tuple[float, float]:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            raise fail(codes.REPORT_DATE_FORMAT, "reportDate", raw) from None
        today = datetime.now(TURKEY).date()
        if not today - timedelta(days=7) <= day < today:
            raise fail(codes.REPORT_OUT_OF_RANGE, "reportDate", raw)
        start = datetime.combine(day, datetime.min.time(), TURKEY)
        return start.timestamp(), (start + timedelta(days=1)).timestamp()

    def daily_file(self, raw_date: str, *, body: Any, query: Any) -> Reply:
        start, end = self._report_day(raw_date)
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore")
        writer.writeheader()
        rows = self.server.state.day_changes(start, end)
        if not rows:
            return Reply(204, None)
        for row in rows:
            writer.writerow(row)
        return Reply(200, out.getvalue())

    def daily_summary(self, raw_date: str, recipient_type: str, *, body: Any,
                      query: Any) -> Reply:
        start, end = self._report_day(raw_date)
        if recipient_type not in RECIPIENT_TYPES:
            raise fail(codes.RECIPIENT_TYPE_INVALID, "recipientType", recipient_type)
        # The real shape (api-reference.md): per type, per side (HS: providers, IYS:
        # citizens) the ONAYs, RETs, those still queued in a bulk request, and the total.
        stats = {(t, side): {"source": side, "approval": 0, "rejection": 0, "pending": 0,
                             "total": 0} for t in TYPES for side in ("HS", "IYS")}
        for type_, side, status, pending, count in self.server.state.day_counts(
                start, end, recipient_type, now=time.time()):
            entry = stats[(type_, side)]
            entry["pending" if pending else
                  "approval" if status == "ONAY" else "rejection"] += count
            entry["total"] += count
        return Reply(200, {"changeStats": [
            {"type": t, "consents": [stats[(t, "HS")], stats[(t, "IYS")]]} for t in TYPES]})

    # --- iletiMerkezi -----------------------------------------------------------------------

    def provider_create(self, body: Any) -> Reply:
        config, state = self.server.config, self.server.state

        def answer(code: int, message: str) -> Reply:
            return Reply(code, {"response": {"status": {"code": code, "message": message}}})

        request = body.get("request") if isinstance(body, dict) else None
        request = request if isinstance(request, dict) else {}
        auth = request.get("authentication") or {}
        if (auth.get("key"), auth.get("hash")) != (config.iletimerkezi_key,
                                                   config.iletimerkezi_hash):
            return answer(401, "Üyelik bilgileri hatalı")
        if not config.iletimerkezi_active:
            return answer(403, "Aktif abonelik bulunamadı")
        consent = request.get("consent") or {}
        records = consent.get("list")
        if str(consent.get("brandCode", "")) != config.brand_code:
            return answer(422, "İstekte gönderilen bazı değerler doğrulanamadı: brandCode")
        if not isinstance(records, list) or not records:
            return answer(422, "İstekte gönderilen bazı değerler doğrulanamadı: list")
        if len(records) > 5000:
            return answer(475, "Alıcı sayısı 5000 kişiyi geçemez")
        if state.provider_count() + len(records) > config.iletimerkezi_quota:
            return answer(405, "Aylık kota aşıldı")
        now = datetime.now(TURKEY)
        for record in records:
            problem = iletimerkezi_record_error(record, now=now)
            if problem:
                return answer(422, f"İstekte gönderilen bazı değerler doğrulanamadı: {problem}")
        state.provider_store(str(consent["brandCode"]), records)
        return answer(200, "İşlem başarılı")


def serve(config: SandboxConfig, state: SandboxState, host: str = "127.0.0.1",
          port: int = 0) -> SandboxServer:
    """Start the sandbox in a background thread (tests); call ``shutdown()`` to stop it."""
    server = SandboxServer((host, port), config, state)
    thread = threading.Thread(target=server.serve_forever, name="iys-sandbox", daemon=True)
    thread.start()
    return server
