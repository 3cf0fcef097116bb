"""After a large upload the panel's lists know the tables' new sizes at once: the upload
refreshes PostgreSQL's statistics itself (autovacuum may be late, or off)."""

import pytest
from django.db import connection

from consents.models import Contact
from tests.uploads.conftest import run_upload
from uploads import services

pytestmark = [pytest.mark.django_db,
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="PostgreSQL's planner statistics")]


def estimated_contacts() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'consents_contact'")
        return cursor.fetchone()[0]


def test_a_large_upload_leaves_the_contact_count_estimate_up_to_date(monkeypatch):
    monkeypatch.setattr(services, "STATISTICS_AFTER_ROWS", 2)  # this file counts as large

    upload = run_upload("subscribed.csv", mode="subscribed")

    assert upload.rows_done >= 2
    assert estimated_contacts() == Contact.objects.count() > 0
