"""How fast could a fresh upload be if PostgreSQL did all of it? A bound, not a product path.

    python bench/fresh_floor.py --rows 100000 [--backends 1 2] [--baseline]

Loads the bench file (bench/upload.py's, same seed) into an empty bench database with SQL
alone: COPY of the CSV into a temporary table, a check of each row in SQL, then set-based
INSERTs of the contacts, their two consents and the three history events a new contact gets.
With ``--backends 2`` the file is split in two halves loaded by two connections at once, so
that both cores work for PostgreSQL. It does less than the upload: no lookup of existing
contacts beyond ON CONFLICT, no per-row error messages, no summary, only a pattern check of
e-mails and the ``+905…`` phones, none of the İYS date rules. Its speed is an upper bound for
any design that writes what an upload writes; ``--baseline`` also runs the django-import-export
baseline on the same file (bench/upload.py's) for the ratio.
"""

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import upload as bench  # noqa: E402

STAGING = """CREATE TEMPORARY TABLE staged (email text, phone text, external_id text,
    source text, status text, consent_date text, first_name text, last_name text, city text,
    row_number serial)"""
COPY = """COPY staged (email, phone, external_id, source, status, consent_date, first_name,
    last_name, city) FROM STDIN (FORMAT csv, HEADER true)"""
CHECKED = r"""CREATE TEMPORARY TABLE checked AS
    SELECT row_number, lower(trim(email)) AS email,
           CASE WHEN phone ~ '^\+905[0-9]{9}$' THEN phone END AS phone,
           nullif(trim(external_id), '') AS external_id, source, status,
           to_timestamp(consent_date, 'DD.MM.YY HH24:MI:SS') AT TIME ZONE 'Europe/Istanbul'
               AS consent_date,
           jsonb_strip_nulls(jsonb_build_object('first_name', first_name,
                                                'last_name', last_name, 'city', city)) AS attrs
    FROM staged
    WHERE (email IS NULL OR lower(trim(email)) ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$')
      AND status IN ('ONAY', 'RET') AND source LIKE 'HS\_%'"""
CONTACTS = """CREATE TEMPORARY TABLE made AS
    WITH inserted AS (
        INSERT INTO consents_contact (email, phone, external_id, email_permission,
            sms_permission, call_permission, attributes, created_at, updated_at)
        SELECT email, phone, external_id, permission, permission, 'opt_out', attrs, now(), now()
        FROM (SELECT *, CASE status WHEN 'ONAY' THEN 'opt_in' ELSE 'opt_out' END AS permission
              FROM checked) AS rows
        ON CONFLICT DO NOTHING RETURNING id, external_id)
    SELECT inserted.id, checked.* FROM inserted JOIN checked USING (external_id)"""
CONSENTS = """CREATE TEMPORARY TABLE consents AS
    WITH inserted AS (
        INSERT INTO consents_consent (contact_id, recipient, recipient_type, type, status,
            source, consent_date, is_current, iys_state, iys_transaction_id, iys_request_id,
            iys_error_code, iys_error_message, iys_attempts, created_at)
        SELECT id, recipient, 'BIREYSEL', type, status, source, consent_date, true, 'PENDING',
               '', '', '', '', 0, now()
        FROM made CROSS JOIN LATERAL (VALUES (email, 'EPOSTA'), (phone, 'MESAJ'))
            AS channel(recipient, type)
        WHERE recipient IS NOT NULL
        ON CONFLICT DO NOTHING RETURNING id, contact_id, type, status, source, consent_date)
    SELECT * FROM inserted"""
EVENTS = """INSERT INTO consents_consentevent (contact_id, consent_id, kind, field, before,
        after, origin, origin_reference, row_number, actor_id, actor_label, created_at)
    SELECT id, NULL, 'contact', 'created', NULL,
           jsonb_build_object('email', email, 'phone', phone, 'external_id', external_id)
               || attrs, 'upload', 'bench', row_number, NULL::integer, 'bench', now()
    FROM made
    UNION ALL
    SELECT consents.contact_id, consents.id, 'consent', consents.type,
           jsonb_build_object('permission', 'opt_out'),
           jsonb_build_object('status', consents.status, 'source', consents.source,
                              'consent_date', consents.consent_date, 'iys_state', 'PENDING',
                              'permission', CASE consents.status WHEN 'ONAY' THEN 'opt_in'
                                                 ELSE 'opt_out' END),
           'upload', 'bench', made.row_number, NULL, 'bench', now()
    FROM consents JOIN made ON made.id = consents.contact_id"""
STEPS = {"checked": CHECKED, "contacts": CONTACTS, "consents": CONSENTS, "events": EVENTS}


def file_parts(path: Path, parts: int) -> list[bytes]:
    """The file as ``parts`` equal slices of its rows, each with the header."""
    header, *rows = path.read_bytes().splitlines(keepends=True)
    size = -(-len(rows) // parts)
    return [header + b"".join(rows[part * size:(part + 1) * size]) for part in range(parts)]


def load_part(conninfo: str, data: bytes) -> dict[str, float]:
    """Load one slice in one transaction; return each step's seconds."""
    import psycopg

    spent = {}
    with psycopg.connect(conninfo) as connection, connection.cursor() as cursor:
        cursor.execute(STAGING)
        started = time.perf_counter()
        with cursor.copy(COPY) as copy:
            copy.write(data)
        spent["copy"] = time.perf_counter() - started
        for name, statement in STEPS.items():
            started = time.perf_counter()
            cursor.execute(statement)
            spent[name] = time.perf_counter() - started
    return spent


def floor_run(path: Path, rows: int, backends: int) -> dict:
    from django.db import connection

    bench.database_prepare()
    settings = connection.settings_dict
    conninfo = (f"host={settings['HOST'] or '127.0.0.1'} port={settings['PORT'] or 5432} "
                f"user={settings['USER']} dbname={settings['NAME']}")
    connection.close()
    parts = file_parts(path, backends)
    with multiprocessing.Pool(backends) as pool:
        started = time.perf_counter()
        spent = pool.starmap(load_part, [(conninfo, data) for data in parts])
        seconds = time.perf_counter() - started
    from consents.models import Consent, ConsentEvent, Contact

    return {"backends": backends, "seconds": round(seconds, 2),
            "rows_per_s": round(rows / seconds),
            "steps": [{name: round(value, 2) for name, value in part.items()} for part in spent],
            "written": {"contacts": Contact.objects.count(), "consents": Consent.objects.count(),
                        "events": ConsentEvent.objects.count()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backends", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--baseline", action="store_true")
    args = parser.parse_args()
    bench.django_setup()
    path = bench.bench_file(args.rows)
    report: dict = {"rows": args.rows, "runs": [floor_run(path, args.rows, backends)
                                                for backends in args.backends]}
    if args.baseline:
        bench.database_prepare()
        baseline = bench.child("baseline", path)["rows_per_s"]
        report["baseline_rows_per_s"] = round(baseline)
        for run in report["runs"]:
            run["ratio"] = round(run["rows_per_s"] / baseline, 2)
    report["machine"] = bench.machine()
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
