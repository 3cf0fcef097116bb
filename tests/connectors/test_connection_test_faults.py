"""“Test connection” with a piece of the platform down: a clear message, never a 500."""

import pytest
from django.core.cache import caches

from connectors.services.status import connector_test
from tests.connectors.conftest import configure

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/0"  # a loopback port nothing listens on


def test_redis_down_gives_a_clear_message(sandbox, settings):
    connector = configure(sandbox, integrator=True)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": CLOSED}}
    settings.IYS_RATE_LIMIT_STORAGE = CLOSED
    try:
        ok, message = connector_test(connector=connector)
    finally:
        caches["default"].close()
    assert not ok and "Redis" in message


def test_iys_down_gives_a_clear_message(start_sandbox):
    server = start_sandbox()
    connector = configure(server, integrator=True)
    server.shutdown()
    server.server_close()
    ok, message = connector_test(connector=connector)
    assert not ok and "İYS" in message
