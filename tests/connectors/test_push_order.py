"""One run of the push sends every waiting consent, a recipient's consents in the order given,
each of a recipient's consents in its own request (İYS refuses duplicates within one)."""

from datetime import timedelta

import pytest

from connectors.iys.client import BULK_LIMIT
from connectors.models import IysBulkRequest
from connectors.services.push import iys_push
from consents.choices import ConsentStatus, IysState
from consents.models import Consent
from tests.connectors.conftest import configure
from tests.connectors.factories import waiting_consents

pytestmark = pytest.mark.django_db


def later_consent(consent: Consent, *, minutes: int,
                  status: str = ConsentStatus.RET) -> Consent:
    """The recipient's next consent after ``consent``, waiting too (the older one no longer
    current)."""
    Consent.objects.filter(pk=consent.pk).update(is_current=False)
    return Consent.objects.create(
        contact=consent.contact, recipient=consent.recipient, type=consent.type,
        recipient_type=consent.recipient_type, status=status, source=consent.source,
        consent_date=consent.consent_date + timedelta(minutes=minutes),
        iys_state=IysState.PENDING)


def test_a_recipients_later_consent_waits_for_the_result_of_the_earlier_one(sandbox):
    configure(sandbox, integrator=True)
    first = waiting_consents(BULK_LIMIT + 5, age=timedelta(hours=2))
    # Held back from the first request twice over: near its start and past its end.
    later = [later_consent(first[3], minutes=5), later_consent(first[BULK_LIMIT + 2], minutes=5)]
    again = later_consent(later[0], minutes=10, status=ConsentStatus.ONAY)  # and a third

    # A run sends one movement per recipient: the next waits until İYS answered the one before
    # (a newer movement never overtakes an older one, nor shares its request).
    runs = [iys_push(poll_wait=10) for _run in range(3)]

    assert [run.accepted for run in runs] == [BULK_LIMIT + 5, 2, 1]
    assert runs[-1].rejected == 0 and runs[-1].waiting == 0
    assert set(Consent.objects.values_list("iys_state", flat=True)) == {IysState.ACCEPTED}
    requests = {bulk.request_id: n for n, bulk in enumerate(IysBulkRequest.objects.order_by("id"))}

    def request_of(consent: Consent) -> int:
        return requests[Consent.objects.get(pk=consent.pk).iys_request_id]

    assert request_of(later[0]) > request_of(first[3])
    assert request_of(later[1]) > request_of(first[BULK_LIMIT + 2])
    assert request_of(again) > request_of(later[0])
    stored = {row["recipient"]: row["status"] for row in sandbox.state.consent_rows()}
    assert stored[first[3].recipient] == "ONAY" and stored[first[BULK_LIMIT + 2].recipient] == "RET"
