"""JSON shapes of the API's answers."""

from typing import Any

from consents.dates import format_iys_date
from consents.models import Consent, Contact
from consents.selectors import channel_states, tacir_states


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


def contact_to_json(contact: Contact) -> dict[str, Any]:
    return {
        "channels": {channel: {"permission": state.permission, "iys_status": state.iys_status,
                               "pending": state.pending, "sendable": state.sendable,
                               "reason": state.reason}
                     for channel, state in channel_states(contact).items()},
        "tacir": tacir_states(contact),
        "email": contact.email,
        "phone": contact.phone,
        "external_id": contact.external_id,
        "permissions": {"email": contact.email_permission, "sms": contact.sms_permission,
                        "call": contact.call_permission},
        "attributes": contact.attributes,
        "consents": [consent_to_json(c) for c in contact.consents.order_by("-id")],
    }
