"""contact_upsert when a concurrent writer stores the same new identifier first: the write is
retried and finds that contact, instead of failing (a 500 or a 400 in the API)."""

import pytest

from consents import services
from consents.models import ConsentEvent, Contact
from consents.services import contact_upsert

pytestmark = pytest.mark.django_db


def lose_the_race_once(monkeypatch, name: str, stand_in):
    """Replace consents.services.<name> by stand_in for its first call only."""
    real, calls = getattr(services, name), []

    def once(*args, **kwargs):
        calls.append(1)
        return (stand_in if len(calls) == 1 else real)(*args, **kwargs)

    monkeypatch.setattr(services, name, once)
    return calls


@pytest.fixture
def winner(origin):
    contact, _created = contact_upsert(phone="+905551234567", origin=origin)
    return contact


def test_a_contact_stored_after_the_lookup_is_found_on_retry(monkeypatch, origin, winner):
    # The lookup ran before the winner committed; the identifier check then sees it.
    calls = lose_the_race_once(monkeypatch, "contact_find", lambda **ids: None)
    contact, created = contact_upsert(phone="+90 555 123 45 67", email="late@example.com",
                                      origin=origin)
    assert len(calls) == 2
    assert (contact.pk, created) == (winner.pk, False)
    assert Contact.objects.get().email == "late@example.com"


def test_a_unique_constraint_violation_is_retried(monkeypatch, origin, winner):
    # Both passed the identifier check before either committed: only the constraint sees it.
    lose_the_race_once(monkeypatch, "contact_find", lambda **ids: None)
    lose_the_race_once(monkeypatch, "_ensure_identifiers_free", lambda contact: None)
    contact, created = contact_upsert(phone="+905551234567", origin=origin)
    assert (contact.pk, created) == (winner.pk, False)
    assert Contact.objects.count() == 1
    assert ConsentEvent.objects.filter(field="created").count() == 1


def test_an_identifier_of_another_known_contact_is_still_refused(origin, winner):
    contact_upsert(email="other@example.com", origin=origin)
    with pytest.raises(services.ValidationError) as refused:
        contact_upsert(email="other@example.com", phone="+905551234567",
                       external_id="CRM-9", origin=origin)
    assert "already belongs to another contact" in str(refused.value)
