"""Benchmark: the real contact upload pipeline against django-import-export, same file.

    python bench/upload.py --rows 1000000 [--json]

Runs on PostgreSQL (DATABASE_URL, default a separate `iys_hub_bench` database it creates and
migrates). Each measured step runs in a fresh child process so that its peak RSS is its own:
the baseline (fresh, then re-upload), then our pipeline (fresh with ~10% of the contacts
already present, then a re-upload of the same file). Our step is the wizard's own path:
store the file, auto-match the columns, run the Celery task body.
"""

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iys_hub_bench"


def django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("PRIVATE_UPLOAD_ROOT", str(ROOT / "var" / "bench-uploads"))
    import django

    django.setup()


def database_prepare() -> None:
    """Create the bench database if needed, migrate it and empty it."""
    import psycopg
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    db = settings.DATABASES["default"]
    with psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
                         user=db["USER"], password=db["PASSWORD"] or None, dbname="postgres",
                         autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                               [db["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        # TRUNCATE is the bench's reset between runs; the append-only triggers guard rows,
        # and a benchmark database is thrown away anyway. The TRUNCATE trigger lets through
        # only a session that says the wipe is intended (migration consents evidence_guards).
        cursor.execute("SET iys.allow_wipe = on")
        cursor.execute("TRUNCATE consents_consentevent, consents_consent, consents_contact, "
                       "uploads_uploadrowerror, uploads_upload RESTART IDENTITY CASCADE")
        cursor.execute("RESET iys.allow_wipe")
        cursor.execute("ANALYZE")


def connector_integrator() -> None:
    from connectors.services import connector_configure

    connector_configure(base_url="http://127.0.0.1:9", username="bench", password="bench",
                        iys_code="100000", brand_code="100001", integrator=True)


def profile_attributes() -> None:
    from consents.models import ProfileAttribute

    for name in ("first_name", "last_name", "city"):
        ProfileAttribute.objects.get_or_create(name=name, defaults={"label": name})


def existing_contacts_seed(rows: int, share: float = 0.10) -> int:
    """About 10% of the file's rows update contacts that exist already."""
    from bench import datagen
    from consents.models import Contact

    step = round(1 / share)
    batch, made = [], 0
    for index in range(0, rows, step):
        batch.append(Contact(email=datagen.email(index), phone=datagen.phone(index),
                             external_id=datagen.external_id(index)))
        if len(batch) == 5000:
            made += len(Contact.objects.bulk_create(batch))
            batch = []
    made += len(Contact.objects.bulk_create(batch))
    return made


def bench_file(rows: int) -> Path:
    """The generated file of ``rows`` rows (made once, then reused)."""
    from bench import datagen

    data_dir = ROOT / "var" / "bench"
    data_dir.mkdir(parents=True, exist_ok=True)
    return datagen.write_file(data_dir / f"contacts-{rows}.csv", rows)


def database_for_ours(rows: int) -> int:
    """An empty bench database set up as our upload expects it: an Integrator-mode connector,
    the file's profile attributes and ~10% of its contacts already there (returns how many)."""
    database_prepare()
    connector_integrator()
    profile_attributes()
    return existing_contacts_seed(rows)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_ours(path: Path) -> dict:
    from django.contrib.auth import get_user_model

    from uploads.models import Upload
    from uploads.services import upload_create_from_path
    from uploads.tasks import upload_process

    # A marketer uploads, as in the wizard: every history event names them.
    marketer, _created = get_user_model().objects.get_or_create(username="bench-marketer")
    started = time.perf_counter()
    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS, user=marketer)
    upload.state = Upload.State.QUEUED
    upload.save(update_fields=["state"])
    upload_process.apply(args=[upload.pk], throw=True)  # the Celery task body, in this process
    seconds = time.perf_counter() - started
    upload.refresh_from_db()
    return {"seconds": seconds, "state": upload.state, "summary": upload.counts,
            "peak_rss_mb": peak_rss_mb()}


def step_baseline(path: Path) -> dict:
    from bench.baseline import import_with_baseline

    return {**import_with_baseline(path), "peak_rss_mb": peak_rss_mb()}


def child(step: str, path: Path) -> dict:
    """Run one measured step in a fresh process and return what it printed."""
    result = subprocess.run([sys.executable, __file__, "--step", step, "--file", str(path)],
                            capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def machine() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    return {"cores": os.cpu_count(), "python": platform.python_version(),
            "postgresql": postgres, "platform": platform.platform()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--step", choices=["ours", "baseline"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    django_setup()

    if args.step:
        result = step_ours(args.file) if args.step == "ours" else step_baseline(args.file)
        print(json.dumps(result, default=str))
        return

    path = bench_file(args.rows)

    baseline_fresh = baseline_update = None
    if not args.skip_baseline:
        database_prepare()
        baseline_fresh = child("baseline", path)
        baseline_update = child("baseline", path)

    existing = database_for_ours(args.rows)
    fresh = child("ours", path)
    update = child("ours", path)

    report = {
        "rows": args.rows,
        "seconds": round(fresh["seconds"], 2),
        "rows_per_s": round(args.rows / fresh["seconds"]),
        "update_seconds": round(update["seconds"], 2),
        "update_rows_per_s": round(args.rows / update["seconds"]),
        "peak_rss_mb": round(max(fresh["peak_rss_mb"], update["peak_rss_mb"]), 1),
        "baseline_rows_per_s": round(baseline_fresh["rows_per_s"]) if baseline_fresh else None,
        "baseline_update_rows_per_s": (round(baseline_update["rows_per_s"])
                                       if baseline_update else None),
        "existing_contacts_before": existing,
        "summary": fresh["summary"],
        "update_summary": update["summary"],
        "machine": machine(),
    }
    if baseline_fresh:
        report["ratio"] = round(report["rows_per_s"] / report["baseline_rows_per_s"], 2)
        report["update_ratio"] = round(report["update_rows_per_s"]
                                       / report["baseline_update_rows_per_s"], 2)
    report_print(report, as_json=args.json)


def report_print(report: dict, *, as_json: bool) -> None:
    """One JSON object, or a key per line for people (every bench prints this way)."""
    if as_json:
        print(json.dumps(report))
        return
    width = max(map(len, report))
    for key, value in report.items():
        print(f"{key:>{width}}: {value}")


if __name__ == "__main__":
    main()
