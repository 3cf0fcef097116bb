"""Contacts are found by external ID, then e-mail, then phone; the newest data wins."""

import pytest
from django.core.exceptions import ValidationError

from consents.models import ConsentEvent, Contact
from consents.services import contact_upsert
from tests.consents.factories import ContactFactory, ProfileAttributeFactory

pytestmark = pytest.mark.django_db


def test_a_new_contact_is_created_with_normalised_identifiers(origin):
    contact, created = contact_upsert(email=" Ali@Example.COM ", phone="+90 (532) 123 45 67",
                                      origin=origin)
    assert created
    assert (contact.email, contact.phone) == ("ali@example.com", "+905321234567")
    assert ConsentEvent.objects.filter(contact=contact, field="created").exists()


def test_external_id_decides_before_email(origin):
    by_id = ContactFactory(external_id="CRM-1", email="old@example.com")
    contact, created = contact_upsert(external_id="CRM-1", email="new@example.com",
                                      origin=origin)
    assert not created and contact.pk == by_id.pk
    assert contact.email == "new@example.com"


def test_email_decides_before_phone(origin):
    by_email = ContactFactory(email="ali@example.com", phone="+905321111111", external_id=None)
    contact, created = contact_upsert(email="ali@example.com", phone="+905322222222",
                                      origin=origin)
    assert not created and contact.pk == by_email.pk and contact.phone == "+905322222222"


def test_an_identifier_of_another_contact_is_refused(origin):
    ContactFactory(email="ali@example.com")
    ContactFactory(external_id="CRM-9", email="veli@example.com")
    with pytest.raises(ValidationError) as refused:
        contact_upsert(external_id="CRM-9", email="ali@example.com", origin=origin)
    assert "email" in refused.value.error_dict
    assert Contact.objects.get(external_id="CRM-9").email == "veli@example.com"


def test_at_least_one_identifier_is_needed(origin):
    with pytest.raises(ValidationError, match="at least one identifier"):
        contact_upsert(email=" ", origin=origin)


def test_only_configured_attributes_are_stored_each_of_its_type(origin):
    ProfileAttributeFactory(name="points", type="number")
    ProfileAttributeFactory(name="birth_date", type="date")
    ProfileAttributeFactory(name="vip", type="boolean")
    contact, _ = contact_upsert(email="a@example.com", origin=origin,
                                attributes={"points": "12,5", "birth_date": "03.02.1990",
                                            "vip": "evet"})
    assert contact.attributes == {"points": 12.5, "birth_date": "1990-02-03", "vip": True}
    with pytest.raises(ValidationError) as refused:
        contact_upsert(email="a@example.com", origin=origin,
                       attributes={"surname": "Yılmaz", "points": "çok"})
    assert set(refused.value.error_dict) == {"surname", "points"}
    assert "Developers › Profile Attributes" in refused.value.error_dict["surname"][0].message


def test_an_unchanged_upsert_writes_no_event(origin):
    contact_upsert(email="a@example.com", origin=origin)
    before = ConsentEvent.objects.count()
    contact_upsert(email="a@example.com", origin=origin)
    assert ConsentEvent.objects.count() == before
