"""Reads of contacts and consents."""

import contextlib

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from consents.identifiers import (
    PHONE_PUNCTUATION,
    identifier_kind,
    normalize_email,
    normalize_phone,
)
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
    (in any local form: 0532…, 532…, 90532…, +90 532…), an e-mail domain (@example.com.tr) and
    the start of an external ID. Values the indexes answer: exact for e-mail and phone, a
    prefix of the external ID and of the reversed e-mail (consents migration 0011)."""
    term = term.strip()
    if not term:
        return {}
    found = {"external_id": term, "external_id_prefix": term}
    if term.startswith("@") and len(term) > 1:
        found["email_domain"] = term.lower()[::-1]  # a prefix of the reversed address
    with contextlib.suppress(ValidationError):
        found["email"] = normalize_email(term)
    for candidate in _phone_candidates(term):
        try:
            found["phone"] = normalize_phone(candidate)
            break
        except ValidationError:
            continue
    return found


def _phone_candidates(term: str) -> list[str]:
    """A Turkish number as people write it, with the country code made explicit."""
    digits = PHONE_PUNCTUATION.sub("", term)
    candidates = [term]
    if digits.isdigit():
        if digits.startswith("0") and not digits.startswith("00"):
            candidates.append("+90" + digits[1:])  # 0532 123 45 67
        elif len(digits) == 10 and digits.startswith("5"):
            candidates.append("+90" + digits)  # 532 123 45 67
        elif len(digits) == 12 and digits.startswith("90"):
            candidates.append("+" + digits)  # 90 532 123 45 67
    return candidates
