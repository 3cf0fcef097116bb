"""Benchmark: the audience check a campaign tool makes before it sends.

    python bench/audience.py [--contacts 1000000] [--recipients 10000] [--json]

The consent-state issue's goal: 10,000 recipients checked in under a second. Runs on
PostgreSQL (DATABASE_URL, default a separate `iys_hub_audbench` database it creates, migrates
and empties). Contacts are written with one INSERT … SELECT over generate_series: a third
sendable (opt-in, İYS holds ONAY), a third opt-in with nothing in İYS, a third opt-out; some
of them with a consent still waiting. The check goes through Django's whole request path (the
API key, middleware, the view, JSON) in this process, five times; the median and the slowest
are reported, with the queries one check made.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iys_hub_audbench")

from bench.upload import database_prepare, django_setup, machine, report_print  # noqa: E402

SEED_SQL = """
INSERT INTO consents_contact (id, phone, email_permission, sms_permission, call_permission,
                              email_iys_status, sms_iys_status, call_iys_status, attributes,
                              created_at, updated_at)
SELECT n, '+90532' || lpad(n::text, 7, '0'), 'opt_out',
       CASE WHEN n %% 3 = 2 THEN 'opt_out' ELSE 'opt_in' END, 'opt_out', '',
       CASE WHEN n %% 3 = 0 THEN 'ONAY' ELSE '' END, '', '{}', now(), now()
FROM generate_series(1, %s) AS n
"""
WAITING_SQL = """
INSERT INTO consents_consent (contact_id, recipient, recipient_type, type, status, source,
                              consent_date, is_current, iys_state, iys_transaction_id,
                              iys_request_id, iys_error_code, iys_error_message, iys_attempts,
                              created_at)
SELECT n, '+90532' || lpad(n::text, 7, '0'), 'BIREYSEL', 'MESAJ', 'ONAY', 'HS_WEB', now(),
       true, 'pending', '', '', '', '', 0, now()
FROM generate_series(1, %s) AS n WHERE n %% 3 = 1 AND n %% 7 = 0
"""


def seed(contacts: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(SEED_SQL, [contacts])
        cursor.execute(WAITING_SQL, [contacts])
        cursor.execute("SELECT setval('consents_contact_id_seq', %s)", [contacts])
        cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    django_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from api.services import api_key_create
    from bench.upload import connector_integrator

    database_prepare()
    started = time.perf_counter()
    seed(args.contacts)
    seeded = time.perf_counter() - started
    connector_integrator()
    _key, raw = api_key_create(name=f"bench {time.time_ns()}")
    rng = random.Random(1)
    phones = [f"+90532{rng.randint(1, args.contacts):07d}" for _ in range(args.recipients)]
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {raw}")
    times, sendable = [], 0
    for _run in range(5):
        with CaptureQueriesContext(connection) as queries:
            begun = time.perf_counter()
            response = client.post("/api/v1/audience/check", content_type="application/json",
                                   data={"channel": "sms", "recipients": phones})
            times.append(time.perf_counter() - begun)
        if response.status_code != 200:
            raise SystemExit(f"the check answered {response.status_code}: {response.content!r}")
        sendable = len(response.json()["sendable"])
    report_print({
        "contacts": args.contacts, "recipients": args.recipients, "seed_seconds": round(seeded, 1),
        "median_seconds": round(statistics.median(times), 3),
        "slowest_seconds": round(max(times), 3), "queries_per_check": len(queries),
        "sendable": sendable, "machine": machine(),
    }, as_json=args.json)


if __name__ == "__main__":
    main()
