"""Recording consents that come from İYS (pull, initial sync): İYS already stores them.

A record from İYS is checked with the same rule checker as every consent (shape, recipient,
dates); a citizen's own change carries an İYS source (IYS_MOBIL, …) rather than an HS_ one.
The previous record stays as evidence, the channel permission follows, and every change is a
ConsentEvent with the origin given (İYS pull).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from consents.choices import CHANNEL_OF_TYPE, ConsentType, IysState, RecipientType
from consents.models import Consent, Contact
from consents.rules import ConsentFacts, consent_errors
from consents.selectors import consent_current, contact_find
from consents.services import ChangeOrigin, consent_recorded, contact_update

CITIZEN_SOURCE_PREFIX = "IYS_"


def iys_record_check(facts: ConsentFacts) -> None:
    """The İYS rules a stored İYS record must meet; citizens' sources are İYS's own."""
    errors = consent_errors(facts, current=None)
    if facts.source.startswith(CITIZEN_SOURCE_PREFIX):
        errors.pop("source", None)
    if errors:
        raise ValidationError(errors)


def iys_record_contact(*, recipient: str, type: str, origin: ChangeOrigin) -> Contact:
    """The contact İYS's recipient belongs to; an unknown recipient becomes a new contact."""
    field = "email" if type == ConsentType.EPOSTA else "phone"
    contact = contact_find(**{field: recipient})
    if contact is None:
        contact = contact_update(contact=None, **{field: recipient}, origin=origin)
    return contact


@transaction.atomic
def consent_record_from_iys(*, recipient: str, recipient_type: str, type: str, status: str,
                            source: str, consent_date: datetime | None, transaction_id: str,
                            origin: ChangeOrigin) -> Consent | None:
    """Store İYS's record as the current consent; None when we already have exactly it."""
    if transaction_id and Consent.objects.filter(iys_transaction_id=transaction_id).exists():
        return None
    facts = ConsentFacts(recipient=recipient, recipient_type=recipient_type, type=type,
                         status=status, source=source or "", consent_date=consent_date)
    iys_record_check(facts)
    contact = iys_record_contact(recipient=recipient, type=type, origin=origin)
    list(Consent.objects.select_for_update().current()
         .filter(recipient=recipient, recipient_type=recipient_type, type=type))
    current = consent_current(recipient=recipient, recipient_type=recipient_type, type=type)
    if current is not None:
        Consent.objects.filter(pk=current.pk).update(is_current=False)
    consent = Consent.objects.create(
        contact=contact, recipient=recipient, recipient_type=recipient_type, type=type,
        status=status, source=facts.source, consent_date=consent_date,
        iys_state=IysState.ACCEPTED, iys_transaction_id=transaction_id,
        iys_updated_at=timezone.now())
    consent_recorded(contact=contact, consent=consent, previous=current, origin=origin,
                     extra={"transaction_id": transaction_id})
    if recipient_type == RecipientType.BIREYSEL:  # İYS holds exactly this now
        field = f"{CHANNEL_OF_TYPE[type]}_iys_status"
        Contact.objects.filter(pk=contact.pk).update(**{field: status})
        setattr(contact, field, status)
    return consent
