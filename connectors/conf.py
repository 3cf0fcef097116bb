"""The connector's tunables: a Django setting, overridable by an environment variable."""

import os

from django.conf import settings

DEFAULTS = {
    "IYS_JOB_LOCK_SECONDS": 300,  # a job lock lapses this long after its worker stopped renewing
    "IYS_PULL_PAGE_SIZE": 999,  # changes per page (İYS allows up to 999)
}


def setting(name: str) -> int:
    default = DEFAULTS[name]
    return int(os.environ.get(name, getattr(settings, name, default)))
