"""Every write to contacts, permissions and consents goes through these functions."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from consents.choices import (
    CHANNEL_OF_TYPE,
    PERMISSION_OF_STATUS,
    TYPE_OF_CHANNEL,
    ConsentStatus,
    ConsentType,
    IysState,
    Origin,
    Permission,
    RecipientType,
)
from consents.delivery import SUPERSEDABLE, consent_delivery_bulk_update, superseded
from consents.identifiers import normalize_email, normalize_external_id, normalize_phone
from consents.models import Consent, ConsentEvent, Contact, ProfileAttribute
from consents.origins import ChangeOrigin
from consents.policy import delivery_policy
from consents.rules import TURKEY, ConsentFacts, StoredConsent, consent_check
from consents.selectors import contact_find

# Each identifier's normaliser, in the order identifiers_clean reports their problems.
IDENTIFIER_NORMALIZERS = {"email": normalize_email, "phone": normalize_phone,
                          "external_id": normalize_external_id}


def identifiers_clean(*, email: str | None, phone: str | None,
                      external_id: str | None) -> dict[str, str | None]:
    """Normalised identifiers, or a ValidationError naming each bad one."""
    cleaned: dict[str, str | None] = {}
    errors: dict[str, list[ValidationError]] = {}
    given = {"email": email, "phone": phone, "external_id": external_id}
    for field, normalize in IDENTIFIER_NORMALIZERS.items():
        raw = given[field]
        if raw is None or not str(raw).strip():
            cleaned[field] = None
            continue
        try:
            cleaned[field] = normalize(str(raw))
        except ValidationError as error:
            errors[field] = error.error_list
    if errors:
        raise ValidationError(errors)
    if not any(cleaned.values()):
        raise ValidationError(_("Give at least one identifier: e-mail, phone or external ID."),
                              code="no_identifier")
    return cleaned


def attribute_value_clean(attribute: ProfileAttribute, raw: Any) -> Any:
    """A profile attribute value coerced to its configured type (JSON-safe)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    kind = attribute.type
    if kind == ProfileAttribute.Type.NUMBER:
        try:
            number = Decimal(text.replace(",", ".")) if isinstance(raw, str) else Decimal(raw)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValidationError(_("“%(value)s” is not a number.") % {"value": text},
                                  code="number")
        return int(number) if number == number.to_integral_value() else float(number)
    if kind == ProfileAttribute.Type.DATE:
        parsed = _parse_attribute_date(text)
        if parsed is None:
            raise ValidationError(
                _("“%(value)s” is not a date; write it as YYYY-MM-DD or dd.mm.yyyy.")
                % {"value": text}, code="date")
        return parsed.isoformat()
    if kind == ProfileAttribute.Type.BOOLEAN:
        truthy = {"1", "true", "yes", "evet", "e", "doğru", "y"}
        falsy = {"0", "false", "no", "hayır", "hayir", "h", "yanlış", "n"}
        lowered = text.lower()
        if lowered in truthy or raw is True:
            return True
        if lowered in falsy or raw is False:
            return False
        raise ValidationError(_("“%(value)s” is not yes or no.") % {"value": text},
                              code="boolean")
    return text


def _parse_attribute_date(text: str) -> date | None:
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is not None:
        return parsed
    for separator in (".", "/"):
        parts = text.split(separator)
        if len(parts) == 3 and all(part.isdigit() for part in parts):
            day, month, year = (int(part) for part in parts)
            try:
                return date(year if year > 99 else 2000 + year, month, day)
            except ValueError:
                return None
    return None


def attributes_clean(values: dict[str, Any]) -> dict[str, Any]:
    """Only configured profile attributes, each of its type; errors keyed by attribute name."""
    configured = {a.name: a for a in ProfileAttribute.objects.filter(name__in=list(values))}
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[ValidationError]] = {}
    for name, raw in values.items():
        attribute = configured.get(name)
        if attribute is None:
            errors[name] = [ValidationError(
                _("No profile attribute “%(name)s”: create it under Developers › "
                  "Profile Attributes.") % {"name": name}, code="unknown_attribute")]
            continue
        try:
            cleaned[name] = attribute_value_clean(attribute, raw)
        except ValidationError as error:
            errors[name] = error.error_list
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def contact_upsert(*, email: str | None = None, phone: str | None = None,
                   external_id: str | None = None, attributes: dict[str, Any] | None = None,
                   origin: ChangeOrigin) -> tuple[Contact, bool]:
    """Find the contact by external ID, else e-mail, else phone; create it or bring it up to date.

    The newest data wins: identifiers and attributes given here overwrite the stored ones.
    """
    ids = identifiers_clean(email=email, phone=phone, external_id=external_id)
    for attempt in range(1, IDENTIFIER_RACE_ATTEMPTS + 1):
        existing = contact_find(**ids)
        last = attempt == IDENTIFIER_RACE_ATTEMPTS
        try:
            with transaction.atomic():  # a savepoint: losing a race leaves the caller's work
                contact = contact_update(contact=existing, **ids, attributes=attributes,
                                         origin=origin)
            return contact, existing is None
        # A concurrent writer stored the identifier first (seen by the check, or only by the
        # constraint): look again and find its contact.
        except IntegrityError as error:
            if last or not _identifier_race(error):
                raise
        except ValidationError as error:
            if last or existing is not None or not _identifier_taken(error):
                raise


# The unique constraints of Contact's identifiers, which two concurrent first captures of one
# new e-mail or phone both pass _ensure_identifiers_free for: the second one's INSERT waits
# for the first to commit, then fails on the constraint, and is retried once it can see it.
IDENTIFIER_CONSTRAINTS = ("contact_email_unique", "contact_phone_unique",
                          "contact_external_id_unique")
IDENTIFIER_RACE_ATTEMPTS = 3


def _identifier_taken(error: ValidationError) -> bool:
    items = ([item for items in error.error_dict.values() for item in items]
             if hasattr(error, "error_dict") else error.error_list)
    return any(item.code == "identifier_taken" for item in items)


def _identifier_race(error: IntegrityError) -> bool:
    cause = error.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None) or str(cause)
    return (any(constraint in name for constraint in IDENTIFIER_CONSTRAINTS)
            or "consents_contact." in name)  # SQLite names the column, not the constraint


@transaction.atomic
def contact_update(*, contact: Contact | None, email: str | None = None,
                   phone: str | None = None, external_id: str | None = None,
                   attributes: dict[str, Any] | None = None, origin: ChangeOrigin,
                   clear_missing: bool = False) -> Contact:
    """Create a contact (contact=None) or change one; every change leaves an event.

    Empty identifiers keep the stored ones, unless clear_missing (an admin editing the form).
    """
    ids = identifiers_clean(email=email, phone=phone, external_id=external_id)
    attributes = attributes_clean(attributes or {})
    if contact is None:
        contact = Contact(**ids, attributes={k: v for k, v in attributes.items() if v is not None})
        _ensure_identifiers_free(contact)
        contact.save()
        ConsentEvent.objects.create(contact=contact, kind=ConsentEvent.Kind.CONTACT,
                                    field="created", after={**ids, **contact.attributes},
                                    **origin.event_fields())
        return contact
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    changes = {field: value for field, value in ids.items()
               if (value or clear_missing) and getattr(contact, field) != value}
    changed_attributes = {name: value for name, value in attributes.items()
                          if contact.attributes.get(name) != value}
    if not changes and not changed_attributes:
        return contact
    before = {field: getattr(contact, field) for field in changes}
    before.update({name: contact.attributes.get(name) for name in changed_attributes})
    for field, value in changes.items():
        setattr(contact, field, value)
    merged = {**contact.attributes, **changed_attributes}
    contact.attributes = {name: value for name, value in merged.items() if value is not None}
    contact.updated_at = timezone.now()
    _ensure_identifiers_free(contact)
    contact.save()
    ConsentEvent.objects.create(contact=contact, kind=ConsentEvent.Kind.CONTACT, field="updated",
                                before=before, after={**changes, **changed_attributes},
                                **origin.event_fields())
    return contact


def _ensure_identifiers_free(contact: Contact) -> None:
    errors = {}
    for field in ("email", "phone", "external_id"):
        value = getattr(contact, field)
        if value and Contact.objects.filter(**{field: value}).exclude(pk=contact.pk).exists():
            errors[field] = ValidationError(
                _("%(value)s already belongs to another contact.") % {"value": value},
                code="identifier_taken")
    if errors:
        raise ValidationError(errors)


def permission_set(*, contact: Contact, channel: str, value: str,
                   origin: ChangeOrigin) -> bool:
    """Set one channel's sending permission on its own (no consent behind it, e.g. an admin
    or a Subscribed upload); returns whether it changed."""
    if value not in Permission.values:
        raise ValidationError(_("Permission must be opt_in or opt_out."), code="permission")
    before = contact.permission(channel)
    if not _permission_save(contact, channel, value):
        return False
    ConsentEvent.objects.create(contact=contact, kind=ConsentEvent.Kind.PERMISSION,
                                field=channel, before=before, after=value,
                                **origin.event_fields())
    return True


def permission_consent_record(*, contact: Contact, channel: str, value: str, source: str,
                              origin: ChangeOrigin) -> Consent:
    """A channel permission changed by hand (the contact page): the person gave or withdrew
    consent now, from ``source``; it is recorded as an individual consent and goes to İYS like
    any other, so that a permission is never flipped without a consent behind it."""
    if value not in Permission.values:
        raise ValidationError(_("Permission must be opt_in or opt_out."), code="permission")
    status = ConsentStatus.ONAY if value == Permission.OPT_IN else ConsentStatus.RET
    return consent_apply(contact=contact, type=TYPE_OF_CHANNEL[channel], status=status,
                         source=source, consent_date=timezone.now().replace(microsecond=0),
                         origin=origin)


def _permission_save(contact: Contact, channel: str, value: str) -> bool:
    if contact.permission(channel) == value:
        return False
    setattr(contact, f"{channel}_permission", value)
    contact.updated_at = timezone.now()
    contact.save(update_fields=[f"{channel}_permission", "updated_at"])
    return True


def consent_recorded(*, contact: Contact, consent: Consent, previous: Consent | None,
                     origin: ChangeOrigin, extra: dict[str, Any] | None = None) -> None:
    """After a new consent: the channel permission follows it, and one event keeps both.

    The event's before/after are the consents' snapshots plus the channel's permission, so
    a permission change caused by a consent needs no event of its own (an upload row would
    otherwise write up to four events).
    """
    channel = CHANNEL_OF_TYPE[consent.type]
    before = contact.permission(channel)
    # A merchant (TACIR) record is its own: it never changes the individual's permission.
    after = (PERMISSION_OF_STATUS[consent.status]
             if consent.recipient_type == RecipientType.BIREYSEL else before)
    _permission_save(contact, channel, after)
    ConsentEvent.objects.create(
        contact=contact, consent=consent, kind=ConsentEvent.Kind.CONSENT, field=consent.type,
        before=consent_event_snapshot(previous, before),
        after={**consent_event_snapshot(consent, after), **(extra or {})},
        **origin.event_fields())


def consent_recipient(contact: Contact, type: str) -> str | None:
    """The identifier İYS knows this contact by for a consent type."""
    return contact.email if type == ConsentType.EPOSTA else contact.phone


def consent_facts(*, contact: Contact, type: str, status: str, source: str = "",
                  consent_date: datetime | None = None,
                  recipient_type: str = RecipientType.BIREYSEL) -> ConsentFacts:
    """What a new consent of this contact would say to İYS."""
    recipient = consent_recipient(contact, type)
    if not recipient:
        field = "email" if type == ConsentType.EPOSTA else "phone"
        raise ValidationError({field: ValidationError(
            _("The contact has no %(field)s for a %(type)s consent.")
            % {"field": field, "type": type}, code="no_recipient")})
    return ConsentFacts(recipient=recipient, recipient_type=recipient_type, type=type,
                        status=status, source=source or "", consent_date=consent_date)


def consent_validate(facts: ConsentFacts, *, lock: bool = False) -> Consent | None:
    """Check every İYS rule against the current record; returns that record.

    With lock, the record stays locked until the transaction ends, so that two writers
    cannot both build on it.
    """
    consents = Consent.objects.select_for_update() if lock else Consent.objects
    current = (consents.current()
               .filter(recipient=facts.recipient, recipient_type=facts.recipient_type,
                       type=facts.type).first())
    consent_check(facts, current=StoredConsent(current.status, current.consent_date)
                  if current else None)
    return current


@transaction.atomic
def consent_apply(*, contact: Contact, type: str, status: str, source: str = "",
                  consent_date: datetime | None = None,
                  recipient_type: str = RecipientType.BIREYSEL,
                  origin: ChangeOrigin) -> Consent:
    """Record a new consent for a contact after checking every İYS rule.

    The previous record stays as evidence. If it was still waiting to be sent it is
    superseded (it never goes to İYS); if it is in flight the new one waits for its result
    (the push keeps the order). The new one becomes current, an individual consent sets the
    channel permission, and the connector's policy decides whether it goes to İYS.
    """
    # One writer at a time per contact: two captures of one recipient must not both build on
    # the same current consent (the second one then sees the first one's, committed).
    list(Contact.objects.select_for_update().filter(pk=contact.pk).values_list("pk"))
    contact.refresh_from_db()
    facts = consent_facts(contact=contact, type=type, status=status, source=source,
                          consent_date=consent_date, recipient_type=recipient_type)
    current = consent_validate(facts, lock=True)
    if current is not None:
        Consent.objects.filter(pk=current.pk).update(is_current=False)
        consents_supersede(consents=[current], origin=origin)
    individual = recipient_type == RecipientType.BIREYSEL
    policy = delivery_policy()
    decision = policy.decide(facts, previous=current, held=contact.iys_status(
        CHANNEL_OF_TYPE[type]) if individual else None)
    consent = Consent.objects.create(
        contact=contact, recipient=facts.recipient, recipient_type=recipient_type, type=type,
        status=status, source=facts.source, consent_date=consent_date,
        iys_state=decision.state, iys_error_code=decision.reason,
    )
    consent_recorded(contact=contact, consent=consent, previous=current, origin=origin)
    if consent.iys_state == IysState.PENDING and origin.kind == Origin.API:
        transaction.on_commit(lambda: policy.push_soon(consent.pk))
    return consent


def consents_supersede(*, consents: list[Consent], origin: ChangeOrigin) -> None:
    """Older consents that were still waiting never go to İYS now: a newer one replaced them.

    Only a pending or checked consent moves (the push claims one, pending → sent, before it
    sends it); the instances given learn their state as it is after this call.
    """
    waiting = [consent for consent in consents if consent.iys_state in SUPERSEDABLE]
    if not waiting:
        return
    applied = set(consent_delivery_bulk_update(
        updates=[superseded(consent.pk) for consent in waiting], origin=origin,
        only_from=SUPERSEDABLE))
    for consent in waiting:
        consent.iys_state = (IysState.SUPERSEDED if consent.pk in applied
                             else Consent.objects.values_list("iys_state", flat=True)
                             .get(pk=consent.pk))


def consent_snapshot(consent: Consent) -> dict[str, Any]:
    """What a consent said, as its history events keep it (one shape for every writer)."""
    return {"status": consent.status, "source": consent.source,
            "consent_date": (timezone.localtime(consent.consent_date, TURKEY).isoformat()
                             if consent.consent_date else None),
            "iys_state": consent.iys_state}


def consent_event_snapshot(consent: Consent | None, permission: str) -> dict[str, Any]:
    """One side of a consent event: what the consent said and the channel's permission."""
    return {**(consent_snapshot(consent) if consent is not None else {}),
            "permission": permission}


def consent_delivery_update(*, consent: Consent, state: str, origin: ChangeOrigin,
                            transaction_id: str = "", request_id: str = "",
                            error_code: str = "", error_message: str = "") -> None:
    """Move a consent's İYS delivery state on; the only change a stored consent allows."""
    if state not in IysState.values:
        raise ValueError(f"unknown İYS state {state!r}")
    before = consent.iys_state
    consent.iys_state = state
    consent.iys_transaction_id = transaction_id or consent.iys_transaction_id
    consent.iys_request_id = request_id or consent.iys_request_id
    consent.iys_error_code = error_code
    consent.iys_error_message = error_message
    consent.iys_updated_at = timezone.now()
    consent.save(update_fields=["iys_state", "iys_transaction_id", "iys_request_id",
                                "iys_error_code", "iys_error_message", "iys_updated_at"])
    ConsentEvent.objects.create(
        contact_id=consent.contact_id, consent=consent, kind=ConsentEvent.Kind.DELIVERY,
        field=consent.type, before=before,
        after={"iys_state": state, "transaction_id": transaction_id, "error_code": error_code},
        **origin.event_fields())
