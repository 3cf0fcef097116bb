from datetime import timedelta

import factory
from django.utils import timezone

from consents.choices import ConsentSource, ConsentStatus, ConsentType, IysState
from consents.models import Consent, Contact, ProfileAttribute


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
