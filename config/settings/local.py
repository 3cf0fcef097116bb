"""`make run`: the panel on one machine, debug on, a known secret key. Never in production."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

if env("DJANGO_ENV", default="local") == "production":
    raise ImproperlyConfigured("DJANGO_ENV=production: the local settings (DEBUG on, a known "
                               "secret key) are refused; use config.settings.production.")

DEBUG = env.bool("DJANGO_DEBUG", default=True)
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=True)  # receivers on 127.0.0.1

# The sandbox (Procfile) gives bulk results after 1 s (--bulk-delay); İYS after 300 s.
IYS_BULK_POLL_DELAY = env.int("IYS_BULK_POLL_DELAY", default=1)
