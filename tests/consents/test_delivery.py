"""Delivery updates in bulk: only the delivery fields move, one history event per change.

Every test runs on both paths: the set-based one (PostgreSQL's) and the portable one (Django's
bulk_update, SQLite's for `make run`), which must write the same rows and events.
"""

import psycopg
import pytest
from django.db import connection

from consents import delivery
from consents.choices import ConsentType, IysState
from consents.delivery import DeliveryUpdate, consent_delivery_bulk_update
from consents.models import Consent, ConsentEvent
from tests.consents.factories import ConsentFactory

pytestmark = pytest.mark.django_db


# The set-based path is PostgreSQL's; elsewhere only the portable one exists.
PATHS = ["set-based", "portable"] if connection.vendor == "postgresql" else ["portable"]


@pytest.fixture(params=PATHS)
def path(request, monkeypatch) -> str:
    if request.param == "portable":
        monkeypatch.setattr(delivery, "_postgres_apply", delivery._django_apply)
    return request.param


def stored() -> dict[int, dict]:
    return {row["id"]: row for row in Consent.objects.values()}


def split(row: dict) -> tuple[dict, dict]:
    """(what the consent says, its delivery state)."""
    says = {k: v for k, v in row.items() if k not in Consent.DELIVERY_FIELDS}
    return says, {k: v for k, v in row.items() if k in Consent.DELIVERY_FIELDS}


def delivery_events() -> list[ConsentEvent]:
    return list(ConsentEvent.objects.filter(kind=ConsentEvent.Kind.DELIVERY).order_by("pk"))


def test_results_change_only_the_delivery_fields_and_write_one_event_per_consent(path, origin):
    sent = ConsentFactory.create_batch(3, iys_state=IysState.SENT, iys_request_id="req-1",
                                       iys_attempts=1, type=ConsentType.MESAJ)
    rejected = ConsentFactory(iys_state=IysState.SENT, iys_request_id="req-1", iys_attempts=1)
    final = ConsentFactory(iys_state=IysState.ACCEPTED, iys_transaction_id="tx-old")
    before = stored()
    updates = [DeliveryUpdate(consent_id=c.pk, state=IysState.ACCEPTED, transaction_id=f"tx-{i}")
               for i, c in enumerate(sent)]
    updates += [DeliveryUpdate(consent_id=rejected.pk, state=IysState.REJECTED,
                               error_code="H175", error_message="İlk kayıt RET olamaz\t(tab)"),
                DeliveryUpdate(consent_id=final.pk, state=IysState.REJECTED, error_code="X")]

    assert len(consent_delivery_bulk_update(updates=updates, origin=origin)) == 4

    after = stored()
    assert after[final.pk] == before[final.pk]  # a final state is never rewritten
    for pk, row in after.items():
        assert split(row)[0] == split(before[pk])[0]  # what a consent says never changes
    for i, consent in enumerate(sent):
        assert split(after[consent.pk])[1] == {
            **split(before[consent.pk])[1], "iys_state": IysState.ACCEPTED,
            "iys_transaction_id": f"tx-{i}", "iys_updated_at": after[consent.pk]["iys_updated_at"]}
    assert split(after[rejected.pk])[1] == {
        **split(before[rejected.pk])[1], "iys_state": IysState.REJECTED, "iys_error_code": "H175",
        "iys_error_message": "İlk kayıt RET olamaz\t(tab)",
        "iys_updated_at": after[rejected.pk]["iys_updated_at"]}

    events = delivery_events()
    assert [(e.consent_id, e.contact_id, e.field, e.before, e.after) for e in events] == [
        *[(c.pk, c.contact_id, ConsentType.MESAJ, IysState.SENT,
           {"iys_state": IysState.ACCEPTED, "transaction_id": f"tx-{i}", "error_code": ""})
          for i, c in enumerate(sent)],
        (rejected.pk, rejected.contact_id, ConsentType.EPOSTA, IysState.SENT,
         {"iys_state": IysState.REJECTED, "transaction_id": "", "error_code": "H175"})]
    stamp = after[rejected.pk]["iys_updated_at"]
    assert {(e.origin, e.origin_reference, e.created_at) for e in events} == {
        (origin.kind, origin.reference, stamp)}


def test_sending_a_batch_moves_each_consent_alike_and_keeps_known_transaction_ids(path, origin):
    waiting = ConsentFactory.create_batch(3)
    retried = ConsentFactory(iys_attempts=2, iys_error_message="İYS down",
                             iys_transaction_id="tx-kept")
    before = stored()

    applied = consent_delivery_bulk_update(updates=[
        DeliveryUpdate(consent_id=c.pk, state=IysState.SENT, request_id="req-9", attempted=True)
        for c in [*waiting, retried]], origin=origin)

    assert len(applied) == 4
    after = stored()
    for pk, row in after.items():
        says, state = split(row)
        assert says == split(before[pk])[0]
        assert state == {**split(before[pk])[1], "iys_state": IysState.SENT,
                         "iys_request_id": "req-9", "iys_error_message": "",
                         "iys_attempts": before[pk]["iys_attempts"] + 1,
                         "iys_updated_at": state["iys_updated_at"]}
    assert after[retried.pk]["iys_transaction_id"] == "tx-kept"
    assert sorted(e.consent_id for e in delivery_events()) == sorted(after)


def test_an_attempt_that_changes_no_state_writes_no_event(path, origin):
    consent = ConsentFactory()

    consent_delivery_bulk_update(updates=[DeliveryUpdate(
        consent_id=consent.pk, state=IysState.PENDING, attempted=True,
        error_message="İYS is unavailable")], origin=origin)

    consent.refresh_from_db()
    assert (consent.iys_attempts, consent.iys_error_message) == (1, "İYS is unavailable")
    assert delivery_events() == []


def test_an_unknown_state_changes_nothing(path, origin):
    consent = ConsentFactory()
    with pytest.raises(ValueError):
        consent_delivery_bulk_update(updates=[
            DeliveryUpdate(consent_id=consent.pk, state=IysState.SENT),
            DeliveryUpdate(consent_id=consent.pk + 1, state="delivered")], origin=origin)
    consent.refresh_from_db()
    assert consent.iys_state == IysState.PENDING and not delivery_events()


def test_a_redelivered_result_is_applied_once(path, origin):
    consent = ConsentFactory(iys_state=IysState.SENT)
    update = DeliveryUpdate(consent_id=consent.pk, state=IysState.ACCEPTED, transaction_id="tx")
    assert len(consent_delivery_bulk_update(updates=[update], origin=origin)) == 1
    assert consent_delivery_bulk_update(updates=[update, update], origin=origin) == []
    assert len(delivery_events()) == 1


def test_each_event_names_the_state_its_consent_left_whatever_mixes_in_a_batch(path, origin):
    waiting = ConsentFactory(iys_state=IysState.PENDING)
    sent = ConsentFactory(iys_state=IysState.SENT, iys_request_id="req-1")
    local = ConsentFactory(iys_state=IysState.LOCAL)
    final = ConsentFactory(iys_state=IysState.REJECTED, iys_error_code="H175")

    applied = consent_delivery_bulk_update(updates=[
        DeliveryUpdate(consent_id=c.pk, state=IysState.ACCEPTED, transaction_id=f"tx-{c.pk}")
        for c in (final, local, sent, waiting)], origin=origin)

    assert len(applied) == 3
    assert {e.consent_id: e.before for e in delivery_events()} == {
        waiting.pk: IysState.PENDING, sent.pk: IysState.SENT, local.pk: IysState.LOCAL}
    assert dict(Consent.objects.values_list("pk", "iys_state")) == {
        waiting.pk: IysState.ACCEPTED, sent.pk: IysState.ACCEPTED, local.pk: IysState.ACCEPTED,
        final.pk: IysState.REJECTED}


def test_a_bulk_requests_result_names_the_request_and_when_it_was_sent(path, origin):
    """A consent answered within the push was never written as sent: its one event keeps it."""
    from datetime import UTC, datetime

    waiting = ConsentFactory()
    sent_at = datetime(2026, 11, 24, 7, 30, 5, 120, tzinfo=UTC)

    consent_delivery_bulk_update(updates=[DeliveryUpdate(
        consent_id=waiting.pk, state=IysState.ACCEPTED, transaction_id="tx-1",
        request_id="req-7", attempted=True, sent_at=sent_at)], origin=origin)

    waiting.refresh_from_db()
    assert (waiting.iys_state, waiting.iys_request_id, waiting.iys_attempts) == (
        IysState.ACCEPTED, "req-7", 1)
    [event] = delivery_events()
    assert (event.before, event.after) == (IysState.PENDING, {
        "iys_state": IysState.ACCEPTED, "transaction_id": "tx-1", "error_code": "",
        "request_id": "req-7", "sent_at": "2026-11-24T07:30:05.000120+00:00"})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the set-based path is PostgreSQL's")
def test_a_batch_takes_as_many_statements_whatever_its_size(origin, monkeypatch):
    """No statement per consent: the lock, the UPDATE and the events' insert are one."""
    statements: list[str] = []
    for name in ("execute", "copy"):
        monkeypatch.setattr(psycopg.Cursor, name, counting(getattr(psycopg.Cursor, name),
                                                           statements))

    def statements_for(count: int) -> int:
        consents = ConsentFactory.create_batch(count, iys_state=IysState.SENT)
        statements.clear()
        consent_delivery_bulk_update(updates=[
            DeliveryUpdate(consent_id=c.pk, state=IysState.ACCEPTED, transaction_id=f"tx-{c.pk}")
            for c in consents], origin=origin)
        return len(statements)

    assert statements_for(2) == statements_for(300)
    assert len(delivery_events()) == 302


def counting(method, statements: list[str]):
    def counted(self, statement, *args, **kwargs):
        statements.append(statement)
        return method(self, statement, *args, **kwargs)
    return counted
