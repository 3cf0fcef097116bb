"""Twenty captures of one recipient at once, over real HTTP: the newest date wins, and İYS
(the sandbox) ends with the same status."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from connectors.services.push import iys_push
from consents.dates import format_iys_date
from consents.models import Consent, Contact
from tests.api.factories import ApiKeyFactory
from tests.connectors.conftest import configure, iys_contract, start_sandbox  # noqa: F401


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_captures_leave_the_newest_current_and_iys_agrees(
        live_server, start_sandbox):  # noqa: F811
    server = start_sandbox()
    configure(server, integrator=True)
    key = ApiKeyFactory()
    Contact.objects.create(phone="+905321000777")
    now = timezone.now().replace(microsecond=0)
    bodies = [{"phone": "+905321000777", "type": "MESAJ", "source": "HS_WEB",
               "status": "ONAY" if n % 3 else "RET",
               "consent_date": format_iys_date(now - timedelta(minutes=60 - n))}
              for n in range(20)]

    def post(body):
        return requests.post(f"{live_server.url}/api/v1/consents", json=body, timeout=30,
                             headers={"Authorization": f"Bearer {key.raw_key}"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(post, bodies))

    assert {answer.status_code for answer in answers} <= {201, 400}
    assert all(answer.headers["Content-Type"].startswith("application/json")
               for answer in answers)
    newest = bodies[-1]
    current = Consent.objects.get(recipient="+905321000777", is_current=True)
    assert (current.status, format_iys_date(current.consent_date)) == (
        newest["status"], newest["consent_date"])
    for _run in range(6):
        if not Consent.objects.filter(iys_state__in=["pending", "check", "sent"]).exists():
            break
        iys_push(poll_wait=10)
    rows = [r for r in server.state.consent_rows() if r["recipient"] == "+905321000777"]
    assert rows and rows[-1]["status"] == newest["status"]
