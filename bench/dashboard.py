"""Benchmark: the dashboard (the panel's front page) on many contacts and events.

    python bench/dashboard.py --contacts 1000000 --events 5000000 [--reuse] [--json]

Generates the data in SQL (bench/insights_data.py) on its own PostgreSQL database
(DATABASE_URL, default `iys_hub_insightsbench`), runs the beat task that fills the summary
tables (insights.dashboard_refresh: the first runs count every event, the next only new ones)
until it has caught up, then once more (the steady state of every minute), then renders
/admin/ through Django's test client six times and prints the median and the
slowest of the last five (warm) in milliseconds. ``--reuse`` keeps the data of an earlier run.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iys_hub_insightsbench")

from bench.upload import database_prepare, django_setup, machine  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the generated data")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    django_setup()
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.insights_data import generate, report_show
    from insights import dashboard
    from insights.dashboard import daily_counts_refresh, dashboard_refresh

    report: dict = {"contacts": args.contacts, "events": args.events}
    if not args.reuse:
        database_prepare()
        report["generate_s"] = generate(contacts=args.contacts, events=args.events)
    report["machine"] = machine()
    dashboard.SETTLE = dashboard.SETTLE * 0  # the generated events are all settled
    from django.db import connection

    with connection.cursor() as cursor:  # count every event again, as a first run does
        cursor.execute("TRUNCATE insights_dailycount, insights_dailycountcursor, "
                       "insights_dashboardsnapshot")
    # The first runs of beat's task catch up on every event (EVENTS_PER_RUN per run); after
    # that a run recomputes the headline row and counts only the new events.
    started, runs = time.monotonic(), 0
    while True:
        runs += 1
        dashboard_refresh()
        if not daily_counts_refresh():
            break
    report["catch_up"] = {"runs": runs, "seconds": round(time.monotonic() - started, 2)}
    started = time.monotonic()
    dashboard_refresh()
    report["refresh_steady_s"] = round(time.monotonic() - started, 2)

    user, _created = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True})
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    times = []
    for _run in range(6):
        started = time.perf_counter()
        response = client.get("/admin/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    assert b"chart-consents" in response.content
    report["render_ms"] = {"first": round(times[0], 1),
                           "median_warm": round(statistics.median(times[1:]), 1),
                           "slowest_warm": round(max(times[1:]), 1)}
    report_show(report, as_json=args.json)


if __name__ == "__main__":
    main()
