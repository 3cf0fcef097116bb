"""İYS's request limits (limits.md), kept by one limiter that every worker shares.

İYS counts per IP address: 10 requests a second (429 H083/H124), 1000 single status queries
an hour (H086), 100 consent-history queries an hour (H089), and a limit on token requests an
hour (H084). Every Celery worker and web process of one installation leaves through the same
address, so the counts live in Redis: a sliding log per window (a sorted set of admission
times) kept by one Lua script on Redis's own clock, so that workers' clocks cannot disagree
and no burst passes at a window's edge. (The ``limits`` library's Redis moving window let up
to 11 through in a second when asked for 8, measured here; a sliding log is exact.) Without
Redis (``make run`` on SQLite) the same log lives in the process.
"""

from __future__ import annotations

import collections
import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis

from connectors.iys.errors import IysError

# KEYS[1]: the log; ARGV: window (ms), limit. Returns 0 when admitted (and logs it), else the
# milliseconds until the oldest entry leaves the window.
_ADMIT = """
local now = redis.call('TIME')
local ms = now[1] * 1000 + math.floor(now[2] / 1000)
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], ms, ms .. '-' .. now[2] .. '-' .. math.random(1000000))
  redis.call('PEXPIRE', KEYS[1], window)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - ms)
"""


@dataclass(frozen=True)
class IysLimits:
    """A little under İYS's own limits: a request admitted at the end of one of our windows
    may reach İYS in the next one."""

    per_second: int = 7
    status_per_hour: int = 950
    history_per_hour: int = 95
    tokens_per_hour: int = 90


class IysBudgetUsed(IysError):
    """An hourly budget (single status queries, history, tokens) is used up: the job stops
    and the next run continues; waiting the hour inside a job would hold its worker."""


def request_kind(method: str, path: str) -> str:
    """Which of İYS's limits a request counts against besides the per-second one."""
    if path == "/oauth2/token":
        return "token"
    if method == "POST" and path.endswith("/consents/status"):
        return "status"
    if method == "POST" and path.endswith("/consents/history"):
        return "history"
    return "request"


class _MemoryLog:
    """The same sliding log in the process (no Redis)."""

    def __init__(self) -> None:
        self._logs: dict[str, collections.deque[float]] = collections.defaultdict(
            collections.deque)
        self._lock = threading.Lock()

    def __call__(self, keys: list[str], args: list[int]) -> int:
        window, limit = args[0] / 1000, args[1]
        now = time.monotonic()
        with self._lock:
            log = self._logs[keys[0]]
            while log and log[0] <= now - window:
                log.popleft()
            if len(log) < limit:
                log.append(now)
                return 0
            return max(1, int((log[0] + window - now) * 1000))


class RequestLimiter:
    """``acquire(kind)`` before each request: waits for the per-second window, raises
    IysBudgetUsed when an hourly budget is spent."""

    def __init__(self, storage_uri: str = "memory://", limits: IysLimits | None = None, *,
                 key: str = "iys", sleep: Callable[[float], None] = time.sleep):
        self.limits = limits or IysLimits()
        if storage_uri.startswith(("redis://", "rediss://", "unix://")):
            self._admit = redis.Redis.from_url(storage_uri).register_script(_ADMIT)
        else:
            self._admit = _MemoryLog()
        self._key = key
        self._sleep = sleep
        self._hourly = {"status": self.limits.status_per_hour,
                        "history": self.limits.history_per_hour,
                        "token": self.limits.tokens_per_hour}

    def acquire(self, kind: str = "request") -> None:
        hourly = self._hourly.get(kind)
        if hourly is not None:
            wait = int(self._admit(keys=[f"{self._key}:{kind}:hour"], args=[3_600_000, hourly]))
            if wait:
                raise IysBudgetUsed(f"the hour's {kind} requests to İYS are used up; the next "
                                    f"run continues", retry_after=wait / 1000)
        while wait := int(self._admit(keys=[f"{self._key}:second"],
                                      args=[1000, self.limits.per_second])):
            self._sleep(wait / 1000)


@functools.cache
def shared_limiter(storage_uri: str, key: str) -> RequestLimiter:
    """One limiter (and one Redis connection pool) per process, storage and installation."""
    return RequestLimiter(storage_uri, key=key)
