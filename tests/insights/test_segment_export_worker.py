"""A real Celery worker runs the export a user asked for."""

import time

import pytest

from insights.exports import segment_export_request
from insights.models import SegmentExport
from tests.consents.factories import ContactFactory
from tests.insights.factories import SegmentFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_the_worker_writes_the_export(celery_worker_process, settings):
    for _ in range(3):
        ContactFactory(sms_permission="opt_in")
    segment = SegmentFactory(rules=[{"field": "permission", "channel": "sms",
                                     "value": "opt_in"}])
    export = segment_export_request(segment=segment, format="xlsx")  # queued after commit
    deadline = time.monotonic() + 60
    while SegmentExport.objects.get(pk=export.pk).state != SegmentExport.State.DONE:
        assert time.monotonic() < deadline, SegmentExport.objects.get(pk=export.pk).message
        time.sleep(0.3)
    assert SegmentExport.objects.get(pk=export.pk).rows == 3
