"""Set-based variants of consents.services for files of a million rows.

The same events, the same rules: a caller checks each consent with consents.rules and asks
connectors.services.iys_delivery_state for its state; this module only writes, a chunk at a
time: one query to load contacts, one for their current consents, then set-based writes.
Stored consents are never rewritten: the previous one only stops being current.

No model instance is made per row: rows travel as small records. On PostgreSQL the ids come
from the sequences in one query, new rows go in with COPY, contact updates with one
``UPDATE … FROM`` a COPY-filled temporary table; elsewhere (SQLite for ``make run``) Django's
bulk_create and bulk_update write the same rows.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

import orjson
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from consents.choices import (
    CHANNEL_OF_TYPE,
    PERMISSION_OF_STATUS,
    IysState,
    Permission,
    RecipientType,
)
from consents.delivery import SUPERSEDABLE, consent_delivery_bulk_update, superseded
from consents.models import Consent, ConsentEvent, Contact
from consents.origins import ChangeOrigin
from consents.pg import pg_cursor
from consents.rules import TURKEY
from consents.services import consent_event_snapshot
from consents.signals import consents_changed

IDENTIFIER_FIELDS = ("email", "phone", "external_id")
PERMISSION_FIELDS = ("email_permission", "sms_permission", "call_permission")
CONTACT_COLUMNS = ("id", *IDENTIFIER_FIELDS, *PERMISSION_FIELDS, "attributes")
# What İYS holds per channel: read (the decider's policy needs it), written only by delivery.
HELD_FIELDS = ("email_iys_status", "sms_iys_status", "call_iys_status")
_LOAD_COLUMNS = (*CONTACT_COLUMNS, *HELD_FIELDS)
_NOTHING_HELD = ("", "", "")
_CHANNEL_OF_TYPE = {str(type_): str(channel) for type_, channel in CHANNEL_OF_TYPE.items()}
_PERMISSION_OF_STATUS = {str(s): str(p) for s, p in PERMISSION_OF_STATUS.items()}
_OPT_OUT, _BIREYSEL = str(Permission.OPT_OUT), str(RecipientType.BIREYSEL)
_CHANNELS = ("email", "sms", "call")  # the order of PERMISSION_FIELDS
_SUPERSEDABLE = frozenset(str(state) for state in SUPERSEDABLE)
# Waiting consents a newer one replaced never go to İYS: one statement moves them (only those
# still pending or checked: the push claims a consent before it sends it) and writes each its
# delivery event, as consents.delivery.superseded does elsewhere.
_SUPERSEDE = """
WITH old AS (
    SELECT id, iys_state FROM consents_consent
    WHERE id = ANY(%b) AND iys_state IN ('pending', 'check') FOR UPDATE
), changed AS (
    UPDATE consents_consent AS c SET iys_state = 'superseded', iys_error_code = 'SUPERSEDED',
        iys_error_message = %s, iys_updated_at = %s
    FROM old WHERE c.id = old.id
    RETURNING c.id, c.contact_id, c.type, old.iys_state AS before
)
INSERT INTO consents_consentevent (contact_id, consent_id, before, after, field, kind, origin,
                                   origin_reference, row_number, actor_id, actor_label,
                                   created_at)
SELECT contact_id, id, to_jsonb(before), jsonb_build_object(
           'iys_state', 'superseded', 'transaction_id', '', 'error_code', 'SUPERSEDED'),
       type, 'delivery', %s, %s, NULL, %s, %s, %s
FROM changed ORDER BY id
"""
_CONTACT, _CONSENT, _PERMISSION = (str(ConsentEvent.Kind.CONTACT), str(ConsentEvent.Kind.CONSENT),
                                   str(ConsentEvent.Kind.PERMISSION))


class ContactRecord:
    """A contact as the bulk path reads and writes it (``pk`` None until it is inserted)."""

    __slots__ = ("attributes", "call_permission", "email", "email_permission", "external_id",
                 "held", "phone", "pk", "sms_permission")

    def __init__(self, pk: int | None, email: str | None, phone: str | None,
                 external_id: str | None, email_permission: str = _OPT_OUT,
                 sms_permission: str = _OPT_OUT, call_permission: str = _OPT_OUT,
                 attributes: dict[str, Any] | None = None,
                 held: tuple[str, str, str] = _NOTHING_HELD):
        self.pk, self.email, self.phone, self.external_id = pk, email, phone, external_id
        self.email_permission = email_permission
        self.sms_permission = sms_permission
        self.call_permission = call_permission
        self.attributes = attributes if attributes is not None else {}
        self.held = held  # İYS's status per channel (e-mail, SMS, call), as HELD_FIELDS

    def held_status(self, channel: str) -> str:
        return self.held[_CHANNELS.index(channel)]


class ConsentRecord:
    """A current consent as loaded, or a new one on its way in: what events and rules read."""

    __slots__ = ("consent_date", "contact", "date_iso", "iys_state", "pk", "reason", "recipient",
                 "recipient_type", "source", "status", "type")

    def __init__(self, pk: int | None, recipient: str, type: str, status: str, source: str,
                 consent_date: datetime | None, iys_state: str,
                 recipient_type: str = _BIREYSEL, contact: ContactRecord | None = None,
                 reason: str = ""):
        self.pk, self.contact, self.recipient, self.reason = pk, contact, recipient, reason
        self.recipient_type, self.type, self.status = recipient_type, type, status
        self.source, self.consent_date, self.iys_state = source, consent_date, iys_state
        self.date_iso: str | None = None  # consent_date as COPY lines and events write it

    def consent_date_iso(self) -> str | None:
        """The consent date in Turkey time, ISO 8601, made once per consent (its COPY line
        and its event's JSON both write it)."""
        if self.date_iso is None and self.consent_date is not None:
            self.date_iso = _turkey_iso(self.consent_date)
        return self.date_iso


@dataclass(slots=True)
class ConsentIntent:
    """A consent a row records, already checked by consents.rules.consent_errors."""

    type: str
    status: str
    source: str
    consent_date: datetime | None
    iys_state: str
    previous: ConsentRecord | None = None
    recipient_type: str = _BIREYSEL
    reason: str = ""  # why a local consent stays here (consents.policy.Decision)


@dataclass(slots=True)
class ContactChange:
    """What one row does to one contact (``contact=None``: a new contact)."""

    row_number: int | None
    contact: ContactRecord | None
    identifiers: dict[str, str | None]  # None keeps the stored identifier
    attributes: dict[str, Any] = field(default_factory=dict)  # given values overwrite
    consents: list[ConsentIntent] = field(default_factory=list)
    permissions: dict[str, str] = field(default_factory=dict)  # channel -> value, no consent


@dataclass
class WriteResult:
    created: list[ContactRecord]
    consents: list[ConsentRecord]
    touched: list[ContactRecord] = field(default_factory=list)  # created or updated
    event_contacts: set[int] = field(default_factory=set)  # pks of contacts given an event
    pending: "_PostgresWriter | None" = None  # statements left for flush()
    origin: ChangeOrigin | None = None  # until the chunk's consents_changed is sent

    def flush(self) -> None:
        """Run the statements a deferred write prepared (in the writing transaction), then
        announce the chunk's consents once (consents.signals), in the same transaction."""
        if self.pending is not None:
            self.pending.flush()
            self.pending = None
        if self.origin is not None and self.consents:
            consents_changed.send(sender=WriteResult, consents=self.consents, origin=self.origin)
        self.origin = None


def contacts_load(*, emails: set[str], phones: set[str],
                  external_ids: set[str]) -> list[ContactRecord]:
    """Every contact any of these identifiers points at."""
    if not (external_ids or emails or phones):
        return []
    if connection.vendor == "postgresql":
        return _contacts_probe({"external_id": external_ids, "email": emails, "phone": phones})
    condition = Q(pk__in=[])
    if external_ids:
        condition |= Q(external_id__in=external_ids)
    if emails:
        condition |= Q(email__in=emails)
    if phones:
        condition |= Q(phone__in=phones)
    return [ContactRecord(*values[:8], tuple(values[8:]))
            for values in Contact.objects.filter(condition).values_list(*_LOAD_COLUMNS)]


def _contacts_probe(wanted: dict[str, set[str]]) -> list[ContactRecord]:
    """Probe the unique index of the identifier with the most values first, then the other
    two only for the values no contact found so far holds: an identifier belongs to one
    contact, so a value a found contact holds cannot point at another. A re-upload then
    probes about one index per row instead of three."""
    first = max(wanted, key=lambda name: len(wanted[name]))
    _prefer_index_probes()
    with pg_cursor() as cursor:
        found = _contacts_select(cursor, {first: wanted[first]})
        rest = {name: values.difference(getattr(record, name) for record in found)
                for name, values in wanted.items() if name != first}
        known = {record.pk for record in found}
        return found + [record for record in _contacts_select(cursor, rest)
                        if record.pk not in known]


def _contacts_select(cursor: Any, wanted: dict[str, set[str]]) -> list[ContactRecord]:
    """The contacts holding any of these values, in one query: one array parameter per
    identifier and a UNION, each part an index scan (an OR of ANY()s lets the planner fall
    back to reading the whole table)."""
    parts = [(f"SELECT {', '.join(_LOAD_COLUMNS)} FROM consents_contact "
              f"WHERE {name} = ANY(%b)", list(values)) for name, values in wanted.items() if values]
    if not parts:
        return []
    cursor.execute(" UNION ".join(sql for sql, _v in parts), [values for _sql, values in parts],
                   prepare=True)
    return [ContactRecord(*values[:7], orjson.loads(values[7]), values[8:])
            for values in cursor.fetchall()]


def _prefer_index_probes() -> None:
    """A chunk looks up a few thousand keys: on the default random_page_cost (4, spinning
    disks) PostgreSQL reads the whole table instead of probing the unique indexes, ten
    times slower. Scoped to the chunk's transaction."""
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL random_page_cost = 1.1")


CONSENT_COLUMNS = ("id", "recipient", "type", "status", "source", "consent_date", "iys_state")


def consents_current_load(*, recipients: set[str],
                          recipient_type: str = _BIREYSEL) -> dict[tuple[str, str], ConsentRecord]:
    """The current consent per (recipient, type) for these recipients, in one query."""
    if not recipients:
        return {}
    if connection.vendor == "postgresql":
        with pg_cursor() as cursor:
            # Binary results: psycopg reads timestamps in C, five times faster than the text
            # loader Django installs (a re-upload loads two current consents per row).
            cursor.execute(
                f"SELECT {', '.join(CONSENT_COLUMNS)} FROM consents_consent "
                "WHERE is_current AND recipient_type = %s AND recipient = ANY(%b)",
                [recipient_type, list(recipients)], binary=True, prepare=True)
            found = cursor.fetchall()
    else:
        found = (Consent.objects.current()
                 .filter(recipient__in=recipients, recipient_type=recipient_type)
                 .values_list(*CONSENT_COLUMNS))
    return {(values[1], values[2]): ConsentRecord(*values, recipient_type=recipient_type)
            for values in found}


def consents_in_flight(*, recipients: set[str]) -> set[tuple[str, str, str]]:
    """(recipient, recipient type, type) of these recipients' consents sent to İYS and still
    waiting for its answer, in one query (the state index holds the few in flight)."""
    if not recipients:
        return set()
    if connection.vendor != "postgresql":
        return set(Consent.objects.filter(iys_state=IysState.SENT, recipient__in=recipients)
                   .values_list("recipient", "recipient_type", "type"))
    with pg_cursor() as cursor:
        # Most chunks meet nothing in flight: a probe of the state index answers that first;
        # then the recipients travel as one array (the ORM compiled one placeholder each).
        cursor.execute("SELECT EXISTS (SELECT FROM consents_consent WHERE iys_state = 'sent')",
                       prepare=True)
        if not cursor.fetchone()[0]:
            return set()
        cursor.execute("SELECT recipient, recipient_type, type FROM consents_consent "
                       "WHERE iys_state = 'sent' AND recipient = ANY(%b)", [list(recipients)],
                       prepare=True)
        return set(cursor.fetchall())


class Unchanged(NamedTuple):
    """The contact a row would leave as it is, with its identifiers (unique: no other
    contact holds them)."""

    pk: int
    email: str | None
    phone: str | None
    external_id: str | None


# Each row's identifiers name one contact through a unique index (external ID first), that
# contact holds every identifier and attribute the row gives, and each channel the row names
# already says what the row says: a current individual consent of the row's status (İYS
# columns) or the row's fixed permission.
_UNCHANGED_SQL = """
SELECT r.i, c.id, c.email, c.phone, c.external_id
FROM (SELECT i - 1 AS i, x->>0 AS email, x->>1 AS phone, x->>2 AS external_id,
             x->3 AS attributes, x->>4 AS status, (x->>5)::timestamptz AS consent_date
      FROM jsonb_array_elements(%s::jsonb) WITH ORDINALITY AS t(x, i)) AS r
CROSS JOIN LATERAL (
    SELECT id, email, phone, external_id, email_permission, sms_permission, attributes
    FROM consents_contact WHERE external_id = r.external_id
    UNION ALL
    SELECT id, email, phone, external_id, email_permission, sms_permission, attributes
    FROM consents_contact WHERE r.external_id IS NULL AND email = r.email
    UNION ALL
    SELECT id, email, phone, external_id, email_permission, sms_permission, attributes
    FROM consents_contact WHERE r.external_id IS NULL AND r.email IS NULL AND phone = r.phone
) AS c
WHERE (r.email IS NULL OR c.email = r.email) AND (r.phone IS NULL OR c.phone = r.phone)
  AND c.attributes @> r.attributes
  AND {channels}
"""
_CURRENT_STATUS_SQL = """(r.{identifier} IS NULL OR EXISTS (
    SELECT FROM consents_consent k WHERE k.is_current AND k.recipient = r.{identifier}
    AND k.recipient_type = 'BIREYSEL' AND k.type = '{type}' AND k.status = r.status
    AND NOT (r.consent_date IS NOT NULL AND k.consent_date IS NOT NULL
             AND r.consent_date > k.consent_date)))"""
_UNCHANGED_BY_STATUS = _UNCHANGED_SQL.format(channels=" AND ".join((
    _CURRENT_STATUS_SQL.format(identifier="email", type="EPOSTA"),
    _CURRENT_STATUS_SQL.format(identifier="phone", type="MESAJ"))))
_UNCHANGED_BY_PERMISSION = _UNCHANGED_SQL.format(channels=(
    "(r.email IS NULL OR c.email_permission = r.status) "
    "AND (r.phone IS NULL OR c.sms_permission = r.status)"))


def contacts_unchanged(rows: list[tuple[dict[str, str | None], dict[str, Any], str,
                                      datetime | None]], *,
                       by_permission: bool = False) -> dict[int, Unchanged]:
    """Which rows would change nothing, by position: the contact each of them names.

    A row is (identifiers, attributes, status): with ``by_permission`` the status is the
    permission every channel of the row gets (Subscribed or Unsubscribed), else an İYS status
    that the row's e-mail and phone consents already have, with a date no newer than theirs (a
    newer one of the same status is recorded). One query, run by PostgreSQL, so
    that a re-upload's rows need not be loaded and compared in Python; elsewhere no row is
    found unchanged and callers decide every row the usual way.
    """
    if not rows or connection.vendor != "postgresql":
        return {}
    # One JSON parameter: orjson writes a chunk's rows many times faster than psycopg dumps
    # six arrays element by element, and PostgreSQL parses it on its own core.
    data = orjson.dumps([(ids["email"], ids["phone"], ids["external_id"], given, status, when)
                         for ids, given, status, when in rows]).decode()
    _prefer_index_probes()
    with pg_cursor() as cursor:
        cursor.execute(_UNCHANGED_BY_PERMISSION if by_permission else _UNCHANGED_BY_STATUS,
                       [data], prepare=True)
        return {values[0]: Unchanged(*values[1:]) for values in cursor.fetchall()}


def contacts_with_events(*, contact_ids: list[int], origin: str, reference: str) -> set[int]:
    """Which of these contacts already have an event from this origin (e.g. this upload)."""
    if not contact_ids:
        return set()
    if connection.vendor == "postgresql":
        with pg_cursor() as cursor:
            cursor.execute("SELECT DISTINCT contact_id FROM consents_consentevent "
                           "WHERE contact_id = ANY(%b) AND origin = %s AND origin_reference = %s",
                           [contact_ids, origin, reference], prepare=True)
            return {row[0] for row in cursor.fetchall()}
    return set(ConsentEvent.objects.filter(
        contact_id__in=contact_ids, origin=origin, origin_reference=reference,
    ).values_list("contact_id", flat=True).distinct())


# An event on its way in: (contact, consent, kind, field, before, after, row number); a plain
# tuple because a fresh million-row file makes about three million of them. A consent
# event's before/after are (consent or None, permission): consent_event_snapshot's input.
_Event = tuple[ContactRecord, "ConsentRecord | None", str, str, Any, Any, "int | None"]


def contact_changes_write(changes: list[ContactChange], *, origin: ChangeOrigin,
                          defer: bool = False) -> WriteResult:
    """Apply a chunk of contact changes with set-based statements; call inside a transaction.

    Writes the events contact_update, consent_apply and permission_set would write, each
    carrying the change's row number. ``defer`` (PostgreSQL only): draw the ids and prepare
    every statement, but leave running them to ``result.flush()``, e.g. in another thread
    while the next chunk is decided.
    """
    now = timezone.now()
    events: list[_Event] = []
    created: list[ContactRecord] = []
    updated: dict[int, ContactRecord] = {}
    permission_before: list[tuple[str, str, str]] = []
    for change in changes:
        if change.contact is None:
            ids = change.identifiers
            change.contact = ContactRecord(
                None, ids.get("email"), ids.get("phone"), ids.get("external_id"),
                attributes={k: v for k, v in change.attributes.items() if v is not None})
            created.append(change.contact)
            permission_before.append((_OPT_OUT, _OPT_OUT, _OPT_OUT))
            continue
        contact = change.contact
        permission_before.append((contact.email_permission, contact.sms_permission,
                                  contact.call_permission))
        id_changes = {name: value for name, value in change.identifiers.items()
                      if value and getattr(contact, name) != value}
        stored = contact.attributes
        attribute_changes = {name: value for name, value in change.attributes.items()
                             if value is not None and stored.get(name) != value}
        if id_changes or attribute_changes:
            before = {name: getattr(contact, name) for name in id_changes}
            before.update({name: stored.get(name) for name in attribute_changes})
            for name, value in id_changes.items():
                setattr(contact, name, value)
            contact.attributes = {**stored, **attribute_changes}
            updated[id(contact)] = contact
            events.append((contact, None, _CONTACT, "updated", before,
                                    {**id_changes, **attribute_changes}, change.row_number))

    # Permissions follow the consents (and the explicit opt-outs) before contacts are saved.
    for change in changes:
        contact = change.contact
        wanted = dict(change.permissions)
        for intent in change.consents:
            if intent.recipient_type == _BIREYSEL:  # a TACIR record is its own
                wanted[_CHANNEL_OF_TYPE[intent.type]] = _PERMISSION_OF_STATUS[intent.status]
        changed = False
        for channel, value in wanted.items():
            name = f"{channel}_permission"
            if getattr(contact, name) != value:
                setattr(contact, name, value)
                changed = True
        if changed and contact.pk is not None:
            updated[id(contact)] = contact

    postgres = connection.vendor == "postgresql"
    if defer and not postgres:
        raise ValueError("deferred writes need PostgreSQL")
    writer = _PostgresWriter(now) if postgres else _DjangoWriter(now)
    writer.contacts_create(created)
    writer.contacts_update(list(updated.values()))

    created_ids = {id(c) for c in created}
    for change in changes:
        contact = change.contact
        if id(contact) in created_ids:
            events.append((contact, None, _CONTACT, "created", None,
                                 {"email": contact.email, "phone": contact.phone,
                                  "external_id": contact.external_id, **contact.attributes},
                                 change.row_number))

    previous = [intent.previous for change in changes for intent in change.consents
                if intent.previous is not None]
    writer.consents_retire([consent.pk for consent in previous])
    writer.consents_supersede([consent.pk for consent in previous
                               if consent.iys_state in _SUPERSEDABLE], origin.event_fields())
    made: list[list[tuple[ConsentIntent, ConsentRecord]]] = []  # per change
    for change in changes:
        contact, pairs, shared_date, shared_iso = change.contact, [], None, None
        for intent in change.consents:
            consent = ConsentRecord(
                None, contact.email if intent.type == "EPOSTA" else contact.phone, intent.type,
                intent.status, intent.source, intent.consent_date, intent.iys_state,
                intent.recipient_type, contact, intent.reason)
            if intent.consent_date is shared_date:  # a row's consents share its date
                consent.date_iso = shared_iso
            else:
                shared_date, shared_iso = intent.consent_date, consent.consent_date_iso()
            pairs.append((intent, consent))
        made.append(pairs)
    consents = [consent for pairs in made for _intent, consent in pairs]
    writer.consents_create(consents)

    # A permission a consent changed is kept in that consent's event (consent_recorded).
    for change, before, pairs in zip(changes, permission_before, made, strict=True):
        contact = change.contact
        after = (contact.email_permission, contact.sms_permission, contact.call_permission)
        followed = set()
        for intent, consent in pairs:
            channel = _CHANNEL_OF_TYPE[intent.type]
            followed.add(channel)
            i = _CHANNELS.index(channel)
            events.append((contact, consent, _CONSENT, intent.type,
                           (intent.previous, before[i]), (consent, after[i]),
                           change.row_number))
        if before != after:
            for channel, old, new in zip(_CHANNELS, before, after, strict=True):
                if old != new and channel not in followed:
                    events.append((contact, None, _PERMISSION, channel, old, new,
                                   change.row_number))
    writer.events_create(events, origin.event_fields())
    result = WriteResult(created=created, consents=consents,
                         touched=[*created, *updated.values()],
                         event_contacts={event[0].pk for event in events},
                         pending=writer if postgres else None, origin=origin)
    if not defer:
        result.flush()
    return result


class _DjangoWriter:
    """The portable path: Django's bulk statements (SQLite for `make run`, any backend)."""

    def __init__(self, now: datetime):
        self.now = now

    def contacts_create(self, records: list[ContactRecord]) -> None:
        contacts = [Contact(**{name: getattr(r, name) for name in CONTACT_COLUMNS[1:]},
                            created_at=self.now, updated_at=self.now) for r in records]
        Contact.objects.bulk_create(contacts)
        for record, contact in zip(records, contacts, strict=True):
            record.pk = contact.pk

    def contacts_update(self, records: list[ContactRecord]) -> None:
        if records:
            Contact.objects.bulk_update(
                [Contact(pk=r.pk, **{name: getattr(r, name) for name in CONTACT_COLUMNS[1:]},
                         updated_at=self.now) for r in records],
                [*CONTACT_COLUMNS[1:], "updated_at"])

    def consents_retire(self, pks: list[int]) -> None:
        if pks:
            Consent.objects.filter(pk__in=pks).update(is_current=False)

    def consents_supersede(self, pks: list[int], fields: dict[str, Any]) -> None:
        if pks:
            consent_delivery_bulk_update(
                updates=[superseded(pk) for pk in pks], only_from=SUPERSEDABLE,
                origin=ChangeOrigin(kind=fields["origin"], reference=fields["origin_reference"],
                                    actor=fields["actor"], actor_label=fields["actor_label"]))

    def consents_create(self, records: list[ConsentRecord]) -> None:
        consents = [Consent(contact_id=r.contact.pk, recipient=r.recipient,
                            recipient_type=r.recipient_type, type=r.type, status=r.status,
                            source=r.source, consent_date=r.consent_date,
                            iys_state=r.iys_state, iys_error_code=r.reason,
                            created_at=self.now) for r in records]
        Consent.objects.bulk_create(consents)
        for record, consent in zip(records, consents, strict=True):
            record.pk = consent.pk

    def events_create(self, events: list[_Event], fields: dict[str, Any]) -> None:
        def value(value: Any) -> Any:
            return consent_event_snapshot(*value) if isinstance(value, tuple) else value

        ConsentEvent.objects.bulk_create([
            ConsentEvent(contact_id=contact.pk, consent_id=consent.pk if consent else None,
                         kind=kind, field=name, before=value(before), after=value(after),
                         created_at=self.now, **{**fields, "row_number": row})
            for contact, consent, kind, name, before, after, row in events])


_sequences: dict[tuple[str, str], str] = {}


def copy_text(value: Any) -> str:
    r"""One field of PostgreSQL's COPY text format: \N for NULL, \\ \t \n \r escaped."""
    if value is None:
        return "\\N"
    text = str(value)
    # Four substring tests beat one regular expression search on the short texts a row has.
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return text


def copy_rows(cursor: Any, statement: str, rows: Iterable[Iterable[Any]],
              tail: Iterable[Any] = ()) -> None:
    """Run ``COPY … FROM STDIN`` with rows of plain values (None is NULL), in one write.

    ``tail`` holds the values every row ends with, escaped once rather than per row. For the
    smaller writers (thousands of rows, not millions): the upload's writer below builds its
    lines by hand instead, which is faster still."""
    end = "".join("\t" + copy_text(value) for value in tail) + "\n"
    with cursor.copy(statement) as copy:
        copy.write("".join("\t".join(map(copy_text, row)) + end for row in rows))


def _json(value: Any) -> str:
    """An event's before/after (or a contact's attributes) as COPY text of JSON."""
    if value is None:
        return "\\N"
    if isinstance(value, tuple):
        return _snapshot_json(*value)
    if isinstance(value, str) and value.isidentifier():
        return f'"{value}"'  # a permission or state: nothing to escape
    return copy_text(orjson.dumps(value).decode())


def _turkey_iso(when: datetime) -> str:
    """A consent date in Turkey time, ISO 8601 (the events' JSON and the consents' COPY
    lines). An upload's dates are in Turkey time already: no conversion, and no cache,
    whose key would cost a UTC-offset lookup per date."""
    if when.tzinfo is TURKEY:
        return when.isoformat()
    return timezone.localtime(when, TURKEY).isoformat()


def _snapshot_json(consent: ConsentRecord | None, permission: str) -> str:
    """The JSON of consent_event_snapshot(consent, permission) for vocabulary values, without
    building a dict."""
    if consent is None:
        return f'{{"permission": "{permission}"}}'
    status, source, state = consent.status, consent.source, consent.iys_state
    if not (status.isidentifier() and state.isidentifier()
            and (source == "" or source.isidentifier())):
        return copy_text(orjson.dumps(consent_event_snapshot(consent, permission)).decode())
    when = consent.consent_date_iso()
    when = f'"{when}"' if when is not None else "null"
    return (f'{{"status": "{status}", "source": "{source}", "consent_date": {when}, '
            f'"iys_state": "{state}", "permission": "{permission}"}}')


class _PostgresWriter:
    """The PostgreSQL path: ids from the sequences, COPY for new rows, one UPDATE per table.

    Building the COPY text ourselves (escaped as copy_text does) is several times faster than
    handing psycopg a row at a time.
    """

    UPDATE_TABLE = "consents_bulk_contact_update"

    def __init__(self, now: datetime):
        self.now = now
        self.stamp = now.isoformat()
        self.statements: list[tuple[str, str, Any]] = []  # ("copy", sql, text) or ("sql", …)

    def flush(self) -> None:
        with pg_cursor() as cursor:
            for kind, statement, data in self.statements:
                if kind == "copy":
                    with cursor.copy(statement) as copy:
                        copy.write(data)
                else:
                    cursor.execute(statement, data)
        self.statements = []

    def _ids(self, cursor, table: str, count: int) -> list[int]:
        key = (connection.alias, table)
        if key not in _sequences:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            _sequences[key] = cursor.fetchone()[0]
        cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s::integer)",
                       [_sequences[key], count])
        return [row[0] for row in cursor.fetchall()]

    def _copy(self, statement: str, lines: list[str]) -> None:
        # Held as UTF-8 until flush: one byte per character where the text, with a single
        # Turkish letter in it, would take two; psycopg then sends the bytes as they are.
        self.statements.append(("copy", statement, "".join(lines).encode()))

    def _execute(self, statement: str, params: list[Any] | None = None) -> None:
        self.statements.append(("sql", statement, params))

    def contacts_create(self, records: list[ContactRecord]) -> None:
        if not records:
            return
        stamp = self.stamp
        with pg_cursor() as cursor:
            lines = []
            for record, pk in zip(records, self._ids(cursor, "consents_contact", len(records)),
                                  strict=True):
                record.pk = pk
                lines.append(
                    f"{pk}\t{copy_text(record.email)}\t{copy_text(record.phone)}\t"
                    f"{copy_text(record.external_id)}\t{record.email_permission}\t"
                    f"{record.sms_permission}\t{record.call_permission}\t"
                    f"{_json(record.attributes)}\t{stamp}\t{stamp}\n")
        self._copy("COPY consents_contact (id, email, phone, external_id, email_permission, "
                   "sms_permission, call_permission, attributes, created_at, updated_at) "
                   "FROM STDIN", lines)

    def contacts_update(self, records: list[ContactRecord]) -> None:
        if not records:
            return
        table = self.UPDATE_TABLE
        self._execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {table} (id bigint, email text, "
                      "phone text, external_id text, email_permission text, "
                      "sms_permission text, call_permission text, attributes jsonb)")
        self._copy(f"COPY {table} FROM STDIN", [
            f"{r.pk}\t{copy_text(r.email)}\t{copy_text(r.phone)}\t"
            f"{copy_text(r.external_id)}\t{r.email_permission}\t{r.sms_permission}\t"
            f"{r.call_permission}\t{_json(r.attributes)}\n" for r in records])
        self._execute(
            "UPDATE consents_contact AS c SET email = u.email, phone = u.phone, "
            "external_id = u.external_id, email_permission = u.email_permission, "
            "sms_permission = u.sms_permission, call_permission = u.call_permission, "
            f"attributes = u.attributes, updated_at = %s FROM {table} AS u "
            "WHERE c.id = u.id", [self.now])
        # TRUNCATE, not DELETE: autovacuum never visits temporary tables, and dead rows would
        # pile up for the whole upload, each chunk's UPDATE … FROM reading them again.
        self._execute(f"TRUNCATE {table}")

    def consents_retire(self, pks: list[int]) -> None:
        if pks:
            self._execute("UPDATE consents_consent SET is_current = false WHERE id = ANY(%b)",
                          [pks])

    def consents_supersede(self, pks: list[int], fields: dict[str, Any]) -> None:
        if pks:
            self._execute(_SUPERSEDE, [pks, superseded(0).error_message, self.now,
                                       fields["origin"], fields["origin_reference"],
                                       fields["actor"].pk if fields["actor"] else None,
                                       fields["actor_label"], self.now])

    def consents_create(self, records: list[ConsentRecord]) -> None:
        if not records:
            return
        stamp = self.stamp
        with pg_cursor() as cursor:
            lines = []
            for record, pk in zip(records, self._ids(cursor, "consents_consent", len(records)),
                                  strict=True):
                record.pk = pk
                when = record.consent_date_iso() or "\\N"
                lines.append(
                    f"{pk}\t{record.contact.pk}\t{copy_text(record.recipient)}\t"
                    f"{record.recipient_type}\t{record.type}\t{record.status}\t"
                    f"{copy_text(record.source)}\t{when}\tt\t{record.iys_state}\t\t\t"
                    f"{record.reason}\t\t0\t\\N\t{stamp}\n")
        self._copy("COPY consents_consent (id, contact_id, recipient, recipient_type, type, "
                   "status, source, consent_date, is_current, iys_state, iys_transaction_id, "
                   "iys_request_id, iys_error_code, iys_error_message, iys_attempts, "
                   "iys_updated_at, created_at) FROM STDIN", lines)

    def events_create(self, events: list[_Event], fields: dict[str, Any]) -> None:
        if not events:
            return
        actor = fields["actor"].pk if fields["actor"] is not None else None
        tail = f"{copy_text(fields['origin'])}\t{copy_text(fields['origin_reference'])}\t"
        after_row = f"\t{copy_text(actor)}\t{copy_text(fields['actor_label'])}\t{self.stamp}\n"
        lines = []
        for contact, consent, kind, name, before, after, row in events:
            before, after = _json(before), _json(after)
            consent = consent.pk if consent is not None else "\\N"
            row = row if row is not None else "\\N"
            lines.append(f"{contact.pk}\t{consent}\t{kind}\t{name}\t{before}\t{after}\t"
                         f"{tail}{row}{after_row}")
        self._copy("COPY consents_consentevent (contact_id, consent_id, kind, field, before, "
                   "after, origin, origin_reference, row_number, actor_id, actor_label, "
                   "created_at) FROM STDIN", lines)
