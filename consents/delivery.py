"""Moving many consents' İYS delivery state at once (the connector's push and poll).

The bulk twin of consents.services.consent_delivery_update: one UPDATE per batch and one
ConsentEvent per consent. Application is idempotent: a consent that already reached a final
state (accepted, rejected) is left alone, so a redelivered result never writes twice.

On PostgreSQL the batch is set-based: rows travel as tuples, not model instances, and the
UPDATE takes its values from one row of parameters (every consent moves alike, as to "sent")
or from a COPY-filled temporary table; events go in with one COPY. Django's bulk_update
writes a CASE WHEN per row and field, which made this the push's largest cost by far.
Elsewhere (SQLite for ``make run``) Django's bulk_update and bulk_create write the same rows.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from django.db import connection, transaction
from django.utils import timezone

from consents.bulk import copy_rows, pg_cursor
from consents.choices import IysState
from consents.models import Consent, ConsentEvent
from consents.services import ChangeOrigin

FINAL_STATES = frozenset({IysState.ACCEPTED, IysState.REJECTED})
STATES = frozenset(IysState.values)  # IysState.values builds a new list on every use
# Only delivery fields: the database refuses any other change (migration 0002's trigger).
DELIVERY_COLUMNS = ("iys_state", "iys_transaction_id", "iys_request_id", "iys_error_code",
                    "iys_error_message", "iys_attempts", "iys_updated_at")


@dataclass(frozen=True)
class DeliveryUpdate:
    consent_id: int
    state: str
    transaction_id: str = ""
    request_id: str = ""
    error_code: str = ""
    error_message: str = ""
    attempted: bool = False

    def values(self) -> tuple[str, str, str, str, str, int]:
        """What it writes, in the order of _VALUE_COLUMNS (one row of the UPDATE's source)."""
        return (str(self.state), self.transaction_id, self.request_id, self.error_code,
                self.error_message, int(self.attempted))

    def event_after(self) -> dict[str, str]:
        """The ``after`` of the DELIVERY event it may write."""
        return {"iys_state": str(self.state), "transaction_id": self.transaction_id,
                "error_code": self.error_code}


@transaction.atomic
def consent_delivery_bulk_update(*, updates: Iterable[DeliveryUpdate],
                                 origin: ChangeOrigin) -> int:
    """Apply the updates that still change something; returns how many were applied."""
    by_id = {update.consent_id: update for update in updates}
    for update in by_id.values():
        if update.state not in STATES:
            raise ValueError(f"unknown İYS state {update.state!r}")
    if not by_id:
        return 0
    if connection.vendor == "postgresql":
        return _postgres_apply(by_id, origin, timezone.now())
    return _django_apply(by_id, origin, timezone.now())


def _wants_event(before: str, update: DeliveryUpdate) -> bool:
    """A state change, or an error worth keeping (e.g. a retry that failed again)."""
    return before != update.state or bool(update.error_code)


def _django_apply(by_id: dict[int, DeliveryUpdate], origin: ChangeOrigin,
                  now: datetime) -> int:
    """The portable path: model instances, Django's bulk_update and bulk_create."""
    consents = list(Consent.objects.select_for_update()
                    .filter(pk__in=list(by_id)).exclude(iys_state__in=FINAL_STATES)
                    .order_by("pk"))
    events = []
    for consent in consents:
        update = by_id[consent.pk]
        before = consent.iys_state
        consent.iys_state = update.state
        consent.iys_transaction_id = update.transaction_id or consent.iys_transaction_id
        consent.iys_request_id = update.request_id or consent.iys_request_id
        consent.iys_error_code = update.error_code
        consent.iys_error_message = update.error_message
        consent.iys_attempts += int(update.attempted)
        consent.iys_updated_at = now
        if _wants_event(before, update):
            events.append(ConsentEvent(
                contact_id=consent.contact_id, consent=consent, kind=ConsentEvent.Kind.DELIVERY,
                field=consent.type, before=before, after=update.event_after(), created_at=now,
                **origin.event_fields()))
    Consent.objects.bulk_update(consents, list(DELIVERY_COLUMNS), batch_size=1000)
    ConsentEvent.objects.bulk_create(events, batch_size=1000)
    return len(consents)


# The columns an update brings (DeliveryUpdate.values), in the temporary table and the
# one-row source alike.
_VALUE_COLUMNS = (("state", "text"), ("transaction_id", "text"), ("request_id", "text"),
                  ("error_code", "text"), ("error_message", "text"), ("attempts", "integer"))
# Empty transaction and request ids keep the stored ones, as the portable path does.
_ASSIGNMENTS = (
    "iys_state = u.state, "
    "iys_transaction_id = COALESCE(NULLIF(u.transaction_id, ''), c.iys_transaction_id), "
    "iys_request_id = COALESCE(NULLIF(u.request_id, ''), c.iys_request_id), "
    "iys_error_code = u.error_code, iys_error_message = u.error_message, "
    "iys_attempts = c.iys_attempts + u.attempts, iys_updated_at = %s")
UPDATE_TABLE = "consents_delivery_update"


def _postgres_apply(by_id: dict[int, DeliveryUpdate], origin: ChangeOrigin,
                    now: datetime) -> int:
    """Lock, update and record the batch in three to six statements, whatever its size."""
    with pg_cursor() as cursor:
        # Locked in id order, as the portable path does, so two writers never deadlock.
        cursor.execute("SELECT id, contact_id, type, iys_state FROM consents_consent "
                       "WHERE id = ANY(%s) AND NOT iys_state = ANY(%s) ORDER BY id FOR UPDATE",
                       [list(by_id), [str(state) for state in FINAL_STATES]])
        consents = cursor.fetchall()
        if not consents:
            return 0
        updates = [by_id[pk] for pk, _contact, _type, _before in consents]
        if len({update.values() for update in updates}) == 1:
            _update_alike(cursor, [pk for pk, _contact, _type, _before in consents],
                          updates[0], now)
        else:
            _update_each(cursor, updates, now)
        _events_copy(cursor, [(consent, update)
                              for consent, update in zip(consents, updates, strict=True)
                              if _wants_event(consent[3], update)], origin, now)
    return len(consents)


def _update_alike(cursor: Any, ids: list[int], update: DeliveryUpdate, now: datetime) -> None:
    """Every consent gets the same values (e.g. "sent" with one request id): one UPDATE."""
    source = ", ".join(f"%s::{type_} AS {name}" for name, type_ in _VALUE_COLUMNS)
    cursor.execute(f"UPDATE consents_consent AS c SET {_ASSIGNMENTS} "
                   f"FROM (SELECT {source}) AS u WHERE c.id = ANY(%s)",
                   [now, *update.values(), ids])  # in the order of the %s


def _update_each(cursor: Any, updates: list[DeliveryUpdate], now: datetime) -> None:
    """Values differ per consent (e.g. transaction ids): COPY them, then one UPDATE … FROM.

    The table lives as long as the connection and is emptied after use: a transaction may
    apply several batches. TRUNCATE rather than DELETE: autovacuum never visits temporary
    tables, so deleted rows would pile up over a long push."""
    columns = ", ".join(f"{name} {type_}" for name, type_ in _VALUE_COLUMNS)
    cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {UPDATE_TABLE} (id bigint, {columns})")
    copy_rows(cursor, f"COPY {UPDATE_TABLE} FROM STDIN",
              ((update.consent_id, *update.values()) for update in updates))
    # The id list repeats the join so that consents are found through the primary key: the
    # temporary table has no statistics, and after an upload neither has consents_consent, so
    # the join alone may scan the whole table on every poll.
    cursor.execute(f"UPDATE consents_consent AS c SET {_ASSIGNMENTS} FROM {UPDATE_TABLE} AS u "
                   "WHERE c.id = u.id AND c.id = ANY(%s)",
                   [now, [update.consent_id for update in updates]])
    cursor.execute(f"TRUNCATE {UPDATE_TABLE}")


def _events_copy(cursor: Any, changed: list[tuple[tuple[int, int, str, str], DeliveryUpdate]],
                 origin: ChangeOrigin, now: datetime) -> None:
    """One DELIVERY event per changed consent, as the portable path's bulk_create writes it."""
    if not changed:
        return
    fields = origin.event_fields()
    actor = fields["actor"].pk if fields["actor"] is not None else None
    copy_rows(cursor, "COPY consents_consentevent (contact_id, consent_id, before, after, "
                      "field, kind, origin, origin_reference, row_number, actor_id, "
                      "actor_label, created_at) FROM STDIN",
              ((contact_id, pk, orjson.dumps(before).decode(),
               orjson.dumps(update.event_after()).decode(), type_)
               for (pk, contact_id, type_, before), update in changed),
              tail=(ConsentEvent.Kind.DELIVERY, fields["origin"], fields["origin_reference"],
                    fields["row_number"], actor, fields["actor_label"], now))
