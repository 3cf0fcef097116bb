"""What the history keeps of a push: who sent each consent, when, in which bulk request, and
what İYS answered, whether the answer comes within the run, in a later run, or after a crash."""

import pytest
from django.db import IntegrityError, connection, transaction

from connectors.models import IysBulkRequest
from connectors.sandbox.server import request_kind
from connectors.services import push
from connectors.services.push import iys_push
from consents.choices import IysState, Origin
from consents.models import Consent, ConsentEvent
from tests.connectors.conftest import configure
from tests.connectors.factories import waiting_consents

pytestmark = pytest.mark.django_db


CLAIMED = {"iys_state": IysState.SENT, "transaction_id": "", "error_code": ""}

def delivery_history() -> dict[int, list[tuple[str, dict]]]:
    """Each consent's delivery events, oldest first: (before, after)."""
    history: dict[int, list[tuple[str, dict]]] = {}
    for event in ConsentEvent.objects.filter(kind=ConsentEvent.Kind.DELIVERY).order_by("pk"):
        assert (event.origin, event.actor_label) == (Origin.SYSTEM, "İYS connector")
        history.setdefault(event.consent_id, []).append((event.before, event.after))
    return history


def sent_in(bulk: IysBulkRequest) -> dict[str, str]:
    return {"request_id": bulk.request_id, "sent_at": bulk.created_at.isoformat()}


def bulk_adds(server) -> int:
    return server.state.request_counts(request_kind).get("bulk_add", 0)


def test_an_answer_within_the_run_is_one_event_naming_the_request_and_its_time(sandbox):
    configure(sandbox, integrator=True)
    consents = waiting_consents(3)

    assert iys_push(poll_wait=10).accepted == 3

    [bulk] = IysBulkRequest.objects.all()
    stored = {r["recipient"]: r["transaction_id"] for r in sandbox.state.consent_rows()}
    history = delivery_history()
    for consent in consents:
        consent.refresh_from_db()
        assert (consent.iys_state, consent.iys_request_id, consent.iys_attempts) == (
            IysState.ACCEPTED, bulk.request_id, 1)
        assert consent.iys_transaction_id == stored[consent.recipient]
        # Claimed before sending (so that nothing can supersede it in flight), then answered.
        assert history[consent.pk] == [(IysState.PENDING, CLAIMED), (IysState.SENT, {
            "iys_state": IysState.ACCEPTED, "transaction_id": consent.iys_transaction_id,
            "error_code": "", **sent_in(bulk)})]
    assert bulk.consent_ids == [c.pk for c in consents] and bulk.completed_at is not None


def test_a_request_still_unanswered_when_the_run_ends_shows_its_consents_as_sent(start_sandbox):
    server = start_sandbox(bulk_delay=3)
    configure(server, integrator=True)
    consents = waiting_consents(2)

    report = iys_push(poll_wait=0.1)

    assert report.waiting == 2 and report.accepted == 0
    [bulk] = IysBulkRequest.objects.all()
    assert set(Consent.objects.values_list("iys_state", "iys_request_id")) == {
        (IysState.SENT, bulk.request_id)}
    assert delivery_history() == {c.pk: [(IysState.PENDING, CLAIMED)] for c in consents}

    server.config.bulk_delay = 0  # the answer is in by the next run
    assert iys_push(poll_wait=10).accepted == 2

    assert bulk_adds(server) == 1  # not sent again
    history = delivery_history()
    for consent in consents:
        consent.refresh_from_db()
        assert consent.iys_attempts == 1
        assert history[consent.pk] == [(IysState.PENDING, CLAIMED), (IysState.SENT, {
            "iys_state": IysState.ACCEPTED, "transaction_id": consent.iys_transaction_id,
            "error_code": "", **sent_in(bulk)})]


def test_requests_of_a_run_that_died_before_their_answers_are_not_sent_again(
        sandbox, monkeypatch):
    configure(sandbox, integrator=True)
    consents = waiting_consents(2)
    with monkeypatch.context() as died:  # killed right after sending: no poll, no clean-up
        died.setattr(push, "_poll", lambda *args, **kwargs: None)
        died.setattr(push, "_open_requests_sent", lambda report: None)
        iys_push(poll_wait=10)
    [_bulk] = IysBulkRequest.objects.all()
    assert set(Consent.objects.values_list("iys_state", flat=True)) == {IysState.SENT}

    assert iys_push(poll_wait=10).accepted == 2

    assert bulk_adds(sandbox) == 1
    assert [before for before, _after in delivery_history()[consents[0].pk]] == [
        IysState.PENDING, IysState.SENT]
    assert delivery_history()[consents[0].pk][0] == (IysState.PENDING, CLAIMED)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL's")
@pytest.mark.parametrize("statement", [
    "DELETE FROM connectors_iysbulkrequest WHERE id = %s",
    "UPDATE connectors_iysbulkrequest SET consent_ids = '[1]' WHERE id = %s",
    "UPDATE connectors_iysbulkrequest SET request_id = 'other' WHERE id = %s",
    "UPDATE connectors_iysbulkrequest SET created_at = now() - interval '1 day' WHERE id = %s",
])
def test_the_database_keeps_a_bulk_request_as_sent(statement):
    bulk = IysBulkRequest.objects.create(request_id="r-1", consent_ids=[7, 8])
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [bulk.pk])
    IysBulkRequest.objects.filter(pk=bulk.pk).update(polls=2)  # its polling moves on
    assert IysBulkRequest.objects.filter(pk=bulk.pk, consent_ids=[7, 8], polls=2).exists()
