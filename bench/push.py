"""Benchmark: pushing uploaded consents to the İYS sandbox in Integrator mode.

    python bench/push.py --consents 100000 [--json]

Issue 5: 100,000 consents take at most 100 bulk requests (plus polls), and the time is the
sandbox's, not ours. Runs on PostgreSQL (--database-url, default a separate `iys_hub_pushbench`
database it creates, migrates and empties; DATABASE_URL is ignored so that the bench never
empties the panel's database). REDIS_URL, when set, is the cache (İYS tokens), as in production.

1. `manage.py iys_sandbox` starts in a child process on a free loopback port, fresh state;
2. the connector is installed in Integrator mode and pointed at it;
3. a generated file (every row valid and ONAY with an e-mail and a phone: two consents a row)
   goes through the upload wizard's own path (bench/upload.py), which leaves them pending;
4. the push job (connectors.services.iys_push, what the Celery task runs) runs until no consent
   is pending or sent.

The sandbox counts the requests it received by kind and reports its CPU time
(`/_sandbox/stats`). Our CPU is this process's (getrusage) during step 4; PostgreSQL's is the
backend serving us (/proc/<pid>/stat), reported apart.
"""

import argparse
import csv
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iys_hub_pushbench"
SANDBOX = {"username": "bench", "password": "bench-password", "iys_code": "100000",
           "brand_code": "100001"}
MAX_PUSH_RUNS = 5  # the scheduled push runs every minute; a run normally finishes everything


def sandbox_start(state_dir: Path) -> tuple[subprocess.Popen, str]:
    """`manage.py iys_sandbox` on a port the system picks; returns the process and its URL."""
    options = [item for name, value in SANDBOX.items()
               for item in (f"--{name.replace('_', '-')}", value)]
    process = subprocess.Popen(
        [sys.executable, "manage.py", "iys_sandbox", "--host", "127.0.0.1", "--port", "0",
         "--state-dir", str(state_dir), *options],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = process.stdout.readline() if process.stdout else ""
    found = re.search(r"(http://127\.0\.0\.1:\d+)", line)
    if not found:
        sandbox_stop(process)
        raise SystemExit(f"the sandbox did not start: {line!r}")
    return process, found.group(1)


def sandbox_stop(process: subprocess.Popen) -> None:
    """Ctrl-C, as a person stops it (it closes its state); a kill if it does not stop."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def sandbox_stats(url: str) -> dict:
    response = requests.get(f"{url}/_sandbox/stats", timeout=10)
    response.raise_for_status()
    return response.json()


def database_prepare() -> None:
    """bench/upload.py's reset, plus the connector's bulk requests and job locks."""
    from django.db import connection

    from bench.upload import database_prepare as consents_prepare

    consents_prepare()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE connectors_iysbulkrequest, connectors_joblock")


def connector_integrator(url: str) -> None:
    from connectors.services import connector_configure

    connector_configure(base_url=url, username=SANDBOX["username"],
                        password=SANDBOX["password"], iys_code=SANDBOX["iys_code"],
                        brand_code=SANDBOX["brand_code"], integrator=True)


def consents_upload(consents: int) -> float:
    """Upload a file that leaves exactly ``consents`` consents pending; returns its seconds."""
    from bench import datagen
    from bench.upload import profile_attributes, step_ours
    from consents.choices import IysState
    from consents.models import Consent

    data_dir = ROOT / "var" / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / f"push-{consents}.csv"  # dates are relative to now: written every run
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(datagen.HEADER)
        writer.writerows(datagen.rows(consents // 2, opt_ins_only=True))
    profile_attributes()
    result = step_ours(path)
    pending = Consent.objects.filter(iys_state=IysState.PENDING).count()
    if pending != consents:
        raise SystemExit(f"the upload left {pending} consents pending, not {consents}: "
                         f"{result['summary']}")
    return result["seconds"]


def push_until_done() -> int:
    """Run the push job as beat would, until nothing waits; returns how many runs it took."""
    from connectors.services.push import iys_push

    for run in range(1, MAX_PUSH_RUNS + 1):
        report = iys_push()
        if not report.waiting:
            return run
    raise SystemExit(f"consents still waiting after {MAX_PUSH_RUNS} push runs: {report}")


def our_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float | None:
    """user + system CPU of another process on this machine, None if it is not visible."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def delivery_counts() -> dict[str, int]:
    from django.db.models import Count

    from consents.models import Consent

    return dict(Consent.objects.order_by().values_list("iys_state").annotate(n=Count("pk")))


def push_measure(url: str) -> dict:
    """Run the push and measure it: wall time, CPU on each side, requests by kind."""
    backend = database_backend_pid()
    db_before = process_cpu_seconds(backend)
    sandbox_before = sandbox_stats(url)["cpu_seconds"]
    ours_before = our_cpu_seconds()
    started = time.perf_counter()
    runs = push_until_done()
    seconds = time.perf_counter() - started
    ours = our_cpu_seconds() - ours_before
    stats = sandbox_stats(url)
    db_after = process_cpu_seconds(backend)
    received = stats["requests"]
    return {"seconds": round(seconds, 2), "our_cpu_s": round(ours, 2),
            "sandbox_cpu_s": round(stats["cpu_seconds"] - sandbox_before, 2),
            "db_cpu_s": (round(db_after - db_before, 2)
                         if db_before is not None and db_after is not None else None),
            "bulk_requests": received.get("bulk_add", 0),
            "poll_requests": received.get("bulk_result", 0),
            "status_requests": received.get("status", 0),
            "token_requests": received.get("token", 0),
            "other_requests": sum(n for kind, n in received.items() if kind not in (
                "bulk_add", "bulk_result", "status", "token", "sandbox")),
            "push_runs": runs}


def run(consents: int) -> dict:
    from bench.upload import machine
    from consents.choices import IysState

    database_prepare()
    with tempfile.TemporaryDirectory(prefix="iys-sandbox-bench-") as state_dir:
        process, url = sandbox_start(Path(state_dir))
        try:
            connector_integrator(url)
            upload_seconds = consents_upload(consents)
            measured = push_measure(url)
        finally:
            sandbox_stop(process)
    states = delivery_counts()
    return {"consents": consents, **measured,
            "accepted": states.get(IysState.ACCEPTED, 0),
            "rejected": states.get(IysState.REJECTED, 0),
            "upload_seconds": round(upload_seconds, 2), "machine": machine()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consents", type=int, default=100_000,
                        help="pending consents to push (even: each row has two)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help="PostgreSQL database the bench creates and EMPTIES")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.consents < 2 or args.consents % 2:
        parser.error("--consents must be an even number (each row gives two consents)")
    os.environ["DATABASE_URL"] = args.database_url

    from bench.upload import django_setup, report_print

    django_setup()
    report_print(run(args.consents), as_json=args.json)


if __name__ == "__main__":
    main()
