"""Events enter the outbox in the transaction of the change; batches of up to 1000."""

import pytest
from django.db import transaction

from consents.choices import ConsentStatus, ConsentType, Origin
from consents.origins import ChangeOrigin
from consents.services import consent_apply
from tests.consents.factories import ConsentInputFactory, ContactFactory
from tests.uploads.conftest import run_upload
from tests.uploads.factories import IysConnectorFactory
from webhooks.models import EventType, WebhookEvent

pytestmark = pytest.mark.django_db

API = ChangeOrigin(kind=Origin.API, reference="POST /api/v1/consents")


def test_a_captured_consent_writes_one_event_per_subscribed_endpoint(make_endpoint):
    make_endpoint("http://127.0.0.1:9/a")
    make_endpoint("http://127.0.0.1:9/b", events=[EventType.UPLOAD_FINISHED], name="other")
    contact = ContactFactory()
    consent = consent_apply(contact=contact, **ConsentInputFactory(), origin=API)
    event = WebhookEvent.objects.get()
    assert event.type == EventType.CONSENT_CHANGED
    [item] = event.data["items"]
    assert item["consent_id"] == consent.pk
    assert item["contact_id"] == contact.pk
    assert (item["channel"], item["status"]) == ("email", "ONAY")
    assert event.data["origin"] == {"kind": "api", "reference": "POST /api/v1/consents"}


def test_a_rolled_back_change_leaves_no_event(make_endpoint):
    make_endpoint("http://127.0.0.1:9/a")
    contact = ContactFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        consent_apply(contact=contact, **ConsentInputFactory(), origin=API)
        raise RuntimeError
    assert not WebhookEvent.objects.exists()


def test_no_endpoint_no_event():
    consent_apply(contact=ContactFactory(), **ConsentInputFactory(status=ConsentStatus.RET,
                                                                  type=ConsentType.MESAJ),
                  origin=API)
    assert not WebhookEvent.objects.exists()


def test_an_upload_is_batched_and_announces_its_end(make_endpoint, settings, tmp_path):
    settings.UPLOAD_CHUNK_ROWS = 2500
    make_endpoint("http://127.0.0.1:9/a", events=[EventType.CONSENT_CHANGED,
                                                  EventType.UPLOAD_FINISHED])
    IysConnectorFactory(integrator_mode=True)
    rows = ["email,IYSSource,IYSStatus,IYSConsentDate"]
    rows += [f"k{n}@example.com,HS_WEB,ONAY,07.08.25 10:25:00" for n in range(2300)]
    path = tmp_path / "big.csv"
    path.write_text("\n".join(rows) + "\n")
    upload = run_upload(str(path))
    assert upload.counts["consents"] == 2300
    changed = list(WebhookEvent.objects.filter(type=EventType.CONSENT_CHANGED).order_by("id"))
    assert [e.items for e in changed] == [1000, 1000, 300]
    assert sum(len(e.data["items"]) for e in changed) == 2300
    assert changed[0].data["origin"]["kind"] == "upload"
    finished = WebhookEvent.objects.get(type=EventType.UPLOAD_FINISHED)
    assert finished.data["upload_id"] == upload.pk
    assert finished.data["state"] == "done"
