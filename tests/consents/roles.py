"""The application's restricted database role in tests, to show what production's app can do:
made inside the test's transaction (rolled back with it), or, in a transactional test,
committed and dropped after the test."""

import contextlib
from collections.abc import Iterator

import pytest
from django.db import connection

from consents.db_roles import app_role_grant


@pytest.fixture
def app_role(db) -> Iterator[str]:
    """Named after the test database: roles are shared by the whole server, and other test
    databases on it may run at the same time."""
    role = f"{connection.settings_dict['NAME']}_app"[:63]
    app_role_grant(connection, role, login=False)
    yield role
    if not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP OWNED BY "{role}"')
            cursor.execute(f'DROP ROLE "{role}"')


@contextlib.contextmanager
def as_role(role: str) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f'SET ROLE "{role}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


def commit_checks() -> None:
    """Run the checks PostgreSQL defers to commit now (a test's transaction never commits)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
