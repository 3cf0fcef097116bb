"""Benchmark: the Sync-mode initial sync of 100,000 contacts against the sandbox.

    python bench/initial_sync.py [--contacts 100000] [--differences 40] [--json]

Issue 16's goal: 100,000 contacts in Sync mode with at most 400 status requests (İYS allows
1000 single status queries an hour; the old sync made three per contact, 300,000). Runs on
PostgreSQL (DATABASE_URL, default a separate `iys_hub_syncbench` database it creates,
migrates and empties) and the İYS sandbox in this process over loopback HTTP. Every contact
has a phone and an e-mail; every tenth holds an accepted SMS ONAY that İYS holds too.
``--differences`` recipients differ between İYS and the hub (half: İYS holds an ONAY the hub
does not know; half: the hub holds an ONAY İYS does not): those, and only those, need a
single status query each.
"""

import argparse
import os
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iys_hub_syncbench")

from bench.upload import database_prepare, django_setup, machine, report_print  # noqa: E402

CONTACTS_SQL = """
INSERT INTO consents_contact (id, phone, email, email_permission, sms_permission,
                              call_permission, email_iys_status, sms_iys_status,
                              call_iys_status, attributes, created_at, updated_at)
SELECT n, '+90532' || lpad(n::text, 7, '0'), 'kisi' || n || '@example.com', '',
       CASE WHEN n %% 10 = 0 OR n = ANY(%s) THEN 'opt_in' ELSE '' END, '', '',
       CASE WHEN n %% 10 = 0 OR n = ANY(%s) THEN 'ONAY' ELSE '' END, '', '{}', now(), now()
FROM generate_series(1, %s) AS n
"""
CONSENTS_SQL = """
INSERT INTO consents_consent (contact_id, recipient, recipient_type, type, status, source,
                              consent_date, is_current, iys_state, iys_transaction_id,
                              iys_request_id, iys_error_code, iys_error_message, iys_attempts,
                              created_at)
SELECT n, '+90532' || lpad(n::text, 7, '0'), 'BIREYSEL', 'MESAJ', 'ONAY', 'HS_WEB',
       now() - interval '2 days', true, 'accepted', 'bench' || n, '', '', '', 1, now()
FROM generate_series(1, %s) AS n WHERE n %% 10 = 0 OR n = ANY(%s)
"""


def phone(n: int) -> str:
    return f"+90532{n:07d}"


def seed(contacts: int, hub_only: list[int]) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CONTACTS_SQL, [hub_only, hub_only, contacts])
        cursor.execute(CONSENTS_SQL, [contacts, hub_only])
        cursor.execute("SELECT setval('consents_contact_id_seq', %s)", [contacts])
        cursor.execute("ANALYZE")


def sandbox_seed(state, contacts: int, iys_only: list[int]) -> None:
    """İYS holds the SMS ONAY of every tenth contact and of ``iys_only``."""
    from connectors.sandbox.rules import TURKEY, format_date

    when = format_date(datetime.now(TURKEY) - timedelta(days=2))
    with state.lock:
        state.db.execute("BEGIN")
        for n in [*range(10, contacts + 1, 10), *iys_only]:
            state.store({"recipient": phone(n), "recipientType": "BIREYSEL", "type": "MESAJ",
                         "status": "ONAY", "source": "HS_WEB", "consentDate": when},
                        creation_ts=time.time() - 2 * 86400)
        state.db.execute("COMMIT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--differences", type=int, default=40)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    django_setup()
    from django.utils import timezone

    from connectors.models import IysConnector
    from connectors.sandbox.server import SandboxConfig, request_kind, serve
    from connectors.sandbox.state import SandboxState
    from connectors.services import connector_configure
    from connectors.services.initial import iys_initial_sync
    from consents.models import Contact

    database_prepare()
    # differences: contacts not on the every-tenth grid, half known to İYS only, half to us
    odd = [n for n in range(1, args.contacts + 1, 7) if n % 10][:args.differences]
    iys_only, hub_only = odd[::2], odd[1::2]
    seed(args.contacts, hub_only)
    state = SandboxState(tempfile.mkdtemp(prefix="iys-syncbench-"))
    sandbox_seed(state, args.contacts, iys_only)
    server = serve(SandboxConfig(), state)
    config = server.config
    connector_configure(base_url=server.url, username=config.username,
                        password=config.password, iys_code=config.iys_code,
                        brand_code=config.brand_code, integrator=False)
    IysConnector.objects.update(initial_sync_not_before=timezone.now())
    started = time.perf_counter()
    report = iys_initial_sync(now_ignoring_window=True)
    seconds = time.perf_counter() - started
    server.shutdown()
    requests = state.request_counts(request_kind)
    multi = sum(1 for r in state.requests("/status/") if "/BIREYSEL/status/" in r["path"])
    single = len(state.requests("/consents/status"))
    connector = IysConnector.load()
    holds = Contact.objects.filter(sms_iys_status="ONAY").count()
    report_print({
        "contacts": args.contacts, "differences": args.differences,
        "state": connector.initial_sync_state, "seconds": round(seconds, 1),
        "status_requests": requests.get("status", 0), "multi_status_requests": multi,
        "single_status_requests": single, "all_requests": sum(requests.values()),
        "recorded_from_iys": report.recorded, "contacts_iys_holds_sms_onay": holds,
        "goal_at_most_400": requests.get("status", 0) <= 400, "machine": machine(),
    }, as_json=args.json)
    if report.notes:
        print("notes:", report.notes)


if __name__ == "__main__":
    main()
