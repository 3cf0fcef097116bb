"""`make run`: the panel on one machine, debug on."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# The sandbox (Procfile) gives bulk results after 1 s (--bulk-delay); İYS after 300 s.
IYS_BULK_POLL_DELAY = env.int("IYS_BULK_POLL_DELAY", default=1)
