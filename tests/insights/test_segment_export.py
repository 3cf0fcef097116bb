"""Exports: the worker writes the segment to CSV or XLSX; admins download it."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from insights.exports import EXPORT_PAGE, segment_export_request, segment_export_run
from insights.models import SegmentExport
from tests.consents.factories import ContactFactory, ProfileAttributeFactory
from tests.insights.factories import SegmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def segment(settings, tmp_path):
    settings.PRIVATE_UPLOAD_ROOT = tmp_path
    ProfileAttributeFactory(name="city")
    for n in range(3):
        ContactFactory(email_permission="opt_in", attributes={"city": f"=city{n}"})
    ContactFactory()
    return SegmentFactory(rules=[{"field": "permission", "channel": "email",
                                  "value": "opt_in"}])


def test_csv_export_has_every_member_formula_safe(segment, admin_role_client, monkeypatch):
    monkeypatch.setattr("insights.exports.EXPORT_PAGE", 2)  # several keyset pages
    assert EXPORT_PAGE > 2
    export = segment_export_request(segment=segment, format="csv")
    export = segment_export_run(export_id=export.pk)
    assert (export.state, export.rows) == ("done", 3)
    response = admin_role_client.get(reverse("admin:insights_segmentexport_download",
                                             args=[export.pk]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 3
    assert rows[0]["city"] == "'=city0"  # never run as a spreadsheet formula


def test_xlsx_export(segment, staff_client):
    export = segment_export_run(export_id=SegmentExport.objects.create(
        segment=segment, format="xlsx").pk)
    response = staff_client.get(reverse("admin:insights_segmentexport_download",
                                        args=[export.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 4  # header and three contacts
