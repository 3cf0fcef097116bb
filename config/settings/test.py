"""Tests: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (as `make test` does)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"
PRIVATE_UPLOAD_ROOT = Path(  # noqa: F405
    env("PRIVATE_UPLOAD_ROOT", default=str(BASE_DIR / "var" / "test-uploads"))  # noqa: F405
)

# Tests' sandboxes give bulk results after a fraction of a second (conftest's bulk_delay).
IYS_BULK_POLL_DELAY = 0
