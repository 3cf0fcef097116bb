"""The connector's tunables: a Django setting, overridable by an environment variable."""

import os

from django.conf import settings

DEFAULTS = {
    "IYS_JOB_LOCK_SECONDS": 300,  # a job lock lapses this long after its worker stopped renewing
    "IYS_PULL_PAGE_SIZE": 1000,  # changes per page (İYS allows up to 1000, H507)
    # İYS gives a bulk request's results only 300 s after it (api-reference.md); polling
    # earlier spends requests on empty answers. Small for local work against the sandbox.
    "IYS_BULK_POLL_DELAY": 300,
    # the whitelist guard (services/guard.py): stop when, over 24 h and at least this many
    # requests, fewer than this percentage succeeded (İYS's own rule: 20,000 and 70%)
    "IYS_WHITELIST_GUARD_MIN_REQUESTS": 2000,
    "IYS_WHITELIST_GUARD_PERCENT": 90,
}


def setting(name: str) -> int:
    default = DEFAULTS[name]
    return int(os.environ.get(name, getattr(settings, name, default)))
