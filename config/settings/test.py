"""Tests: PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set (as `make test` does)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LANGUAGE_CODE = "en"
PRIVATE_UPLOAD_ROOT = Path(  # noqa: F405
    env("PRIVATE_UPLOAD_ROOT", default=str(BASE_DIR / "var" / "test-uploads"))  # noqa: F405
)
PRIVATE_EXPORT_ROOT = Path(  # noqa: F405
    env("PRIVATE_EXPORT_ROOT", default=str(BASE_DIR / "var" / "test-exports"))  # noqa: F405
)
WEBHOOK_ALLOW_LOOPBACK = env.bool("WEBHOOK_ALLOW_LOOPBACK", default=True)  # receivers on 127.0.0.1
# The test runner empties the database between transactional tests: only here may ``flush``
# (and the TRUNCATE trigger it tells) wipe the evidence tables.
EVIDENCE_WIPE_ALLOWED = True

# Tests' sandboxes give bulk results after a fraction of a second (conftest's bulk_delay).
IYS_BULK_POLL_DELAY = 0
