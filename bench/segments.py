"""Benchmark: a segment on one attribute plus "sendable on SMS": its count; and 100,000
contacts of a segment streamed over the API, a keyset page at a time.

    python bench/segments.py --contacts 1000000 [--reuse] [--stream 100000] [--json]

Same generated data and database as bench/dashboard.py (bench/insights_data.py;
DATABASE_URL, default `iys_hub_insightsbench`); ``--reuse`` keeps an earlier run's data.
The count runs six times (median and slowest of the last five); the stream reads pages of
5,000 through Django's test client with an API key, as a campaign tool would, and then one
page after the millionth-ish contact (cursor near the end).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iys_hub_insightsbench")

from bench.upload import database_prepare, django_setup, machine  # noqa: E402

PAGE = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--stream", type=int, default=100_000)
    parser.add_argument("--reuse", action="store_true", help="keep the generated data")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    django_setup()
    from django.test import Client

    from api.services import api_key_create
    from bench.insights_data import generate, report_show
    from insights.models import Segment
    from insights.segments import segment_count

    report: dict = {}
    if not args.reuse:
        database_prepare()
        report["generate_s"] = generate(contacts=args.contacts, events=args.events)
    report["machine"] = machine()
    rules = [{"field": "attribute", "name": "city", "op": "equals", "value": "istanbul"},
             {"field": "sendable", "channel": "sms"}]
    Segment.objects.update_or_create(name="bench: istanbul, sendable SMS",
                                     defaults={"rules": rules})
    report["segment"] = rules
    # The stream needs a segment of at least --stream contacts: sendable on SMS alone (the
    # city one holds about 4% of the contacts).
    stream_rules = [{"field": "sendable", "channel": "sms"}]
    segment, _created = Segment.objects.update_or_create(
        name="bench: sendable SMS", defaults={"rules": stream_rules})
    report["stream_segment"] = stream_rules

    times = []
    for _run in range(6):
        started = time.perf_counter()
        count = segment_count(rules=rules)
        times.append((time.perf_counter() - started) * 1000)
    report["count"] = count
    report["count_ms"] = {"first": round(times[0], 1),
                          "median": round(statistics.median(times[1:]), 1),
                          "slowest": round(max(times[1:]), 1)}

    _key, raw = api_key_create(name=f"bench-{time.time()}")
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/segments/{segment.pk}/contacts"
    streamed, cursor, pages, serving = 0, "", 0, 0.0
    started = time.perf_counter()
    while streamed < args.stream:
        asked = time.perf_counter()
        response = client.get(url, {"limit": PAGE, "cursor": cursor})
        serving += time.perf_counter() - asked
        assert response.status_code == 200, response.content[:300]
        body = orjson.loads(response.content)  # the reading side, as a client would
        streamed += len(body["contacts"])
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    report["stream"] = {"contacts": streamed, "pages": pages,
                        "seconds": round(time.perf_counter() - started, 2),
                        "server_seconds": round(serving, 2)}
    from consents.models import Contact

    last = Contact.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    response = client.get(url, {"limit": 1000, "cursor": max(0, last - 20_000)})
    report["page_near_end_ms"] = round((time.perf_counter() - started) * 1000, 1)
    report_show(report, as_json=args.json)


if __name__ == "__main__":
    main()
