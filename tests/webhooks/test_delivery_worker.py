"""A captured consent reaches the receiver through the outbox and a real Celery worker."""

import time

import pytest

from consents.choices import ConsentType, Origin
from consents.origins import ChangeOrigin
from consents.services import consent_apply
from tests.consents.factories import ConsentInputFactory, ContactFactory
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def no_broker():
    """Here the queueing after commit is real: the worker is told to deliver."""


def test_the_worker_delivers_after_commit(celery_worker_process, make_endpoint):
    with Receiver() as receiver:
        _endpoint, receiver.secret = make_endpoint(receiver.url)
        consent_apply(contact=ContactFactory(), **ConsentInputFactory(type=ConsentType.MESAJ),
                      origin=ChangeOrigin(kind=Origin.API, reference="api"))
        deadline = time.monotonic() + 60
        while not receiver.received:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    [delivery] = receiver.received
    assert delivery["body"]["type"] == "consent.changed"
    assert receiver.bad_signatures == 0
