"""The segment editor's live count endpoint and the saved form."""

import json

import pytest
from django.urls import reverse

from insights.models import Segment
from tests.consents.factories import ContactFactory

pytestmark = pytest.mark.django_db

SMS_IN = [{"field": "permission", "channel": "sms", "value": "opt_in"}]


def _count(client, body):
    return client.post(reverse("admin:insights_segment_count"), json.dumps(body),
                       content_type="application/json")


def test_the_live_count_answers_counts_and_explains_errors(marketer_client):
    ContactFactory(sms_permission="opt_in")
    ContactFactory()
    assert _count(marketer_client, {"rules": SMS_IN}).json() == {"count": 1}
    assert _count(marketer_client, {"rules": []}).json() == {"count": 2}
    bad = _count(marketer_client, {"rules": [{"field": "permission", "channel": "fax"}]})
    assert bad.status_code == 400 and bad.json()["errors"][0].startswith("Condition 1:")
    broken = marketer_client.post(reverse("admin:insights_segment_count"), "{not json",
                                  content_type="application/json")
    assert broken.status_code == 400


def test_a_marketer_saves_a_segment_and_bad_rules_are_refused(marketer_client):
    url = reverse("admin:insights_segment_add")
    response = marketer_client.post(url, {"name": "Bad", "rules": "[{\"field\": \"x\"}]",
                                          "sendable_channel": ""})
    assert response.status_code == 200 and "Unknown condition" in response.content.decode()
    marketer_client.post(url, {"name": "SMS", "rules": json.dumps(SMS_IN),
                               "sendable_channel": ""})
    assert Segment.objects.get().rules == SMS_IN
