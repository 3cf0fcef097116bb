"""Benchmark: a contact upload from an Excel workbook (.xlsx), streamed with openpyxl.

    python bench/upload_xlsx.py --rows 100000 [--json]
    python bench/upload_xlsx.py --rows 1000000 --json   # the 1M-row case (minutes; ~40 MB file)

Generates the workbook once with openpyxl's write-only mode (var/bench/contacts-N.xlsx) from
the same rows as bench/upload.py, as Excel holds them: phone numbers as numbers (905321234567,
read with "numbers without a country code are Turkish"), consent dates as date cells. Then the
wizard's path in a fresh child process: store the file, read its first sheet, match, run the
Celery task body; rows/s and the child's peak RSS. Memory must stay flat as the rows grow:
compare the peak RSS at 100,000 and at 1,000,000 rows. PostgreSQL: the bench database of
bench/upload.py (DATABASE_URL, default iys_hub_bench), emptied first.
"""

import argparse
import contextlib
import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import datagen  # noqa: E402
from bench.upload import (  # noqa: E402
    database_for_ours,
    django_setup,
    machine,
    peak_rss_mb,
    report_print,
)


def xlsx_file(rows: int) -> Path:
    """The workbook of ``rows`` generated rows (made once, then reused)."""
    path = ROOT / "var" / "bench" / f"contacts-{rows}.xlsx"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Kişiler")
    sheet.append(datagen.HEADER)
    for row in datagen.rows(rows):
        cells: list = list(row)
        if cells[1].startswith("+") and cells[1][1:].isdigit():
            cells[1] = int(cells[1][1:])  # a phone Excel keeps as a number
        with contextlib.suppress(ValueError):  # the generator's spoilt dates stay text
            cells[5] = datetime.strptime(cells[5], "%d.%m.%y %H:%M:%S")  # a date cell
        sheet.append(cells)
    partial = path.with_suffix(".partial.xlsx")
    book.save(partial)
    partial.rename(path)
    return path


def step(path: Path) -> dict:
    from django.contrib.auth import get_user_model

    from uploads.models import Upload
    from uploads.services import upload_create_from_path
    from uploads.tasks import upload_process

    marketer, _created = get_user_model().objects.get_or_create(username="bench-marketer")
    started = time.perf_counter()
    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS, user=marketer,
                                     default_country="TR")
    upload.state = Upload.State.QUEUED
    upload.save(update_fields=["state"])
    upload_process.apply(args=[upload.pk], throw=True)
    seconds = time.perf_counter() - started
    upload.refresh_from_db()
    return {"seconds": seconds, "state": upload.state, "summary": upload.counts,
            "peak_rss_mb": peak_rss_mb()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--step", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    django_setup()
    if args.step:
        print(json.dumps(step(args.step), default=str))
        return

    made = time.perf_counter()
    path = xlsx_file(args.rows)
    generated = time.perf_counter() - made
    existing = database_for_ours(args.rows)
    result = subprocess.run([sys.executable, __file__, "--step", str(path)],
                            capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(f"the upload failed:\n{result.stderr[-4000:]}")
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    report_print({
        "rows": args.rows,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "seconds_to_generate": round(generated, 1),
        "seconds": round(measured["seconds"], 2),
        "rows_per_s": round(args.rows / measured["seconds"]),
        "peak_rss_mb": round(measured["peak_rss_mb"], 1),
        "state": measured["state"],
        "existing_contacts_before": existing,
        "summary": measured["summary"],
        "machine": machine(),
    }, as_json=args.json)


if __name__ == "__main__":
    main()
