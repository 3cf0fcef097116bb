"""consent.iys_rejected and connector.blocked enter the outbox with the change."""

import pytest

from connectors.models import IysConnector
from connectors.services import push
from consents.choices import IysState, Origin
from consents.delivery import DeliveryUpdate, consent_delivery_bulk_update
from consents.origins import ChangeOrigin
from tests.consents.factories import ConsentFactory
from tests.uploads.factories import IysConnectorFactory
from uploads.models import Upload
from webhooks.models import EventType, WebhookEvent

pytestmark = pytest.mark.django_db

PUSH = ChangeOrigin(kind=Origin.SYSTEM, reference="push")


def test_a_rejection_by_iys_is_announced_with_its_code(make_endpoint):
    make_endpoint("http://127.0.0.1:9/a", events=[EventType.CONSENT_IYS_REJECTED])
    rejected, accepted = ConsentFactory(), ConsentFactory()
    consent_delivery_bulk_update(updates=[
        DeliveryUpdate(rejected.pk, IysState.REJECTED, error_code="H178",
                       error_message="not newer"),
        DeliveryUpdate(accepted.pk, IysState.ACCEPTED, transaction_id="t1")], origin=PUSH)
    event = WebhookEvent.objects.get()
    assert event.type == EventType.CONSENT_IYS_REJECTED
    assert event.data["consent_id"] == rejected.pk
    assert event.data["error"] == {"code": "H178", "message": "not newer"}


def test_a_blocked_connector_is_announced(make_endpoint):
    make_endpoint("http://127.0.0.1:9/a", events=[EventType.CONNECTOR_BLOCKED])
    connector = IysConnectorFactory()
    push._block(connector, "İYS refused the API user name or password (H351).")
    assert IysConnector.load().blocked_reason
    event = WebhookEvent.objects.get()
    assert event.data == {"reason": "İYS refused the API user name or password (H351)."}


def test_a_finished_upload_is_announced_once_however_often_it_is_saved(make_endpoint):
    make_endpoint("http://127.0.0.1:9/a", events=[EventType.UPLOAD_FINISHED])
    upload = Upload.objects.create(name="contacts.csv", state=Upload.State.BLOCKED,
                                   message="No İYS columns.")
    upload.save()  # saved again in the same final state (e.g. a blocked upload re-saved)
    upload.save(update_fields=["state", "message"])
    [event] = WebhookEvent.objects.filter(type=EventType.UPLOAD_FINISHED)
    assert (event.data["upload_id"], event.data["state"]) == (upload.pk, "blocked")
