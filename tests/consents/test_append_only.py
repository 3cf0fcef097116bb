"""Consent data is legal evidence: nothing deletes or rewrites a consent or an event."""

import pytest
from django.db import IntegrityError, connection, transaction

from consents.models import AppendOnlyError, Consent, ConsentEvent
from consents.services import consent_apply
from tests.consents.factories import ConsentInputFactory, ContactFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent(origin):
    return consent_apply(contact=ContactFactory(), origin=origin, **ConsentInputFactory())


def test_an_event_cannot_be_updated(consent):
    event = ConsentEvent.objects.filter(consent=consent).first()
    event.field = "rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.filter(pk=event.pk).update(field="rewritten")


def test_an_event_cannot_be_deleted(consent):
    event = ConsentEvent.objects.filter(consent=consent).first()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        ConsentEvent.objects.all().delete()
    assert ConsentEvent.objects.filter(pk=event.pk).exists()


def test_what_a_consent_says_cannot_be_rewritten(consent):
    consent.status = "RET"
    with pytest.raises(AppendOnlyError):
        consent.save()
    with pytest.raises(AppendOnlyError):
        Consent.objects.filter(pk=consent.pk).update(status="RET")
    consent.refresh_from_db()
    assert consent.status == "ONAY"


def test_a_consent_cannot_be_deleted(consent):
    with pytest.raises(AppendOnlyError):
        consent.delete()
    with pytest.raises(AppendOnlyError):
        Consent.objects.all().delete()


def test_only_the_delivery_state_moves_on(consent):
    Consent.objects.filter(pk=consent.pk).update(iys_state="sent", iys_request_id="r-1")
    consent.refresh_from_db()
    assert (consent.iys_state, consent.iys_request_id) == ("sent", "r-1")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL's")
@pytest.mark.parametrize("statement", [
    "UPDATE consents_consentevent SET field = 'x' WHERE id = %s",
    "DELETE FROM consents_consentevent WHERE id = %s",
])
def test_the_database_refuses_to_change_an_event_behind_the_models_back(consent, statement):
    event_id = ConsentEvent.objects.filter(consent=consent).first().pk
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event_id])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL's")
@pytest.mark.parametrize("statement", [
    "UPDATE consents_consent SET status = 'RET' WHERE id = %s",
    "UPDATE consents_consent SET consent_date = now() WHERE id = %s",
    "DELETE FROM consents_consent WHERE id = %s",
])
def test_the_database_refuses_to_rewrite_or_delete_a_consent(consent, statement):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [consent.pk])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL's")
def test_the_database_lets_the_delivery_state_move_on(consent):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE consents_consent SET iys_state = 'accepted' WHERE id = %s",
                       [consent.pk])
    consent.refresh_from_db()
    assert consent.iys_state == "accepted"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL's")
def test_the_database_refuses_to_delete_a_contact_its_history_names(consent):
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM consents_contact WHERE id = %s", [consent.contact_id])
    assert ConsentEvent.objects.filter(contact_id=consent.contact_id).exists()
