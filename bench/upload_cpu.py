"""CPU per row of an upload's Python work, one step at a time, in one thread, no writes.

    python bench/upload_cpu.py --rows 100000 [--repeat 3] [--reupload] [--profile]

Prepares the bench database as bench/upload.py does (fresh, ~10% of the contacts already
there), then times, on the thread's own CPU clock: reading and cleaning the file's rows
(`chunk_read`), and deciding them and preparing their statements (`chunk_apply(defer=True)`
inside a transaction that is rolled back: the lookups run, nothing is written). Best of
``--repeat`` runs, in microseconds per row. A fresh upload is bound by the CPU of both cores
(our Python and PostgreSQL's), so these two numbers move its speed; they are steadier than a
whole run's rows per second on a machine whose speed wanders. ``--reupload`` uploads the file
once for real first, so that the steps measure a re-upload of it; ``--profile`` prints the
functions the deciding step spends its time in (cProfile, one more pass).
"""

import argparse
import cProfile
import gc
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import upload as bench  # noqa: E402


def best_cpu_seconds(step, repeat: int) -> float:
    """The least thread CPU time of ``repeat`` calls of ``step``."""
    times = []
    for _ in range(repeat):
        started = time.thread_time()
        step()
        times.append(time.thread_time() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reupload", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    bench.django_setup()
    from django.db import transaction
    from django.utils import timezone

    from connectors.models import IysConnector
    from uploads.models import Upload
    from uploads.parsing import iter_records
    from uploads.pipeline import Columns, chunk_apply, chunk_read
    from uploads.services import chunk_rows, upload_create_from_path

    path = bench.bench_file(args.rows)
    bench.database_for_ours(args.rows)
    if args.reupload:
        bench.step_ours(path)

    upload = upload_create_from_path(path=path, mode=Upload.Mode.IYS)
    columns, connector, size = Columns.of(upload), IysConnector.load(), chunk_rows()
    records = list(iter_records(path, encoding=upload.encoding,
                                delimiter=upload.delimiter))[1:]  # the header
    batches = [records[i:i + size] for i in range(0, len(records), size)]
    gc.set_threshold(1_000_000, 50, 100)  # as an upload runs (services._fewer_collector_passes)

    def read_all():
        return [chunk_read(upload=upload, records=batch, columns=columns) for batch in batches]

    reads = read_all()

    def decide_all():
        skip_unchanged = True  # as a pipelined run decides it (uploads.services)
        for read in reads:
            with transaction.atomic():
                result = chunk_apply(upload=upload, records=read.records, columns=columns,
                                     connector=connector, now=timezone.now(), read=read,
                                     defer=True, skip_unchanged=skip_unchanged)
                skip_unchanged = result.mostly_existing
                transaction.set_rollback(True)

    reading = best_cpu_seconds(read_all, args.repeat)
    deciding = best_cpu_seconds(decide_all, args.repeat)
    per_row = 1e6 / len(records)
    bench.report_print({"rows": len(records),
                        "read_us_per_row": round(reading * per_row, 1),
                        "decide_us_per_row": round(deciding * per_row, 1)}, as_json=False)
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(decide_all)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
