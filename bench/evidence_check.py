"""Benchmark: what the commit-time evidence check (migration consents evidence_guards) costs a
re-upload that replaces consents, the only upload path it fires on.

    python bench/evidence_check.py --consents 100000 [--chunk 5000] [--json]

In a separate `iys_hub_evidencebench` database (DATABASE_URL overrides), as the upload's
PostgreSQL writer does per chunk: retire the chunk's current consents (one UPDATE … WHERE id =
ANY), insert their replacements and one CONSENT event each, one transaction per chunk. The same
work runs twice with the check's trigger on and twice off (ALTER TABLE … DISABLE TRIGGER, as the
owner; the faster of each pair is shown); the check's cost is the time PostgreSQL counts inside
its two functions (track_functions), per replaced consent.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iys_hub_evidencebench")

from bench.upload import database_prepare, django_setup, machine, report_print  # noqa: E402

SEED = """
INSERT INTO consents_contact (id, email, email_permission, sms_permission, call_permission,
    attributes, created_at, updated_at, email_iys_status, sms_iys_status, call_iys_status)
SELECT g, 'p' || g || '@example.com', 'opt_in', 'opt_out', 'opt_out', '{}', now(), now(),
       '', '', ''
FROM generate_series(1, %(n)s) AS g;
INSERT INTO consents_consent (id, contact_id, recipient, recipient_type, type, status, source,
    consent_date, is_current, iys_state, iys_transaction_id, iys_request_id, iys_error_code,
    iys_error_message, iys_attempts, created_at)
SELECT g, g, 'p' || g || '@example.com', 'BIREYSEL', 'EPOSTA', 'ONAY', 'HS_WEB', now(), true,
       'accepted', '', '', '', '', 0, now()
FROM generate_series(1, %(n)s) AS g;
SELECT setval('consents_contact_id_seq', %(n)s), setval('consents_consent_id_seq', %(n)s);
"""
CHUNK = """
UPDATE consents_consent SET is_current = false WHERE id = ANY(%(old)s);
INSERT INTO consents_consent (id, contact_id, recipient, recipient_type, type, status, source,
    consent_date, is_current, iys_state, iys_transaction_id, iys_request_id, iys_error_code,
    iys_error_message, iys_attempts, created_at)
SELECT id + %(n)s, contact_id, recipient, recipient_type, type, 'RET', source, now(), true,
       'pending', '', '', '', '', 0, now()
FROM consents_consent WHERE id = ANY(%(old)s);
INSERT INTO consents_consentevent (contact_id, consent_id, kind, field, before, after, origin,
    origin_reference, created_at, actor_label)
SELECT contact_id, id + %(n)s, 'consent', 'EPOSTA', '{}', '{}', 'upload', 'bench', now(), ''
FROM consents_consent WHERE id = ANY(%(old)s);
"""


def replace_all(cursor, connection, n: int, chunk: int, round_: int) -> float:
    """Replace every current consent once, ``chunk`` per transaction; seconds taken."""
    offset = n * (round_ - 1)
    started = time.perf_counter()
    for first in range(1, n + 1, chunk):
        old = list(range(offset + first, offset + min(first + chunk, n + 1)))
        for statement in CHUNK.split(";")[:-1]:  # psycopg binds one statement at a time
            cursor.execute(statement, {"old": old, "n": n})
        connection.commit()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consents", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    django_setup()
    from django.db import connection

    database_prepare()
    connection.ensure_connection()
    raw = connection.connection  # psycopg, outside Django's autocommit: one commit per chunk
    raw.autocommit = False
    with raw.cursor() as cursor:
        for statement in SEED.split(";")[:-1]:
            cursor.execute(statement, {"n": args.consents})
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
        # Round 1 with the check, round 2 without it, round 3 with it again (the first round
        # also warms the caches: the report keeps the faster round with the check).
        # The time spent inside the check's two functions, as PostgreSQL counts it (steadier
        # than the difference of two wall times on a busy machine).
        cursor.execute("SET track_functions = 'pl'")
        cursor.execute("SELECT pg_stat_reset()")
        raw.commit()
        timings = {}
        for round_, checked in ((1, True), (2, False), (3, True), (4, False)):
            state = "ENABLE" if checked else "DISABLE"
            cursor.execute(f"ALTER TABLE consents_consent {state} TRIGGER consent_changes_noted")
            raw.commit()
            seconds = replace_all(cursor, raw, args.consents, args.chunk, round_)
            key = "with_check_seconds" if checked else "without_check_seconds"
            timings[key] = min(seconds, timings.get(key, seconds))
        cursor.execute("ALTER TABLE consents_consent ENABLE TRIGGER consent_changes_noted")
        cursor.execute("SELECT pg_stat_force_next_flush()")
        raw.commit()
        time.sleep(1.5)
        cursor.execute("SELECT coalesce(sum(total_time), 0) FROM pg_stat_user_functions WHERE "
                       "funcname IN ('consents_note_consent_changes', "
                       "'consents_check_consent_changes')")
        inside_ms = float(cursor.fetchone()[0]) / 2  # two rounds with the check
    without = timings["without_check_seconds"]
    report_print({
        "consents_replaced": args.consents, "chunk": args.chunk,
        "with_check_seconds": round(timings["with_check_seconds"], 2),
        "without_check_seconds": round(without, 2),
        "check_seconds": round(inside_ms / 1000, 2),
        "check_us_per_consent": round(inside_ms * 1000 / args.consents, 2),
        "check_share": f"{inside_ms / 1000 / without:.1%}",
        "machine": machine(),
    }, as_json=args.json)


if __name__ == "__main__":
    main()
