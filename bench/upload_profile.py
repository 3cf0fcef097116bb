"""Where an upload's time goes: CPU of our process against PostgreSQL's, and the threads' waits.

    python bench/upload_profile.py --rows 100000

Prepares the bench database as bench/upload.py does (fresh database, ~10% of the contacts
already there), then runs our upload fresh and as a re-upload in this process. For each it
prints the wall time, the CPU time of this process (every thread: reading, deciding, writing),
the CPU time of the PostgreSQL processes serving the bench database (sampled from /proc, so
backends that exit are counted), how long the writer thread spent writing and committing
chunks, how long the deciding thread waited for the writer and for its lookups, and the CPU
time of each thread (reading, deciding, writing).
Linux only (/proc). For a flame graph, run bench/upload.py's steps under py-spy instead.
"""

import argparse
import os
import resource
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import upload as bench  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
SHARED_PROCESSES = ("walwriter", "checkpointer", "background writer")


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL process serving ``database`` (plus the shared ones)."""
    found = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        if not command.startswith("postgres") or not (
                database in command or any(name in command for name in SHARED_PROCESSES)):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        found[int(pid)] = (int(fields[11]) + int(fields[12])) / TICKS
    return found


class PostgresSampler(threading.Thread):
    def __init__(self, database: str):
        super().__init__(daemon=True)
        self.database, self.stop = database, threading.Event()
        self.start_times = postgres_cpu(database)
        self.last = dict(self.start_times)

    def run(self) -> None:
        while not self.stop.wait(0.25):
            for pid, seconds in postgres_cpu(self.database).items():
                self.last[pid] = max(self.last.get(pid, 0.0), seconds)

    def total(self) -> float:
        self.stop.set()
        self.join()
        return sum(seconds - self.start_times.get(pid, 0.0) for pid, seconds in self.last.items())


class ThreadSampler(threading.Thread):
    """CPU seconds of each thread of this process, by name (Linux schedstat, sampled: a
    thread's time counts up to its last sample)."""

    def __init__(self):
        super().__init__(daemon=True)
        self.stop, self.first, self.last = threading.Event(), self.sample(), {}
        self.names: dict[int, str] = {}

    @staticmethod
    def sample() -> dict[int, float]:
        found = {}
        for tid in os.listdir("/proc/self/task"):
            try:
                found[int(tid)] = int(Path(f"/proc/self/task/{tid}/schedstat").read_text()
                                      .split()[0]) / 1e9
            except (OSError, ValueError):
                continue
        return found

    def run(self) -> None:
        while not self.stop.wait(0.1):
            self.last.update(self.sample())
            self.names.update((thread.native_id, thread.name) for thread in threading.enumerate())

    def total(self) -> dict[str, float]:
        self.stop.set()
        self.join()
        spent: Counter = Counter()
        for tid, seconds in self.last.items():
            if tid != self.native_id:
                spent[self.names.get(tid, "(ended)")] += seconds - self.first.get(tid, 0.0)
        return dict(spent.most_common())


def timed(owner: object, name: str, label: str, spent: Counter) -> None:
    """Add the wall time of every call of ``owner.name`` (a class's or a module's) to
    ``spent[label]``."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.perf_counter() - started

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    bench.django_setup()
    from django.conf import settings

    from uploads import pipeline, services

    path = bench.bench_file(args.rows)
    bench.database_for_ours(args.rows)

    spent: Counter = Counter()
    timed(services._Writer, "_write", "writer writing and committing", spent)
    timed(services._Writer, "wait", "decider waiting for the writer", spent)
    timed(services._ReadAhead, "_put", "reader waiting for the decider", spent)
    timed(pipeline, "contacts_load", "decider looking contacts up", spent)
    timed(pipeline, "consents_current_load", "decider looking current consents up", spent)
    timed(pipeline, "contacts_unchanged", "decider finding unchanged rows", spent)
    database = settings.DATABASES["default"]["NAME"]
    for step in ("fresh", "re-upload"):
        spent.clear()
        sampler = PostgresSampler(database)
        sampler.start()
        threads = ThreadSampler()
        threads.start()
        before = resource.getrusage(resource.RUSAGE_SELF)
        started = time.perf_counter()
        bench.step_ours(path)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF)
        ours = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        print(f"{step}: {args.rows / wall:,.0f} rows/s, wall {wall:.2f} s, "
              f"our CPU {ours:.2f} s, PostgreSQL CPU {sampler.total():.2f} s")
        for label, seconds in spent.items():
            print(f"    {label}: {seconds:.2f} s")
        for name, seconds in threads.total().items():
            print(f"    CPU of thread {name}: {seconds:.2f} s")


if __name__ == "__main__":
    main()
