"""One running copy of each job. The lock expires on its own if the worker holding it dies."""

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from connectors.conf import setting
from connectors.models import JobLock


class JobBusy(Exception):
    """Another worker is running this job."""


def lock_seconds() -> int:
    return setting("IYS_JOB_LOCK_SECONDS")


class Lease:
    def __init__(self, name: str, owner: str):
        self.name, self.owner = name, owner
        self._renewed = time.monotonic()  # the lock was just taken for a whole lease

    def renew(self) -> None:
        """Extend the lease: call between batches of a long job. Written at most every tenth
        of the lease: a push calls this twice per 1,000 consents, and an UPDATE each time was
        a noticeable part of its own work for nothing."""
        seconds = lock_seconds()
        if time.monotonic() - self._renewed < seconds / 10:
            return
        JobLock.objects.filter(name=self.name, owner=self.owner).update(
            locked_until=timezone.now() + timedelta(seconds=seconds))
        self._renewed = time.monotonic()


@contextmanager
def job_lock(name: str) -> Iterator[Lease]:
    JobLock.objects.get_or_create(name=name)
    owner = uuid.uuid4().hex
    now = timezone.now()
    taken = JobLock.objects.filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now), name=name,
    ).update(owner=owner, locked_until=now + timedelta(seconds=lock_seconds()))
    if not taken:
        raise JobBusy(name)
    try:
        yield Lease(name, owner)
    finally:
        JobLock.objects.filter(name=name, owner=owner).update(locked_until=None, owner="")
