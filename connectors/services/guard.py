"""The whitelist guard: İYS removes an IP address from its whitelist when, over 24 hours with
at least 20,000 requests, under 70% of them succeed (answers 400, 401, 403, 404 and 422 count
as failures; limits.md). Every answer İYS gives is counted here per hour (in the cache, shared
by every worker); well before İYS's rule could trigger (by default: 2,000 requests and under
90% success over 24 hours) the connector stops and the admins are told why."""

import time

from django.core.cache import cache
from django.core.mail import mail_admins
from django.utils.translation import gettext as _

from connectors.conf import setting
from connectors.models import IysConnector

CLIENT_FAILURES = frozenset({400, 401, 403, 404, 422})
HOURS = 24


def _bucket(kind: str, hour: int) -> str:
    return f"iys-whitelist:{kind}:{hour}"


def iys_answer_record(status: int) -> None:
    """Count one answer of İYS (the client calls it for each)."""
    hour = int(time.time() // 3600)
    kinds = ["total", "failed"] if status in CLIENT_FAILURES else ["total"]
    for kind in kinds:
        key = _bucket(kind, hour)
        cache.add(key, 0, timeout=(HOURS + 1) * 3600)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=(HOURS + 1) * 3600)


def iys_success_ratio() -> tuple[int, float]:
    """Requests and the share that succeeded over the last 24 hours."""
    hour = int(time.time() // 3600)
    hours = range(hour - HOURS + 1, hour + 1)
    found = cache.get_many([_bucket(k, h) for k in ("total", "failed") for h in hours])
    total = sum(found.get(_bucket("total", h), 0) for h in hours)
    failed = sum(found.get(_bucket("failed", h), 0) for h in hours)
    return total, (1.0 - failed / total) if total else 1.0


def whitelist_guard_check(connector: IysConnector) -> str:
    """Stop the connector (and tell the admins) when İYS's success rule comes near; returns
    the reason, or "" when all is well."""
    total, ratio = iys_success_ratio()
    floor = setting("IYS_WHITELIST_GUARD_PERCENT") / 100
    if total < setting("IYS_WHITELIST_GUARD_MIN_REQUESTS") or ratio >= floor:
        return ""
    reason = _("Only %(percent).1f%% of the last 24 hours' %(total)d requests to İYS "
               "succeeded. İYS removes an address from its whitelist under 70%%, so the "
               "connector stopped at %(floor)d%%. Look at the rejections and errors, fix their "
               "cause, then save this page to resume.") % {
        "percent": ratio * 100, "total": total, "floor": round(floor * 100)}
    IysConnector.objects.filter(pk=connector.pk).update(blocked_reason=reason)
    mail_admins(_("İYS connector stopped: too many failed requests"), reason)
    return reason
