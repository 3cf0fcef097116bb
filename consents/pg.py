"""A psycopg cursor for the set-based writers (uploads, the push's delivery updates)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


@contextmanager
def pg_cursor() -> Iterator[Any]:
    """A psycopg cursor that binds parameters on the server: an array is one value, not
    thousands of quoted literals (Django's cursors bind on the client). Arrays go as %b,
    binary: psycopg dumps a list of thousands of strings three times faster than in text. The
    lookups an upload repeats per chunk are prepared (``prepare=True``): planning
    ``= ANY(array)`` estimates every element, 2-3 ms per chunk that a generic plan skips."""
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        yield cursor
