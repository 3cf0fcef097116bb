"""JSON shapes of the API's answers."""

from collections.abc import Iterable
from typing import Any

from consents.dates import format_iys_date
from consents.models import Consent, Contact


def consent_to_json(consent: Consent) -> dict[str, Any]:
    return {
        "recipient": consent.recipient,
        "recipient_type": consent.recipient_type,
        "type": consent.type,
        "status": consent.status,
        "source": consent.source,
        "consent_date": format_iys_date(consent.consent_date) if consent.consent_date else None,
        "current": consent.is_current,
        "iys_state": consent.iys_state,
        "iys_transaction_id": consent.iys_transaction_id or None,
        "iys_error": ({"code": consent.iys_error_code, "message": consent.iys_error_message}
                      if consent.iys_error_code else None),
    }


def contact_to_json(contact: Contact,
                    consents: Iterable[Consent] | None = None) -> dict[str, Any]:
    """``consents``: the contact's consents newest first, when the caller loaded them."""
    if consents is None:
        consents = contact.consents.order_by("-id")
    return {
        "email": contact.email,
        "phone": contact.phone,
        "external_id": contact.external_id,
        "permissions": {"email": contact.email_permission, "sms": contact.sms_permission,
                        "call": contact.call_permission},
        "attributes": contact.attributes,
        "consents": [consent_to_json(c) for c in consents],
    }
