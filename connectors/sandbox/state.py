"""The sandbox's state: a SQLite file in its state directory, so it survives a restart."""

from __future__ import annotations

import base64
import json
import random
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.sandbox.rules import CITIZEN_SOURCES, TURKEY, format_date

SCHEMA = """
CREATE TABLE IF NOT EXISTS consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient TEXT NOT NULL, recipient_type TEXT NOT NULL, type TEXT NOT NULL,
    status TEXT NOT NULL, source TEXT, consent_date TEXT,
    creation_ts REAL NOT NULL, transaction_id TEXT NOT NULL UNIQUE,
    change_source TEXT NOT NULL, request_id TEXT, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS consents_key ON consents (recipient, recipient_type, type, id);
CREATE INDEX IF NOT EXISTS consents_changes ON consents (change_source, creation_ts, id);
CREATE TABLE IF NOT EXISTS bulk_requests (
    request_id TEXT PRIMARY KEY, ready_ts REAL NOT NULL, results TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS provider_consents (
    id INTEGER PRIMARY KEY AUTOINCREMENT, brand_code TEXT, recipient TEXT, recipient_type TEXT,
    type TEXT, status TEXT, source TEXT, consent_date TEXT, created_ts REAL
);
CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT, method TEXT, path TEXT, query TEXT,
    status INTEGER, ts REAL
);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def encode_cursor(creation_ts: float, row_id: int) -> str:
    return base64.urlsafe_b64encode(f"{creation_ts!r}:{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[float, int] | None:
    try:
        ts, row_id = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        return float(ts), int(row_id)
    except (ValueError, UnicodeDecodeError):
        return None


class SandboxState:
    """All reads and writes of one sandbox; thread-safe (one connection, one lock)."""

    def __init__(self, state_dir: str | Path):
        path = Path(state_dir)
        path.mkdir(parents=True, exist_ok=True)
        self.path = path / "iys-sandbox.sqlite3"
        self.lock = threading.RLock()
        self.db = sqlite3.connect(self.path, check_same_thread=False, timeout=30,
                                  isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    # --- consents ---------------------------------------------------------------------------

    def current(self, recipient: str, recipient_type: str, type_: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT * FROM consents WHERE recipient=? AND recipient_type=? AND type=? "
            "ORDER BY id DESC LIMIT 1", (recipient, recipient_type, type_)).fetchone()
        return self.as_wire(row) if row else None

    def store(self, item: dict[str, Any], *, change_source: str = "HS",
              request_id: str = "", creation_ts: float | None = None) -> dict[str, Any]:
        creation_ts = time.time() if creation_ts is None else creation_ts
        transaction_id = uuid.uuid4().hex
        self.db.execute(
            "INSERT INTO consents (recipient, recipient_type, type, status, source, consent_date,"
            " creation_ts, transaction_id, change_source, request_id, body)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (item["recipient"], item["recipientType"], item["type"], item["status"],
             item.get("source"), item.get("consentDate"), creation_ts, transaction_id,
             change_source, request_id, json.dumps(item)))
        return {"transactionId": transaction_id,
                "creationDate": format_date(datetime.fromtimestamp(creation_ts, TURKEY))}

    def request_of(self, transaction_id: str) -> str:
        """The bulk request a stored consent came with ("" for a single add)."""
        row = self.db.execute("SELECT request_id FROM consents WHERE transaction_id=?",
                              (transaction_id,)).fetchone()
        return (row["request_id"] or "") if row else ""

    @staticmethod
    def as_wire(row: sqlite3.Row) -> dict[str, Any]:
        body = json.loads(row["body"])
        wire = {"recipient": row["recipient"], "recipientType": row["recipient_type"],
                "type": row["type"], "status": row["status"], "source": row["source"],
                "consentDate": row["consent_date"],
                "creationDate": format_date(datetime.fromtimestamp(row["creation_ts"], TURKEY)),
                "transactionId": row["transaction_id"]}
        if body.get("retailerCode") is not None:  # absent, not null, when there is none
            wire["retailerCode"] = body["retailerCode"]
            wire["retailerAccessCount"] = len(body.get("retailerAccess") or [])
        return {key: value for key, value in wire.items() if value is not None}

    def changes(self, *, source: str, after: tuple[float, int] | None, limit: int,
                now: float, hold_back: float) -> tuple[str, list[dict[str, Any]]]:
        low_ts, low_id = after or (now - 7 * 86400 - 1, 0)
        rows = self.db.execute(
            "SELECT * FROM consents WHERE change_source=? AND creation_ts >= ? "
            "AND creation_ts <= ? AND (creation_ts > ? OR (creation_ts = ? AND id > ?)) "
            "ORDER BY creation_ts, id LIMIT ?",
            (source, now - 7 * 86400, now - hold_back, low_ts, low_ts, low_id, limit)).fetchall()
        if not rows:
            return "", []
        last = rows[-1]
        return encode_cursor(last["creation_ts"], last["id"]), [self.as_wire(r) for r in rows]

    def day_changes(self, start_ts: float, end_ts: float) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT * FROM consents WHERE creation_ts >= ? AND creation_ts < ? "
            "ORDER BY creation_ts, id", (start_ts, end_ts)).fetchall()
        return [self.as_wire(r) for r in rows]

    def day_counts(self, start_ts: float, end_ts: float, recipient_type: str, *, now: float
                   ) -> list[tuple[str, str, str, bool, int]]:
        """(type, HS or IYS, status, still queued in its bulk request, count) of a day."""
        with self.lock:
            rows = self.db.execute(
                "SELECT c.type, c.change_source, c.status, "
                "COALESCE(b.ready_ts > ?, 0), COUNT(*) FROM consents c "
                "LEFT JOIN bulk_requests b ON b.request_id = c.request_id "
                "WHERE c.creation_ts >= ? AND c.creation_ts < ? AND c.recipient_type = ? "
                "GROUP BY 1, 2, 3, 4", (now, start_ts, end_ts, recipient_type)).fetchall()
        return [(r[0], r[1], r[2], bool(r[3]), r[4]) for r in rows]

    def seed_citizen_changes(self, count: int, *, seed: int = 1) -> None:
        """Citizens' own consents made in İYS (source=IYS) over the last six days."""
        rng = random.Random(seed)
        now = time.time()
        start = now - 6 * 86400
        step = (5 * 86400) / max(count, 1)
        with self.lock:
            self.db.execute("BEGIN")
            for n in range(count):
                type_ = "EPOSTA" if n % 3 == 2 else "MESAJ"
                recipient = (f"vatandas{n}@example.com" if type_ == "EPOSTA"
                             else f"+90555{n:07d}")
                when = datetime.fromtimestamp(start + n * step, TURKEY)
                self.store({"recipient": recipient, "recipientType": "BIREYSEL", "type": type_,
                            "status": "ONAY" if rng.random() < 0.4 else "RET",
                            "source": rng.choice(CITIZEN_SOURCES),
                            "consentDate": format_date(when - timedelta(minutes=1))},
                           change_source="IYS", creation_ts=start + n * step)
            self.db.execute("COMMIT")

    def citizen_change(self, *, recipient: str, type_: str, status: str,
                       recipient_type: str = "BIREYSEL", age: float = 7200) -> dict[str, Any]:
        """One citizen change made in İYS ``age`` seconds ago (default: two hours)."""
        created = time.time() - age
        with self.lock:
            return self.store({"recipient": recipient, "recipientType": recipient_type,
                               "type": type_, "status": status, "source": "IYS_MOBIL",
                               "consentDate": format_date(datetime.fromtimestamp(created - 60,
                                                                                 TURKEY))},
                              change_source="IYS", creation_ts=created)

    # --- bulk requests ----------------------------------------------------------------------

    def bulk_save(self, request_id: str, ready_ts: float, results: list[dict[str, Any]]) -> None:
        self.db.execute("INSERT INTO bulk_requests VALUES (?,?,?)",
                        (request_id, ready_ts, json.dumps(results)))

    def bulk_load(self, request_id: str) -> tuple[float, list[dict[str, Any]]] | None:
        row = self.db.execute("SELECT * FROM bulk_requests WHERE request_id=?",
                              (request_id,)).fetchone()
        return (row["ready_ts"], json.loads(row["results"])) if row else None

    # --- provider, log, counters ------------------------------------------------------------

    def provider_store(self, brand_code: str, records: list[dict[str, Any]]) -> None:
        now = time.time()
        self.db.executemany(
            "INSERT INTO provider_consents (brand_code, recipient, recipient_type, type, status,"
            " source, consent_date, created_ts) VALUES (?,?,?,?,?,?,?,?)",
            [(brand_code, r["recipient"], r["recipientType"], r["type"], r["status"],
              r["source"], r["consentDate"], now) for r in records])

    def provider_consent_count(self) -> int:
        """Consents added through the API (not citizens'): what the subscription quota counts."""
        return self.db.execute("SELECT COUNT(*) FROM consents WHERE change_source='HS'"
                               ).fetchone()[0]

    def provider_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM provider_consents").fetchone()[0]

    def log(self, method: str, path: str, query: str, status: int) -> None:
        with self.lock:
            self.db.execute("INSERT INTO requests (method, path, query, status, ts) "
                            "VALUES (?,?,?,?,?)", (method, path, query, status, time.time()))

    def requests(self, path_contains: str = "") -> list[dict[str, Any]]:
        with self.lock:
            rows = self.db.execute("SELECT * FROM requests WHERE path LIKE ? ORDER BY id",
                                   (f"%{path_contains}%",)).fetchall()
        return [dict(r) for r in rows]

    def request_counts(self, kind: Callable[[str, str], str]) -> dict[str, int]:
        """How many requests were received, by ``kind(method, path)``."""
        with self.lock:
            rows = self.db.execute("SELECT method, path, COUNT(*) FROM requests "
                                   "GROUP BY method, path").fetchall()
        counts: Counter[str] = Counter()
        for method, path, count in rows:
            counts[kind(method, path)] += count
        return dict(counts)

    def bump(self, name: str, by: int = 1) -> None:
        with self.lock:
            self.db.execute("INSERT INTO counters VALUES (?, ?) ON CONFLICT(name) "
                            "DO UPDATE SET value = value + ?", (name, by, by))

    def counter(self, name: str) -> int:
        with self.lock:
            row = self.db.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()
        return row[0] if row else 0

    def consent_rows(self, change_source: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            query = "SELECT * FROM consents"
            params: tuple = ()
            if change_source:
                query, params = query + " WHERE change_source=?", (change_source,)
            return [dict(r) for r in self.db.execute(query + " ORDER BY id", params)]
