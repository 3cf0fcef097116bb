"""Twenty first captures for one new phone at the same moment: no 500, one contact, one
current consent (the losers of the race retry and find what the winner stored)."""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from consents.dates import format_iys_date
from consents.models import Consent, ConsentEvent, Contact
from tests.api.factories import ApiKeyFactory

pytestmark = pytest.mark.django_db(transaction=True)
CAPTURES = 20


def test_twenty_concurrent_first_captures_of_one_phone(db):
    raw_key = ApiKeyFactory().raw_key
    start = threading.Barrier(CAPTURES)
    answers: list[tuple[int, str, dict]] = []

    def capture(minutes_ago: int) -> None:
        body = {"phone": "+905551234567", "type": "MESAJ", "status": "ONAY",
                "source": "HS_WEB",
                "consent_date": format_iys_date(timezone.now() - timedelta(minutes=minutes_ago))}
        client = Client()
        try:
            start.wait()
            response = client.post("/api/v1/consents", data=json.dumps(body),
                                   content_type="application/json",
                                   headers={"Authorization": f"Bearer {raw_key}"})
            answers.append((response.status_code, response["Content-Type"],
                            json.loads(response.content)))
        finally:
            connection.close()  # each thread has its own database connection

    threads = [threading.Thread(target=capture, args=(minutes,))
               for minutes in range(1, CAPTURES + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    statuses = sorted(status for status, _type, _body in answers)
    assert len(answers) == CAPTURES
    assert 500 not in statuses
    assert {content_type for _s, content_type, _b in answers} == {"application/json"}
    assert set(statuses) <= {201, 400}, statuses
    assert 201 in statuses
    # Every refusal is an İYS rule a person can read (same status, or not newer), not a crash.
    for status, _type, body in answers:
        if status == 400:
            assert set(body["errors"]) <= {"status", "consent_date"}, body
    contact = Contact.objects.get(phone="+905551234567")
    assert Contact.objects.count() == 1
    assert Consent.objects.filter(recipient="+905551234567", is_current=True).count() == 1
    assert ConsentEvent.objects.filter(contact=contact, kind="contact").count() == 1
