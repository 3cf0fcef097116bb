"""Rate limits of the API, per key and per client IP, counted in Redis so that every web
worker shares them (the ``limits`` library; in-memory when the panel runs without Redis).

Three limits, each a string such as "600/minute" from the environment (config.settings):
- every request from one IP (API_RATE_LIMIT_PER_IP);
- every request made with one key (API_RATE_LIMIT_PER_KEY);
- failed authentications from one IP (API_RATE_LIMIT_AUTH_FAILURES): past it, the IP is
  refused before its key is even looked at, so keys cannot be guessed at speed.

Counting must never take the API down: when the store cannot be reached, the request goes
through and a warning is logged.
"""

import logging
import math
import time
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import SlidingWindowCounterRateLimiter

from api.responses import error_response

logger = logging.getLogger(__name__)
KEY_PREFIX = "iys-hub-api-limits"


@lru_cache(maxsize=4)
def _storage(uri: str) -> Storage:
    options = {"key_prefix": KEY_PREFIX} if uri.startswith(("redis", "rediss")) else {}
    return storage_from_string(uri, **options)


@lru_cache(maxsize=4)
def _limiter(uri: str) -> SlidingWindowCounterRateLimiter:
    # A sliding window counter: two counters a key, no burst of twice the limit at a window's
    # edge as a fixed window allows.
    return SlidingWindowCounterRateLimiter(_storage(uri))


@lru_cache(maxsize=16)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


def limiter() -> SlidingWindowCounterRateLimiter:
    return _limiter(settings.API_RATE_LIMIT_STORAGE)


def client_ip(request: HttpRequest) -> str:
    """The address the request came from. Behind a reverse proxy, the proxy must pass the
    client's address as REMOTE_ADDR (e.g. gunicorn's --forwarded-allow-ips with a trusted
    proxy); a header the client can write would let it pick its own bucket."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def _retry_after(limit: RateLimitItem, *identifiers: str) -> int:
    reset_at = limiter().get_window_stats(limit, *identifiers).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def rate_limit_hit(setting: str, *identifiers: str) -> int | None:
    """Count one request against the limit in settings.<setting>; the seconds to wait when it
    is over the limit, else None."""
    limit = _limit(getattr(settings, setting))
    try:
        if limiter().hit(limit, setting, *identifiers):
            return None
        return _retry_after(limit, setting, *identifiers)
    except Exception:  # the store is down: serve rather than refuse everyone
        logger.warning("API rate limit store unreachable; %s not counted", setting,
                       exc_info=True)
        return None


def rate_limit_reached(setting: str, *identifiers: str) -> int | None:
    """Like rate_limit_hit, without counting: for limits counted only on failure."""
    limit = _limit(getattr(settings, setting))
    try:
        if limiter().test(limit, setting, *identifiers):
            return None
        return _retry_after(limit, setting, *identifiers)
    except Exception:
        logger.warning("API rate limit store unreachable; %s not checked", setting,
                       exc_info=True)
        return None


def rate_limits_reset() -> None:
    """Forget every count (tests, or an operator after a false alarm)."""
    _storage(settings.API_RATE_LIMIT_STORAGE).reset()


def too_many_requests(retry_after: int) -> JsonResponse:
    response = error_response({"__all__": [
        _("Too many requests; try again in %(seconds)d seconds.") % {"seconds": retry_after}]},
        status=429)
    response["Retry-After"] = str(retry_after)
    return response
