"""Moving many consents' İYS delivery state at once (the connector's push and poll).

The bulk twin of consents.services.consent_delivery_update: one UPDATE per batch and one
ConsentEvent per consent. Application is idempotent: a consent that already reached a final
state (accepted, rejected) is left alone, so a redelivered result never writes twice.

On PostgreSQL the batch is one statement per state its consents are in (usually one): the
updates travel as one JSON array of rows, and PostgreSQL updates and writes the events itself
(``_APPLY``); no model instance, no row back to Python but the ids. Django's bulk_update
writes a CASE WHEN per row and field, which made this the push's largest cost by far.
Elsewhere (SQLite for ``make run``) Django's bulk_update and bulk_create write the same rows.

A bulk request's result (``sent_at`` set) also records in its event which request it was and
when it was sent: a consent whose result comes back within the push moves once, pending →
accepted, and that one event keeps the sending too (connectors.services.push).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import orjson
from django.db import connection, transaction
from django.utils import timezone

from consents.bulk import pg_cursor
from consents.choices import IysState
from consents.models import Consent, ConsentEvent
from consents.services import ChangeOrigin
from consents.signals import consents_rejected

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
    # A result of a bulk request: when the request was sent (its request_id is the request's).
    sent_at: datetime | None = None

    def values(self) -> tuple[str, str, str, str, str, int]:
        """What it writes: state, transaction id, request id, error code and message, attempts
        (one row of _APPLY's source, after the consent's id)."""
        return (str(self.state), self.transaction_id, self.request_id, self.error_code,
                self.error_message, int(self.attempted))

    def event_after(self) -> dict[str, str]:
        """The ``after`` of the DELIVERY event it may write; a bulk request's result also says
        which request it was and when it was sent (no event was written then)."""
        after = {"iys_state": str(self.state), "transaction_id": self.transaction_id,
                 "error_code": self.error_code}
        if self.sent_at is not None:
            after["request_id"] = self.request_id
            after["sent_at"] = self.sent_at.isoformat()
        return after


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
    apply = _postgres_apply if connection.vendor == "postgresql" else _django_apply
    applied = apply(by_id, origin, timezone.now())
    # A redelivered result may announce a rejection twice: listeners deliver at least once.
    rejected = [u for u in by_id.values() if u.state == IysState.REJECTED]
    if rejected and applied:
        consents_rejected.send(sender=DeliveryUpdate, updates=rejected, origin=origin)
    return applied


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


# Empty transaction and request ids keep the stored ones, as the portable path does.
_ASSIGNMENTS = (
    "iys_state = u.state, "
    "iys_transaction_id = COALESCE(NULLIF(u.transaction_id, ''), c.iys_transaction_id), "
    "iys_request_id = COALESCE(NULLIF(u.request_id, ''), c.iys_request_id), "
    "iys_error_code = u.error_code, iys_error_message = u.error_message, "
    "iys_attempts = c.iys_attempts + u.attempts, iys_updated_at = %(now)s")
# The event's after, as DeliveryUpdate.event_after writes it (jsonb orders keys itself).
_AFTER = ("jsonb_build_object('iys_state', u.state, 'transaction_id', u.transaction_id, "
          "'error_code', u.error_code) || CASE WHEN u.sent_at IS NULL THEN '{}'::jsonb "
          "ELSE jsonb_build_object('request_id', u.request_id, 'sent_at', u.sent_at) END")
_EVENT_COLUMNS = ("contact_id, consent_id, before, after, field, kind, origin, origin_reference, "
                  "row_number, actor_id, actor_label, created_at")
# The states a result can find a consent in (every state but the final ones), most likely
# first: a result applied within the push finds it pending, a later run's finds it sent.
BEFORE_STATES = (IysState.PENDING, IysState.SENT, IysState.LOCAL)
assert set(BEFORE_STATES) == STATES - FINAL_STATES
# One statement per state the consents are in (usually one): the updates arrive as one JSON
# array of rows in id order (orjson writes it in one call; psycopg dumped arrays element by
# element in Python), the consents still in ``before`` are updated (in id order, as the
# portable path locks them) and their events inserted from the updated rows, so no row travels
# back to Python but the ids. The state is a condition of the UPDATE itself: PostgreSQL checks
# it again on a row another transaction changed meanwhile, so each event's ``before`` is the
# state the consent really left, without locking the batch first (SELECT … FOR UPDATE cost
# as much as a tenth of the push's database time).
_APPLY = f"""
WITH u AS (
    SELECT (r->>0)::bigint AS id, r->>1 AS state, r->>2 AS transaction_id,
           r->>3 AS request_id, r->>4 AS error_code, r->>5 AS error_message,
           (r->>6)::integer AS attempts, r->>7 AS sent_at
    FROM jsonb_array_elements(%(rows)s::jsonb) AS r
), changed AS (
    UPDATE consents_consent AS c SET {_ASSIGNMENTS}
    FROM u WHERE c.id = u.id AND c.iys_state = %(before)s
    RETURNING c.id, c.contact_id, c.type, u.state, u.transaction_id, u.request_id,
              u.error_code, u.sent_at
), events AS (
    INSERT INTO consents_consentevent ({_EVENT_COLUMNS})
    SELECT u.contact_id, u.id, to_jsonb(%(before)s::text), {_AFTER}, u.type, %(kind)s,
           %(origin)s, %(reference)s, %(row_number)s, %(actor)s, %(actor_label)s, %(now)s
    FROM changed AS u
    WHERE %(before)s <> u.state OR u.error_code <> ''
    ORDER BY u.id
)
SELECT id FROM changed
"""


def _postgres_apply(by_id: dict[int, DeliveryUpdate], origin: ChangeOrigin,
                    now: datetime) -> int:
    """Update and record the batch in one statement per state its consents are in (usually
    one), whatever its size. The states go in a fixed order, so a consent another transaction
    moves on meanwhile (pending → local when a pull supersedes it) is still found after."""
    fields = origin.event_fields()
    params = {"now": now, "kind": str(ConsentEvent.Kind.DELIVERY),
              "origin": str(fields["origin"]), "reference": fields["origin_reference"],
              "row_number": fields["row_number"],
              "actor": fields["actor"].pk if fields["actor"] is not None else None,
              "actor_label": fields["actor_label"]}
    waiting = dict(sorted(by_id.items()))
    applied = 0
    with pg_cursor() as cursor:
        for before in BEFORE_STATES:
            rows = orjson.dumps([(update.consent_id, *update.values(), update.sent_at)
                                 for update in waiting.values()])
            cursor.execute(_APPLY, {**params, "rows": rows.decode(), "before": str(before)})
            for (pk,) in cursor.fetchall():
                del waiting[pk]
                applied += 1
            if not waiting:
                break
    return applied
