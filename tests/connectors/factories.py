"""Consents waiting for İYS, made quickly (bulk) for the connector's volume tests."""

from datetime import timedelta

from django.utils import timezone

from consents.choices import ConsentSource, ConsentStatus, ConsentType, IysState, RecipientType
from consents.models import Consent, Contact


def waiting_consents(count: int, *, start: int = 0, type: str = ConsentType.MESAJ,
                     status: str = ConsentStatus.ONAY, age: timedelta = timedelta(hours=1),
                     state: str = IysState.PENDING) -> list[Consent]:
    """``count`` contacts, each with one current consent in ``state`` (default: pending)."""
    contacts = Contact.objects.bulk_create(
        [Contact(phone=f"+90532{start + n:07d}", email=f"kisi{start + n}@example.com")
         for n in range(count)])
    when = timezone.now() - age
    field = "email" if type == ConsentType.EPOSTA else "phone"
    return Consent.objects.bulk_create(
        [Consent(contact=contact, recipient=getattr(contact, field),
                 recipient_type=RecipientType.BIREYSEL, type=type, status=status,
                 source=ConsentSource.HS_WEB, consent_date=when, iys_state=state)
         for contact in contacts], batch_size=2000)
