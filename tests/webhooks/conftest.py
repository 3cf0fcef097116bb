import pytest

from webhooks import services
from webhooks.models import EventType
from webhooks.services import endpoint_create


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """Tests deliver by calling the service; the queueing after commit is a no-op here."""
    monkeypatch.setattr(services, "deliver_soon", lambda: None)


@pytest.fixture
def make_endpoint(db):
    def make(url: str, events=(EventType.CONSENT_CHANGED,), name: str = "CRM"):
        return endpoint_create(name=name, url=url, events=list(events))
    return make
