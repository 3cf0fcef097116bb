from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from consents.choices import ConsentSource, ConsentStatus, ConsentType, IysState, Origin
from consents.models import Consent, ConsentEvent, Contact, ProfileAttribute


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    email = factory.Sequence(lambda n: f"kisi{n}@example.com")
    phone = factory.Sequence(lambda n: f"+90532{n:07d}")
    external_id = factory.Sequence(lambda n: f"ext-{n}")


class ProfileAttributeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProfileAttribute
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"attribute_{n}")
    label = factory.LazyAttribute(lambda o: o.name.title())
    type = ProfileAttribute.Type.TEXT


class ConsentInputFactory(factory.DictFactory):
    """Keyword arguments for consents.services.consent_apply."""

    type = ConsentType.EPOSTA
    status = ConsentStatus.ONAY
    source = ConsentSource.HS_WEB
    consent_date = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))


class ConsentFactory(factory.django.DjangoModelFactory):
    """A stored consent written directly (no history), by default waiting for İYS."""

    class Meta:
        model = Consent

    contact = factory.SubFactory(ContactFactory)
    type = ConsentType.EPOSTA
    recipient = factory.LazyAttribute(
        lambda o: o.contact.email if o.type == ConsentType.EPOSTA else o.contact.phone)
    status = ConsentStatus.ONAY
    source = ConsentSource.HS_WEB
    consent_date = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    iys_state = IysState.PENDING


def consent_columns_set(consent: Consent, **columns: Any) -> None:
    """Set a stored consent's delivery columns or ``is_current`` as a test's setup, with the
    event the database asks for in the same transaction (migration consents evidence_guards)."""
    Consent.objects.filter(pk=consent.pk).update(**columns)
    ConsentEvent.objects.create(
        contact_id=consent.contact_id, consent_id=consent.pk, kind=ConsentEvent.Kind.DELIVERY,
        field=consent.type, after={name: str(value) for name, value in columns.items()},
        origin=Origin.SYSTEM, origin_reference="test setup")
