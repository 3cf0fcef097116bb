"""İYS failures as typed exceptions that say whether trying again can help.

One function (``error_from_response``) maps an HTTP answer to a class, as stripe-python does;
the retry loop in the client stops at once on a permanent error.
"""

from __future__ import annotations

from typing import Any

# Codes named in the İYS documentation and the open-source clients (see shared/iys-api.md),
# plus the codes our sandbox uses for the remaining validation rules. Both sides import them.
TOKEN_INVALID = "H351"
TOKEN_RATE_LIMIT = "H084"
RATE_LIMIT = "H124"
BULK_TOO_LARGE = "H125"
SAME_STATUS = "H174"
FIRST_IS_RET = "H175"
NOT_NEWER = "H178"
BULK_DUPLICATE = "H194"
NOT_FOUND = "H186"
INVALID_FIELD = "H101"
FUTURE_DATE = "H103"
BEFORE_2015 = "H104"
HS_2015_DATE = "H105"
HS_KARAR_STATUS = "H106"
TOO_LATE = "H107"
INVALID_RECIPIENT = "H108"
FIELD_REQUIRED = "H109"
REPORT_OUT_OF_RANGE = "H110"
WRONG_BRAND = "H111"
LOGIN_FAILED = "H350"

# Rejections that an earlier attempt of the very same consent also produces on a retry: the
# consent may already be stored in İYS, so the push verifies with a status query.
MAYBE_ALREADY_STORED = frozenset({SAME_STATUS, NOT_NEWER})


class IysError(Exception):
    """Base: keeps the HTTP status, the İYS code and the message (never a secret)."""

    retryable = False

    def __init__(self, message: str = "", *, status: int | None = None, code: str = "",
                 errors: list[dict[str, Any]] | None = None, retry_after: float | None = None):
        super().__init__(message or code or f"HTTP {status}")
        self.message = message or code or f"HTTP {status}"
        self.status = status
        self.code = code
        self.errors = errors or []
        self.retry_after = retry_after


class IysUnavailable(IysError):
    """Connection error, timeout or 5xx: İYS may answer later."""

    retryable = True


class IysRateLimited(IysError):
    """HTTP 429 (H124): too many requests per second; wait Retry-After."""

    retryable = True


class IysAuthError(IysError):
    """Bad credentials or a token İYS refuses (H351); not fixed by retrying as is."""


class IysTokenRateLimited(IysAuthError):
    """H084: too many token requests; token requests pause for an hour."""


class IysValidationError(IysError):
    """HTTP 422: İYS rejects what we sent. Permanent for this consent."""


class IysNotFound(IysError):
    """No consent stored for this recipient and type."""


class IysProtocolError(IysError):
    """An answer that does not follow the contract."""


def error_from_response(status: int, body: Any, *, retry_after: float | None = None) -> IysError:
    errors = body.get("errors") if isinstance(body, dict) else None
    errors = errors if isinstance(errors, list) else []
    first = errors[0] if errors and isinstance(errors[0], dict) else {}
    code = str(first.get("code", ""))
    message = str(first.get("message", "")) or f"HTTP {status}"
    kwargs = {"status": status, "code": code, "errors": errors}
    if code == TOKEN_RATE_LIMIT:
        return IysTokenRateLimited(message, **kwargs)
    if status == 429 or code == RATE_LIMIT:
        return IysRateLimited(message, retry_after=retry_after, **kwargs)
    if status in (401, 403):
        return IysAuthError(message, **kwargs)
    if status == 404 or code == NOT_FOUND:
        return IysNotFound(message, **kwargs)
    if status >= 500:
        return IysUnavailable(message, **kwargs)
    if status in (400, 422):
        return IysValidationError(message, **kwargs)
    return IysProtocolError(message, **kwargs)
