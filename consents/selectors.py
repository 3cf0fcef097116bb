"""Reads of contacts and consents."""

import contextlib

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from consents.identifiers import identifier_kind, normalize_email, normalize_phone
from consents.models import Consent, Contact


def contact_find(*, email: str | None = None, phone: str | None = None,
                 external_id: str | None = None) -> Contact | None:
    """The contact an identifier set points at: external ID first, then e-mail, then phone."""
    for field, value in (("external_id", external_id), ("email", email), ("phone", phone)):
        if value:
            contact = Contact.objects.filter(**{field: value}).first()
            if contact is not None:
                return contact
    return None


def contact_lookup(identifier: str) -> Contact | None:
    """Find a contact by any one identifier, as the API's URL gives it."""
    if "\x00" in identifier:  # no stored identifier can hold a NUL byte
        return None
    kind = identifier_kind(identifier)
    if kind == "email":
        try:
            return Contact.objects.filter(email=normalize_email(identifier)).first()
        except ValidationError:  # an unparsable e-mail simply matches nobody
            return None
    if kind == "phone":
        try:
            found = Contact.objects.filter(phone=normalize_phone(identifier)).first()
        except ValidationError:
            found = None
        if found is not None:
            return found
    return Contact.objects.filter(external_id=identifier.strip()).first()


def consent_current(*, recipient: str, recipient_type: str, type: str) -> Consent | None:
    return (Consent.objects.current()
            .filter(recipient=recipient, recipient_type=recipient_type, type=type).first())


def contact_consents(contact: Contact) -> QuerySet[Consent]:
    return contact.consents.order_by("-id")


def identifier_matches(term: str) -> dict[str, str]:
    """What a search term can be, written as identifiers are stored: an e-mail, a phone number
    (also in the national 0XXX form) and an external ID. Exact values, so that a search is a
    probe of the unique indexes."""
    term = term.strip()
    if not term:
        return {}
    found = {"external_id": term}
    with contextlib.suppress(ValidationError):
        found["email"] = normalize_email(term)
    national = "+90" + term[1:] if term.startswith("0") and not term.startswith("00") else None
    for candidate in filter(None, (term, national)):
        try:
            found["phone"] = normalize_phone(candidate)
            break
        except ValidationError:
            continue
    return found
