"""Reads of contacts and consents."""

import contextlib
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.choices import (
    CHANNEL_OF_TYPE,
    OPEN_STATES,
    TYPE_OF_CHANNEL,
    IysHeld,
    IysState,
    Permission,
    RecipientType,
)
from consents.identifiers import identifier_kind, normalize_email, normalize_phone
from consents.models import Consent, Contact
from consents.pg import pg_cursor
from consents.policy import delivery_policy


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


class ChannelState(NamedTuple):
    """One channel of a contact as a campaign tool must see it."""

    permission: str
    iys_status: str | None  # "ONAY", "RET" or None: what İYS holds for the individual record
    pending: bool  # a consent of this channel is still on its way to İYS
    sendable: bool
    reason: str  # why it is not sendable, in the active language ("" when it is)


# Why a consent stayed here, as its İYS error code says (consents.policy.Decision.reason and
# the push's codes).
LOCAL_REASONS = {
    "LATE": gettext_lazy(
        "the consent is more than 3 business days old, so İYS no longer takes it"),
    "NOT_PERMITTED": gettext_lazy("the partner permission for this channel is not granted"),
    "SYNC_UNKNOWN": gettext_lazy(
        "İYS does not know this recipient (Sync mode never creates one)"),
    "IYS_NO_ONAY": gettext_lazy("İYS holds no ONAY for this recipient"),
    "ALREADY_IN_IYS": gettext_lazy("İYS already holds this status"),
    "SUPERSEDED": gettext_lazy("a newer consent replaced it before it was sent"),
}


def connector_installed() -> bool:
    """Whether an İYS connector is installed: then only İYS's ONAY makes a channel sendable."""
    return delivery_policy().installed()


def sendable_q(channel: str, *, installed: bool | None = None) -> Q:
    """Contacts that may be messaged on a channel: opt-in, and where a connector is installed,
    İYS holds ONAY. The one definition the panel, the API, exports and the dashboard use."""
    installed = connector_installed() if installed is None else installed
    q = Q(**{f"{channel}_permission": Permission.OPT_IN})
    if installed:
        q &= Q(**{f"{channel}_iys_status": IysHeld.ONAY})
    return q


def channel_sendable(contact: Contact, channel: str, *, installed: bool) -> bool:
    """sendable_q for one contact already loaded."""
    return (contact.permission(channel) == Permission.OPT_IN
            and (not installed or contact.iys_status(channel) == IysHeld.ONAY))


def channel_states(contact: Contact, *, installed: bool | None = None) -> dict[str, ChannelState]:
    """Every channel's state; one query for the consents behind them."""
    installed = connector_installed() if installed is None else installed
    latest: dict[str, Consent] = {}
    open_types: set[str] = set()
    for consent in (contact.consents.filter(recipient_type=RecipientType.BIREYSEL)
                    .order_by("-id").only("type", "iys_state", "iys_error_code", "status",
                                          "is_current")):
        latest.setdefault(consent.type, consent)
        if consent.iys_state in OPEN_STATES:
            open_types.add(consent.type)
    states = {}
    for type_, channel in CHANNEL_OF_TYPE.items():
        states[str(channel)] = _channel_state(contact, str(channel), latest.get(type_),
                                              type_ in open_types, installed)
    return states


def channel_state(contact: Contact, channel: str, *, installed: bool | None = None
                  ) -> ChannelState:
    return channel_states(contact, installed=installed)[channel]


def _channel_state(contact: Contact, channel: str, latest: Consent | None, pending: bool,
                   installed: bool) -> ChannelState:
    permission = contact.permission(channel)
    held = contact.iys_status(channel) or None
    sendable = channel_sendable(contact, channel, installed=installed)
    reason = "" if sendable else _not_sendable_reason(permission, held, pending, latest)
    return ChannelState(permission=permission, iys_status=held, pending=pending,
                        sendable=sendable, reason=reason)


def _not_sendable_reason(permission: str, held: str | None, pending: bool,
                         latest: Consent | None) -> str:
    if permission != Permission.OPT_IN:
        return _("The permission is opt-out.")
    if held == IysHeld.RET:
        return _("İYS holds RET for this channel: the person refused.")
    if pending:
        return _("Waiting for İYS: the consent is on its way and not accepted yet.")
    if latest is not None and latest.iys_state == IysState.REJECTED:
        return _("İYS rejected the consent (%(code)s).") % {"code": latest.iys_error_code or "?"}
    if latest is not None and latest.iys_error_code in LOCAL_REASONS:
        return _("İYS holds no ONAY: %(why)s.") % {"why": LOCAL_REASONS[latest.iys_error_code]}
    return _("İYS holds no ONAY for this channel.")


def tacir_states(contact: Contact) -> dict[str, dict[str, str | None]]:
    """The merchant (TACIR) record of each channel, on its own: its current status and what
    İYS holds (the status of the newest consent İYS accepted)."""
    states: dict[str, dict[str, str | None]] = {
        str(channel): {"status": None, "iys_status": None} for channel in CHANNEL_OF_TYPE.values()}
    for consent in (contact.consents.filter(recipient_type=RecipientType.TACIR)
                    .order_by("id").only("type", "status", "is_current", "iys_state")):
        state = states[str(CHANNEL_OF_TYPE[consent.type])]
        if consent.is_current:
            state["status"] = consent.status
        if consent.iys_state == IysState.ACCEPTED:
            state["iys_status"] = consent.status
    return states


AUDIENCE_LIMIT = 10_000


def audience_check(*, channel: str, recipients: list[str]
                   ) -> tuple[list[str], list[dict[str, str]]]:
    """Which recipients a campaign may message on a channel now, and why not the others.

    Recipients come back as given. One query, whatever the number of recipients: the
    contacts holding them, their permission, what İYS holds and whether a consent of the
    channel is still on its way to İYS."""
    installed = connector_installed()
    field = "email" if channel == "email" else "phone"
    normalize = normalize_email if field == "email" else normalize_phone
    wanted: dict[str, str] = {}
    not_sendable: list[dict[str, str]] = []
    for raw in recipients:
        try:
            wanted[raw] = normalize(raw)
        except ValidationError as error:
            not_sendable.append({"recipient": raw, "reason": error.messages[0]})
    found = _audience_rows(field, channel, TYPE_OF_CHANNEL[channel], set(wanted.values()))
    sendable: list[str] = []
    unknown = _("No contact has this %(field)s.") % {
        "field": Contact._meta.get_field(field).verbose_name}
    reasons: dict[tuple[str, str, bool], str] = {}  # a handful of distinct answers
    for raw, value in wanted.items():
        row = found.get(value)
        if row is None:
            not_sendable.append({"recipient": raw, "reason": unknown})
            continue
        permission, held, pending = row
        if permission == Permission.OPT_IN and (not installed or held == IysHeld.ONAY):
            sendable.append(raw)
            continue
        if row not in reasons:
            reasons[row] = _not_sendable_reason(permission, held or None, pending, None)
        not_sendable.append({"recipient": raw, "reason": reasons[row]})
    return sendable, not_sendable


_AUDIENCE_SQL = """
SELECT c.{field}, c.{channel}_permission, c.{channel}_iys_status, EXISTS (
    SELECT FROM consents_consent AS k WHERE k.contact_id = c.id AND k.type = %s
    AND k.recipient_type = 'BIREYSEL' AND k.iys_state = ANY(%s))
FROM consents_contact AS c WHERE c.{field} = ANY(%b)
"""


def _audience_rows(field: str, channel: str, type_: str,
                   values: set[str]) -> dict[str, tuple[str, str, bool]]:
    """identifier -> (permission, what İYS holds, pending). On PostgreSQL one statement with
    the identifiers as one array (the ORM compiled 10,000 placeholders and built 10,000 model
    instances); elsewhere two ORM queries."""
    if not values:
        return {}
    if connection.vendor == "postgresql":
        with pg_cursor() as cursor:
            cursor.execute(_AUDIENCE_SQL.format(field=field, channel=channel),
                           [type_, [str(state) for state in OPEN_STATES], list(values)])
            return {row[0]: row[1:] for row in cursor.fetchall()}
    rows = list(Contact.objects.filter(**{f"{field}__in": values}).values_list(
        "pk", field, f"{channel}_permission", f"{channel}_iys_status"))
    pending = set(Consent.objects.filter(
        contact_id__in=[row[0] for row in rows], type=type_,
        recipient_type=RecipientType.BIREYSEL, iys_state__in=OPEN_STATES,
    ).values_list("contact_id", flat=True))
    return {value: (permission, held, pk in pending) for pk, value, permission, held in rows}
