"""Set-based variants of consents.services for files of a million rows.

The same events, the same rules: a caller checks each consent with consents.rules and asks
connectors.services.iys_delivery_state for its state; this module only writes, a chunk at a
time: one query to load contacts, one for their current consents, then bulk inserts and
updates. Stored consents are never rewritten: the previous one only stops being current.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from consents.choices import CHANNEL_OF_TYPE, PERMISSION_OF_STATUS, Permission, RecipientType
from consents.models import Consent, ConsentEvent, Contact
from consents.services import ChangeOrigin, _consent_snapshot

IDENTIFIER_FIELDS = ("email", "phone", "external_id")
PERMISSION_FIELDS = ("email_permission", "sms_permission", "call_permission")


@dataclass
class ConsentIntent:
    """A consent a row records, already checked by consents.rules.consent_errors."""

    type: str
    status: str
    source: str
    consent_date: datetime | None
    iys_state: str
    previous: Consent | None = None
    recipient_type: str = RecipientType.BIREYSEL


@dataclass
class ContactChange:
    """What one row does to one contact (``contact=None``: a new contact)."""

    row_number: int | None
    contact: Contact | None
    identifiers: dict[str, str | None]  # None keeps the stored identifier
    attributes: dict[str, Any] = field(default_factory=dict)  # given values overwrite
    consents: list[ConsentIntent] = field(default_factory=list)
    permissions: dict[str, str] = field(default_factory=dict)  # channel -> value, no consent


@dataclass
class WriteResult:
    created: list[Contact]
    consents: list[Consent]


def contacts_load(*, emails: set[str], phones: set[str], external_ids: set[str]) -> list[Contact]:
    """Every contact any of these identifiers points at, in one query."""
    if connection.vendor == "postgresql":
        # One array parameter per identifier and a UNION: each part is an index scan, where
        # an OR of three ANY() lets the planner fall back to reading the whole table.
        parts = [(f"SELECT * FROM consents_contact WHERE {name} = ANY(%s)", list(values))
                 for name, values in (("external_id", external_ids), ("email", emails),
                                      ("phone", phones)) if values]
        if not parts:
            return []
        _prefer_index_probes()
        return list(Contact.objects.raw(" UNION ".join(sql for sql, _v in parts),
                                        [values for _sql, values in parts]))
    condition = Q(pk__in=[])
    if external_ids:
        condition |= Q(external_id__in=external_ids)
    if emails:
        condition |= Q(email__in=emails)
    if phones:
        condition |= Q(phone__in=phones)
    return list(Contact.objects.filter(condition))


def _prefer_index_probes() -> None:
    """A chunk looks up a few thousand keys: on the default random_page_cost (4, spinning
    disks) PostgreSQL reads the whole table instead of probing the unique indexes, ten
    times slower. Scoped to the chunk's transaction."""
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL random_page_cost = 1.1")


def consents_current_load(*, recipients: set[str],
                          recipient_type: str = RecipientType.BIREYSEL
                          ) -> dict[tuple[str, str], Consent]:
    """The current consent per (recipient, type) for these recipients, in one query."""
    if not recipients:
        return {}
    if connection.vendor == "postgresql":
        found = Consent.objects.raw(
            "SELECT * FROM consents_consent WHERE is_current AND recipient = ANY(%s) "
            "AND recipient_type = %s", [list(recipients), recipient_type])
    else:
        found = Consent.objects.current().filter(recipient__in=recipients,
                                                 recipient_type=recipient_type)
    return {(consent.recipient, consent.type): consent for consent in found}


def contact_changes_write(changes: list[ContactChange], *, origin: ChangeOrigin) -> WriteResult:
    """Apply a chunk of contact changes with bulk statements; call inside a transaction.

    Writes the events contact_update, consent_apply and permission_set would write, each
    carrying the change's row number.
    """
    now = timezone.now()
    events: list[dict[str, Any]] = []
    base = origin.event_fields()
    base["actor_id"] = base.pop("actor").pk if base["actor"] is not None else None

    def event(change: ContactChange, contact: Contact, *, kind: str, field: str,
              before: Any = None, after: Any = None, consent: Consent | None = None) -> None:
        events.append({**base, "row_number": change.row_number, "contact_id": contact.pk,
                       "consent_id": consent.pk if consent is not None else None,
                       "kind": kind, "field": field, "before": before, "after": after,
                       "created_at": now})

    created, updated = [], []
    permission_before: dict[int, dict[str, str]] = {}
    for index, change in enumerate(changes):
        if change.contact is None:
            ids = {name: change.identifiers.get(name) for name in IDENTIFIER_FIELDS}
            attributes = {k: v for k, v in change.attributes.items() if v is not None}
            change.contact = Contact(**ids, attributes=attributes, created_at=now, updated_at=now)
            created.append(change.contact)
            permission_before[index] = {name: Permission.OPT_OUT for name in PERMISSION_FIELDS}
            continue
        contact = change.contact
        permission_before[index] = {name: getattr(contact, name) for name in PERMISSION_FIELDS}
        id_changes = {name: value for name, value in change.identifiers.items()
                      if value and getattr(contact, name) != value}
        attribute_changes = {name: value for name, value in change.attributes.items()
                             if value is not None and contact.attributes.get(name) != value}
        if id_changes or attribute_changes:
            before = {name: getattr(contact, name) for name in id_changes}
            before.update({name: contact.attributes.get(name) for name in attribute_changes})
            for name, value in id_changes.items():
                setattr(contact, name, value)
            contact.attributes = {**contact.attributes, **attribute_changes}
            contact.updated_at = now
            updated.append(contact)
            event(change, contact, kind=ConsentEvent.Kind.CONTACT, field="updated",
                  before=before, after={**id_changes, **attribute_changes})

    # Permissions follow the consents (and the explicit opt-outs) before contacts are saved.
    for change in changes:
        contact = change.contact
        wanted = dict(change.permissions)
        for intent in change.consents:
            wanted[CHANNEL_OF_TYPE[intent.type]] = PERMISSION_OF_STATUS[intent.status]
        changed = False
        for channel, value in wanted.items():
            if getattr(contact, f"{channel}_permission") != value:
                setattr(contact, f"{channel}_permission", value)
                changed = True
        if changed and contact.pk is not None:
            contact.updated_at = now
            updated.append(contact)

    rows_insert(Contact, created)
    if updated:
        contacts_update(list({id(c): c for c in updated}.values()))

    created_ids = {id(c) for c in created}
    for change in changes:
        if id(change.contact) in created_ids:
            contact = change.contact
            event(change, contact, kind=ConsentEvent.Kind.CONTACT, field="created",
                  after={**{n: getattr(contact, n) for n in IDENTIFIER_FIELDS},
                         **contact.attributes})

    previous = [intent.previous.pk for change in changes for intent in change.consents
                if intent.previous is not None]
    if previous:
        Consent.objects.filter(pk__in=previous).update(is_current=False)
    consents: list[tuple[ContactChange, ConsentIntent, Consent]] = []
    for change in changes:
        contact = change.contact
        for intent in change.consents:
            recipient = contact.email if intent.type == "EPOSTA" else contact.phone
            consents.append((change, intent, Consent(
                contact=contact, recipient=recipient, recipient_type=intent.recipient_type,
                type=intent.type, status=intent.status, source=intent.source,
                consent_date=intent.consent_date, iys_state=intent.iys_state, created_at=now)))
    rows_insert(Consent, [consent for _c, _i, consent in consents])
    consent_of: dict[tuple[int, str], Consent] = {}
    for change, intent, consent in consents:
        consent_of[(id(change), CHANNEL_OF_TYPE[intent.type])] = consent
        event(change, change.contact, consent=consent, kind=ConsentEvent.Kind.CONSENT,
              field=intent.type,
              before=_consent_snapshot(intent.previous) if intent.previous else None,
              after=_consent_snapshot(consent))

    for index, change in enumerate(changes):
        contact = change.contact
        for name in PERMISSION_FIELDS:
            before, after = permission_before[index][name], getattr(contact, name)
            if before != after:
                channel = name.removesuffix("_permission")
                event(change, contact, consent=consent_of.get((id(change), channel)),
                      kind=ConsentEvent.Kind.PERMISSION, field=channel, before=before,
                      after=after)
    events_insert(events)
    return WriteResult(created=created, consents=[consent for _c, _i, consent in consents])


def rows_insert(model: type[models.Model], objects: list[models.Model]) -> None:
    """Insert new rows: COPY on PostgreSQL (ids drawn from the sequence first), else
    bulk_create. Append-only rows, so nothing is ever overwritten here."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=1000)
        return
    table = model._meta.db_table
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
                       "FROM generate_series(1, %s)", [table, len(objects)])
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias
        columns = ", ".join([quote("id"), *(quote(f.column) for f in fields)])
        converters = [_copy_converter(f) for f in fields]
        attnames = [f.attname for f in fields]
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                values = obj.__dict__
                copy.write_row([obj.pk, *(convert(values[name]) if convert else values[name]
                                          for name, convert in zip(attnames, converters,
                                                                   strict=True))])


def events_insert(events: list[dict[str, Any]]) -> None:
    """Append history rows given as column values (no model instances: a million-row file
    writes five million of them)."""
    if not events:
        return
    if connection.vendor != "postgresql":
        ConsentEvent.objects.bulk_create([ConsentEvent(**row) for row in events],
                                         batch_size=1000)
        return
    fields = [f for f in ConsentEvent._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    plan = [(f.attname, _copy_converter(f)) for f in fields]
    with connection.cursor() as cursor, cursor.cursor.copy(
            f"COPY {quote(ConsentEvent._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for row in events:
            copy.write_row([convert(row[name]) if convert else row[name]
                            for name, convert in plan])


def _copy_converter(model_field: models.Field):
    if isinstance(model_field, models.JSONField):
        return lambda value: None if value is None else json.dumps(value, ensure_ascii=False)
    return None


def contacts_update(contacts: list[Contact]) -> None:
    """Write identifiers, attributes, permissions and updated_at of changed contacts."""
    names = [*IDENTIFIER_FIELDS, "attributes", *PERMISSION_FIELDS, "updated_at"]
    if connection.vendor != "postgresql":
        Contact.objects.bulk_update(contacts, names, batch_size=500)
        return
    types = {"attributes": "jsonb", "updated_at": "timestamptz"}
    assignments = ", ".join(f"{name} = v.{name}" for name in names)
    arrays = ", ".join(["%s::bigint[]", *("%s::text[]" for _name in names)])
    selected = ", ".join(f"{name}::{types[name]} AS {name}" if name in types else name
                         for name in names)
    params = [[c.pk for c in contacts]]
    for name in names:
        if name == "attributes":
            params.append([json.dumps(c.attributes, ensure_ascii=False) for c in contacts])
        elif name == "updated_at":
            params.append([c.updated_at.isoformat() for c in contacts])
        else:
            params.append([getattr(c, name) for c in contacts])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE consents_contact AS c SET {assignments} FROM ("
            f"SELECT id, {selected} FROM unnest({arrays}) AS u(id, {', '.join(names)})"
            f") AS v WHERE c.id = v.id", params)
