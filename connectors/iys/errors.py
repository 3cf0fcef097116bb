"""İYS failures as typed exceptions that say what to do next.

The codes and HTTP statuses are those of the official table (``shared/iys-official/
error-codes.md``); both the client and the sandbox import them from here. One function
(``error_from_response``) maps an HTTP answer to a class, as stripe-python does:

- retryable (``retryable``): the per-second and per-hour limits (429), H123 "service busy",
  5xx, connection errors and timeouts;
- stopping (``stops_push``): 401/403 (credentials, brand, subscription) and the subscription
  codes, H525 (consent quota used up) included: retrying each consent cannot help, an admin
  must act, and the settings page says why;
- permanent for that consent: every other 400/422 (the rule codes).
"""

from __future__ import annotations

from typing import Any

# --- the official codes we send (sandbox) or act on (client) -------------------------------
INVALID_JSON = "H014"                  # 400
SERVER_ERROR = "H015"                  # 500
RATE_LIMIT_PER_SECOND = "H083"         # 429
TOKEN_RATE_LIMIT = "H084"              # 429, tokens per hour
STATUS_QUERY_LIMIT = "H086"            # 429, single status queries per hour
HISTORY_LIMIT = "H089"                 # 429, history queries per hour
BULK_INVALID = "H092"                  # 400, the bulk body is not a list of consents
STATUS_REQUEST_INVALID = "H097"        # 400
STATUS_MISSING = "H110"                # 422
TYPE_MISSING = "H111"
DATE_MISSING = "H112"
SOURCE_MISSING = "H113"
RECIPIENT_MISSING = "H114"
STATUS_INVALID = "H115"
RECIPIENT_TYPE_INVALID = "H116"
TYPE_INVALID = "H117"
FIELD_UNKNOWN = "H118"
SOURCE_INVALID = "H119"
EMAIL_INVALID = "H120"
PHONE_INVALID = "H121"
BUSY = "H123"                          # 400 "service busy, try later": retryable
RATE_LIMIT = "H124"                    # 429
BULK_TOO_LARGE = "H125"                # 422
RETAILERS_TOO_MANY = "H126"
RECIPIENTS_TOO_MANY = "H127"           # 422
INTEGRATOR_NOT_FOUND = "H129"          # 404
HS_2015_DATE = "H155"                  # 422
BEFORE_2015 = "H156"
DATE_INVALID = "H157"
DATE_FORMAT = "H158"
PHONE_TOO_LONG = "H160"
FUTURE_DATE = "H162"
RECIPIENTS_EMPTY = "H164"
RECIPIENTS_MISSING = "H168"
RECIPIENT_TYPE_MISSING = "H170"
SAME_STATUS = "H174"                   # 400
FIRST_IS_RET = "H175"                  # 400
NOT_NEWER = "H178"                     # 400
LIMIT_INVALID = "H183"                 # 422
BULK_DUPLICATE = "H194"                # 422
REQUEST_ID_TOO_LONG = "H198"           # 422
LOGIN_MISSING = "H250"                 # 400
LOGIN_FAILED = "H251"                  # 401
TOKEN_INVALID = "H351"                 # 401
NOT_YOUR_BRAND = "H353"                # 403
NO_RIGHT = "H355"                      # 404 "the user lacks this right"
HS_KARAR_STATUS = "H408"               # 422
TACIR_DATE_REQUIRED = "H462"           # 400, a TACIR update needs consentDate
TACIR_SOURCE_REQUIRED = "H463"         # 400, a TACIR update needs source
MESAJ_NEEDS_PHONE = "H464"             # 422
TOO_LATE = "H467"                      # 422, older than 3 business days
RECIPIENTS_NOT_LIST = "H478"           # 422
REPORT_DATE_FORMAT = "H501"            # 422
REPORT_OUT_OF_RANGE = "H502"           # 422, at most 7 days back
CHANGES_SOURCE_INVALID = "H506"        # 422
CHANGES_LIMIT_INVALID = "H507"         # 422, limit at most 1000
AGREEMENT_STATUS_INVALID = "H512"      # 422
SUBSCRIPTION_PAUSED = "H520"           # 403
SUBSCRIPTION_CLOSED = "H521"           # 403
SUBSCRIPTION_NOT_FOUND = "H524"        # 403
QUOTA_USED_UP = "H525"                 # 422
SUBSCRIPTION_NO_API = "H586"           # 403

# 429 codes and H123 are worth waiting for; these stop the push until an admin acts.
RETRYABLE_CODES = frozenset({RATE_LIMIT_PER_SECOND, RATE_LIMIT, STATUS_QUERY_LIMIT,
                             HISTORY_LIMIT, BUSY})
SUBSCRIPTION_CODES = frozenset({SUBSCRIPTION_PAUSED, SUBSCRIPTION_CLOSED,
                                SUBSCRIPTION_NOT_FOUND, SUBSCRIPTION_NO_API, QUOTA_USED_UP})

# Rejections that an earlier attempt of the very same consent also produces on a retry: the
# consent may already be stored in İYS, so the push verifies with a status query.
MAYBE_ALREADY_STORED = frozenset({SAME_STATUS, NOT_NEWER})


class IysError(Exception):
    """Base: keeps the HTTP status, the İYS code and the message (never a secret)."""

    retryable = False
    stops_push = False

    def __init__(self, message: str = "", *, status: int | None = None, code: str = "",
                 errors: list[dict[str, Any]] | None = None, retry_after: float | None = None):
        super().__init__(message or code or f"HTTP {status}")
        self.message = message or code or f"HTTP {status}"
        self.status = status
        self.code = code
        self.errors = errors or []
        self.retry_after = retry_after


class IysUnavailable(IysError):
    """Connection error, timeout, 5xx or H123 (busy): İYS may answer later."""

    retryable = True


class IysRateLimited(IysError):
    """HTTP 429 (H083/H124 per second, H086/H089 per hour): wait Retry-After."""

    retryable = True


class IysAuthError(IysError):
    """Bad credentials, a token İYS refuses (H351), or no right to this brand (401/403)."""

    stops_push = True


class IysTokenRateLimited(IysAuthError):
    """H084: too many token requests; token requests pause for an hour."""

    stops_push = False  # it lapses by itself after the pause


class IysSubscriptionError(IysError):
    """The İYS subscription does not allow this (H520/H521/H524/H586) or its consent quota is
    used up (H525): no consent can go until the subscription is fixed."""

    stops_push = True


class IysValidationError(IysError):
    """HTTP 400/422 with a rule code: İYS rejects what we sent. Permanent for this consent."""


class IysNotFound(IysError):
    """HTTP 404: no such integrator, request or right."""


class IysProtocolError(IysError):
    """An answer that does not follow the contract."""


def error_class(status: int, code: str) -> type[IysError]:
    """The class of an İYS failure from its HTTP status and code (the official table)."""
    if code == TOKEN_RATE_LIMIT:
        return IysTokenRateLimited
    if code in SUBSCRIPTION_CODES:
        return IysSubscriptionError
    if status == 429 or code in RETRYABLE_CODES:
        return IysRateLimited if status == 429 else IysUnavailable
    if status in (401, 403):
        return IysAuthError
    if status == 404:
        return IysNotFound
    if status >= 500:
        return IysUnavailable
    if status in (400, 422):
        return IysValidationError
    return IysProtocolError


def error_from_response(status: int, body: Any, *, retry_after: float | None = None) -> IysError:
    errors = body.get("errors") if isinstance(body, dict) else None
    errors = errors if isinstance(errors, list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = str(first.get("code", ""))
    message = str(first.get("message", ""))
    if not message and isinstance(body, dict):  # the token endpoint's OAuth2 answer
        message = str(body.get("error_description") or body.get("error") or "")
    cls = error_class(status, code)
    return cls(message or f"HTTP {status}", status=status, code=code, errors=errors,
               retry_after=retry_after if cls.retryable else None)
