"""The dashboard: summary tables refreshed by beat (``dashboard_refresh``), read cheaply.

Refreshed by beat every minute (task ``insights.dashboard_refresh``), never by a request:
- the headline numbers (one pass over contacts, one over current consents) go into the one
  ``DashboardSnapshot`` row;
- the per-day counts are added to ``DailyCount`` from the consent events after a cursor
  (events are append-only and their ids grow), so each run reads only the new events.
A page view reads one row, a few hundred daily rows, ten uploads and the connector.
"""

import json
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from connectors.models import IysConnector
from consents.choices import OPEN_STATES, TYPE_OF_CHANNEL, Channel, IysState, Permission
from consents.models import Consent, ConsentEvent, Contact
from consents.rules import TURKEY
from consents.selectors import sendable_q
from insights.models import DailyCount, DailyCountCursor, DashboardSnapshot
from uploads.models import Upload

CHANNELS = (Channel.SMS, Channel.EMAIL, Channel.CALL)
# The identifier each channel needs.
RECIPIENT_FIELD = {Channel.SMS: "phone", Channel.EMAIL: "email", Channel.CALL: "phone"}
# Why a consent stays local (its iys_error_code, set by the push and the pull).
LOCAL_REASONS = {
    "": gettext_lazy("Not for İYS (kept here only)"),
    "LATE": gettext_lazy("Too late: older than 3 business days"),
    "NOT_PERMITTED": gettext_lazy("Channel not permitted for the brand"),
    "SYNC_UNKNOWN": gettext_lazy("Unknown to İYS (Sync mode)"),
    "ALREADY_IN_IYS": gettext_lazy("Already held by İYS"),
    "SUPERSEDED": gettext_lazy("Superseded by a newer record"),
    "IYS_NO_ONAY": gettext_lazy("RET kept here: İYS holds no ONAY"),
    "ILETIMERKEZI_422": gettext_lazy("Refused by iletiMerkezi"),
}
ORIGINS = {
    "upload": gettext_lazy("Upload"), "api": gettext_lazy("API"),
    "iys_pull": gettext_lazy("İYS pull"), "admin": gettext_lazy("Panel"),
    "system": gettext_lazy("System"),
}
# The meaning of each İYS error code, from İYS's documentation (Turkish, as İYS writes it).
IYS_ERROR_MEANINGS: dict[str, str] = json.loads(
    (Path(__file__).parent / "data" / "iys_error_codes.json").read_text(encoding="utf-8"))["codes"]
PERIODS = (30, 90, 365)
# Events younger than this are left for the next run: a transaction that drew its ids
# earlier may not have committed yet, and a skipped id would never be counted.
SETTLE = timedelta(minutes=1)
EVENTS_PER_RUN = 2_000_000
TOP_REJECTIONS = 8


def _headline() -> dict[str, Any]:
    contacts = Contact.objects.aggregate(**{
        f"{channel}_{name}": Count("pk", filter=condition)
        for channel in CHANNELS
        for name, condition in (
            ("contacts", Q(**{f"{RECIPIENT_FIELD[channel]}__isnull": False})),
            ("opt_in", Q(**{f"{channel}_permission": Permission.OPT_IN})),
            ("sendable", sendable_q(channel)),
        )})
    numbers: dict[str, Any] = {
        str(channel): {"contacts": contacts[f"{channel}_contacts"],
                       "opt_in": contacts[f"{channel}_opt_in"],
                       "sendable": contacts[f"{channel}_sendable"],
                       "pending": 0, "rejected": 0, "local": {}}
        for channel in CHANNELS}
    type_channel = {str(TYPE_OF_CHANNEL[c]): str(c) for c in CHANNELS}
    rows = (Consent.objects.current().values("type", "iys_state", "iys_error_code")
            .annotate(n=Count("pk")).order_by())
    for row in rows:
        channel = numbers[type_channel[row["type"]]]
        state = row["iys_state"]
        if state in OPEN_STATES:
            channel["pending"] += row["n"]
        elif state == IysState.REJECTED:
            channel["rejected"] += row["n"]
        elif state in (IysState.LOCAL, IysState.SUPERSEDED):
            code = row["iys_error_code"]
            channel["local"][code] = channel["local"].get(code, 0) + row["n"]
    return numbers


def _rejections() -> list[list[Any]]:
    rows = (Consent.objects.filter(iys_state=IysState.REJECTED).values("iys_error_code")
            .annotate(n=Count("pk"), message=Max("iys_error_message"))
            .order_by("-n")[:TOP_REJECTIONS])
    return [[r["iys_error_code"] or "?", r["n"], r["message"]] for r in rows]


# Each event's metric: consents and bare permission changes count as opt-ins or opt-outs (by
# origin); delivery events as İYS's answers (accepted, rejected, too late).
_DAILY_SQL = """
INSERT INTO insights_dailycount (day, metric, origin, count)
SELECT day, metric, origin, count(*) FROM (
    SELECT (e.created_at AT TIME ZONE %(tz)s)::date AS day,
        CASE e.kind
            WHEN 'consent' THEN CASE e.after->>'status' WHEN 'ONAY' THEN 'opt_in'
                                                       WHEN 'RET' THEN 'opt_out' END
            WHEN 'permission' THEN CASE e.after #>> '{}' WHEN 'opt_in' THEN 'opt_in'
                                                         WHEN 'opt_out' THEN 'opt_out' END
            WHEN 'delivery' THEN CASE WHEN e.after->>'iys_state' = 'accepted' THEN 'accepted'
                                      WHEN e.after->>'iys_state' = 'rejected' THEN 'rejected'
                                      WHEN e.after->>'error_code' = 'LATE' THEN 'late' END
        END AS metric,
        CASE WHEN e.kind = 'delivery' THEN '' ELSE e.origin END AS origin
    FROM consents_consentevent AS e
    WHERE e.id > %(after)s AND e.id <= %(upto)s AND e.kind IN ('consent', 'permission', 'delivery')
) AS counted
WHERE metric IS NOT NULL
GROUP BY day, metric, origin
ON CONFLICT (day, metric, origin) DO UPDATE SET count = insights_dailycount.count + EXCLUDED.count
"""


def _daily_portable(after: int, upto: int) -> None:
    """The same counting in Python (SQLite for `make run`)."""
    counts: dict[tuple[date, str, str], int] = {}
    events = (ConsentEvent.objects.filter(pk__gt=after, pk__lte=upto,
                                          kind__in=["consent", "permission", "delivery"])
              .values_list("created_at", "kind", "after", "origin").iterator())
    for created_at, kind, after_value, origin in events:
        metric = None
        if kind == "consent" and isinstance(after_value, dict):
            metric = {"ONAY": "opt_in", "RET": "opt_out"}.get(after_value.get("status"))
        elif kind == "permission":
            metric = after_value if after_value in ("opt_in", "opt_out") else None
        elif kind == "delivery" and isinstance(after_value, dict):
            state = after_value.get("iys_state")
            metric = (state if state in ("accepted", "rejected")
                      else "late" if after_value.get("error_code") == "LATE" else None)
            origin = ""
        if metric:
            key = (timezone.localtime(created_at, TURKEY).date(), metric, origin)
            counts[key] = counts.get(key, 0) + 1
    for (day, metric, origin), n in counts.items():
        row, _created = DailyCount.objects.select_for_update().get_or_create(
            day=day, metric=metric, origin=origin)
        DailyCount.objects.filter(pk=row.pk).update(count=row.count + n)


@transaction.atomic
def daily_counts_refresh() -> int:
    """Count the consent events after the cursor into DailyCount; returns how many ids."""
    cursor_row, _created = DailyCountCursor.objects.select_for_update().get_or_create(pk=1)
    after = cursor_row.last_event_id
    settled = (ConsentEvent.objects.filter(pk__gt=after,
                                           created_at__lt=timezone.now() - SETTLE)
               .order_by("-pk").values_list("pk", flat=True).first())
    if settled is None:
        return 0
    upto = min(settled, after + EVENTS_PER_RUN)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_DAILY_SQL, {"tz": "Europe/Istanbul", "after": after, "upto": upto})
    else:
        _daily_portable(after, upto)
    DailyCountCursor.objects.filter(pk=1).update(last_event_id=upto)
    return upto - after


def dashboard_refresh() -> DashboardSnapshot:
    """Recompute the headline numbers and add the new events to the daily counts."""
    started = time.monotonic()
    numbers, rejections = _headline(), _rejections()
    daily_counts_refresh()
    snapshot = DashboardSnapshot.load()
    snapshot.numbers, snapshot.rejections = numbers, rejections
    snapshot.refreshed_at = timezone.now()
    snapshot.took_ms = int((time.monotonic() - started) * 1000)
    snapshot.save()
    return snapshot


# -- reading ------------------------------------------------------------------------------------

@dataclass
class Health:
    level: str  # "ok", "warning", "error"
    text: str


def connector_health(connector: IysConnector) -> Health:
    """The connector's state in one line."""
    def when(value) -> str:
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M") if value else _("never")

    times = _("last push %(push)s, pull %(pull)s, reconciliation %(reconcile)s") % {
        "push": when(connector.last_push_at), "pull": when(connector.last_pull_at),
        "reconcile": when(connector.last_reconcile_at)}
    if not connector.is_ready:
        return Health("warning", _("İYS connector not installed: consents stay here. ") + times)
    if connector.blocked_reason:
        return Health("error", _("Sending to İYS stopped: %(reason)s — ") % {
            "reason": connector.blocked_reason} + times)
    if connector.last_error:
        return Health("warning", _("Working, last error: %(error)s — ") % {
            "error": connector.last_error[:200]} + times)
    return Health("ok", _("İYS connector working — ") + times)


def daily_series(days: int, today: date | None = None) -> dict[str, Any]:
    """Chart data for the last ``days`` days: labels and one series per metric/origin."""
    today = today or timezone.localdate()
    start = today - timedelta(days=days - 1)
    labels = [start + timedelta(days=i) for i in range(days)]
    index = {day: i for i, day in enumerate(labels)}
    consent: dict[str, dict[str, list[int]]] = {"opt_in": {}, "opt_out": {}}
    delivery = {metric: [0] * days for metric in ("accepted", "rejected", "late")}
    for day, metric, origin, count in (DailyCount.objects.filter(day__gte=start, day__lte=today)
                                       .values_list("day", "metric", "origin", "count")):
        if metric in consent:
            consent[metric].setdefault(origin, [0] * days)[index[day]] += count
        else:
            delivery[metric][index[day]] += count
    return {"labels": [d.isoformat() for d in labels],
            "consent": [{"metric": metric, "origin": origin,
                         "label": f"{ORIGINS.get(origin, origin)}: "
                                  f"{_('opt-in') if metric == 'opt_in' else _('opt-out')}",
                         "data": data}
                        for metric, by_origin in consent.items()
                        for origin, data in sorted(by_origin.items())],
            "delivery": [{"metric": m, "label": str(DailyCount.Metric(m).label), "data": data}
                         for m, data in delivery.items()]}


UPLOAD_PARTS = (("created", gettext_lazy("New contacts")),
                ("updated", gettext_lazy("Updated")),
                ("rejected", gettext_lazy("Rejected rows")),
                ("duplicates", gettext_lazy("Replaced by a later row")))


def dashboard_context() -> dict[str, Any]:
    """Everything the front page shows, from the summary tables."""
    snapshot = DashboardSnapshot.load()
    channels = []
    for channel in CHANNELS:
        numbers = snapshot.numbers.get(str(channel)) or {}
        local = numbers.get("local", {})
        channels.append({
            "key": str(channel), "label": channel.label, **numbers,
            "local_total": sum(local.values()),
            "local_reasons": [(LOCAL_REASONS.get(code, code), n)
                              for code, n in sorted(local.items(), key=lambda kv: -kv[1])]})
    uploads = list(Upload.objects.order_by("-id")[:8])
    chart_data = {
        "series": {str(days): daily_series(days) for days in PERIODS},
        "uploads": {"labels": [f"{u.name} ({u.get_state_display()})" for u in uploads],
                    "datasets": [{"label": str(label),
                                  "data": [int((u.counts or {}).get(key, 0)) for u in uploads]}
                                 for key, label in UPLOAD_PARTS]},
        "rejections": {"label": _("Consents"),
                       "labels": [code for code, _n, _message in snapshot.rejections],
                       "data": [n for _code, n, _message in snapshot.rejections]},
    }
    rejections = [{"code": code, "count": n, "meaning": IYS_ERROR_MEANINGS.get(code, ""),
                   "message": message} for code, n, message in snapshot.rejections]
    return {"snapshot": snapshot, "channels": channels, "rejections": rejections,
            "chart_data": chart_data, "health": connector_health(IysConnector.load()),
            "periods": PERIODS}
