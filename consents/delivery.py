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
from django.utils.translation import gettext as _

from consents.choices import CHANNEL_OF_TYPE, IysState, RecipientType
from consents.models import Consent, ConsentEvent, Contact
from consents.origins import ChangeOrigin
from consents.pg import pg_cursor

# A superseded consent never went out (the push claims a consent, pending → sent, before it
# sends it, and only a pending or checked one can be superseded): nothing can move it on.
FINAL_STATES = frozenset({IysState.ACCEPTED, IysState.REJECTED, IysState.SUPERSEDED})
STATES = frozenset(IysState.values)
_BIREYSEL = RecipientType.BIREYSEL.value  # IysState.values builds a new list on every use
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


SUPERSEDABLE = (IysState.PENDING, IysState.CHECK)


def superseded(consent_id: int) -> DeliveryUpdate:
    """A waiting consent that a newer one of the same recipient and type replaced."""
    return DeliveryUpdate(consent_id=consent_id, state=IysState.SUPERSEDED,
                          error_code="SUPERSEDED",
                          error_message=_("A newer consent of the same recipient came before "
                                          "this one was sent; it never goes to İYS."))


@transaction.atomic
def consent_delivery_bulk_update(*, updates: Iterable[DeliveryUpdate],
                                 origin: ChangeOrigin,
                                 only_from: Iterable[str] | None = None) -> list[int]:
    """Apply the updates that still change something; returns the ids applied.

    ``only_from``: apply only to consents now in one of these states (e.g. the push claims
    only consents still pending: one a newer consent superseded meanwhile stays as it is).
    An accepted individual (BIREYSEL) consent also tells its contact what İYS holds now.
    """
    by_id = {update.consent_id: update for update in updates}
    for update in by_id.values():
        if update.state not in STATES:
            raise ValueError(f"unknown İYS state {update.state!r}")
    if not by_id:
        return []
    befores = BEFORE_STATES if only_from is None else tuple(
        state for state in BEFORE_STATES if state in set(only_from))
    if connection.vendor == "postgresql":
        return _postgres_apply(by_id, origin, timezone.now(), befores)
    return _django_apply(by_id, origin, timezone.now(), befores)


def _wants_event(before: str, update: DeliveryUpdate) -> bool:
    """A state change, or an error worth keeping (e.g. a retry that failed again)."""
    return before != update.state or bool(update.error_code)


def _django_apply(by_id: dict[int, DeliveryUpdate], origin: ChangeOrigin,
                  now: datetime, befores: tuple[str, ...]) -> list[int]:
    """The portable path: model instances, Django's bulk_update and bulk_create."""
    consents = list(Consent.objects.select_for_update()
                    .filter(pk__in=list(by_id), iys_state__in=befores).order_by("pk"))
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
    for consent in consents:
        if consent.iys_state == IysState.ACCEPTED and consent.recipient_type == _BIREYSEL:
            Contact.objects.filter(pk=consent.contact_id).update(
                **{f"{CHANNEL_OF_TYPE[consent.type]}_iys_status": consent.status})
    return [consent.pk for consent in consents]


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
# first: the push claims a consent (pending → sent) before sending it, so a result finds it
# sent.
BEFORE_STATES = (IysState.SENT, IysState.PENDING, IysState.CHECK, IysState.LOCAL)
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
    RETURNING c.id, c.contact_id, c.type, c.status, c.recipient_type, u.state,
              u.transaction_id, u.request_id, u.error_code, u.sent_at
), held AS (
    -- What İYS holds now, for the contacts of accepted individual consents (a batch holds
    -- at most one consent per recipient and type).
    UPDATE consents_contact AS t SET
        email_iys_status = COALESCE(h.email, t.email_iys_status),
        sms_iys_status = COALESCE(h.sms, t.sms_iys_status),
        call_iys_status = COALESCE(h.call, t.call_iys_status)
    FROM (SELECT contact_id,
                 max(status) FILTER (WHERE type = 'EPOSTA') AS email,
                 max(status) FILTER (WHERE type = 'MESAJ') AS sms,
                 max(status) FILTER (WHERE type = 'ARAMA') AS call
          FROM changed WHERE state = 'accepted' AND recipient_type = 'BIREYSEL'
          GROUP BY contact_id) AS h
    WHERE t.id = h.contact_id
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
                    now: datetime, befores: tuple[str, ...]) -> list[int]:
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
    applied: list[int] = []
    with pg_cursor() as cursor:
        for before in befores:
            rows = orjson.dumps([(update.consent_id, *update.values(), update.sent_at)
                                 for update in waiting.values()])
            cursor.execute(_APPLY, {**params, "rows": rows.decode(), "before": str(before)})
            for (pk,) in cursor.fetchall():
                del waiting[pk]
                applied.append(pk)
            if not waiting:
                break
    return applied


# A status query's answer about individual records: ONAY sets it, "not ONAY" (RET or nothing,
# the multi-status query does not say which) clears an ONAY the hub thought İYS held.
_HELD_CASE = ("{channel}_iys_status = CASE WHEN NOT h.has_{channel} THEN t.{channel}_iys_status "
              "WHEN h.{channel} IS NOT NULL THEN h.{channel} "
              "WHEN t.{channel}_iys_status = 'ONAY' THEN '' ELSE t.{channel}_iys_status END")
_HELD_NOTE = f"""
WITH v AS (
    SELECT (r->>0)::bigint AS id, r->>1 AS held FROM jsonb_array_elements(%(rows)s::jsonb) AS r
), h AS (
    SELECT c.contact_id,
           max(v.held) FILTER (WHERE c.type = 'EPOSTA') AS email,
           bool_or(c.type = 'EPOSTA') AS has_email,
           max(v.held) FILTER (WHERE c.type = 'MESAJ') AS sms, bool_or(c.type = 'MESAJ') AS has_sms,
           max(v.held) FILTER (WHERE c.type = 'ARAMA') AS call,
           bool_or(c.type = 'ARAMA') AS has_call
    FROM v JOIN consents_consent AS c ON c.id = v.id
    WHERE c.recipient_type = 'BIREYSEL' GROUP BY c.contact_id
)
UPDATE consents_contact AS t SET {", ".join(_HELD_CASE.format(channel=channel)
                                            for channel in ("email", "sms", "call"))}
FROM h WHERE t.id = h.contact_id
"""


def consents_held_note(*, held: list[tuple[int, str | None]]) -> None:
    """Record what a status query says İYS holds for the recipients of these consents:
    (consent id, "ONAY" or None for "not ONAY")."""
    if not held:
        return
    if connection.vendor == "postgresql":
        with pg_cursor() as cursor:
            cursor.execute(_HELD_NOTE, {"rows": orjson.dumps(held).decode()})
        return
    kinds = dict(Consent.objects.filter(pk__in=[pk for pk, _status in held],
                                        recipient_type=_BIREYSEL)
                 .values_list("pk", "contact_id"))
    types = dict(Consent.objects.filter(pk__in=list(kinds)).values_list("pk", "type"))
    for pk, status in held:
        if pk not in kinds:
            continue
        name = f"{CHANNEL_OF_TYPE[types[pk]]}_iys_status"
        contacts = Contact.objects.filter(pk=kinds[pk])
        if status:
            contacts.update(**{name: status})
        else:
            contacts.filter(**{name: "ONAY"}).update(**{name: ""})


def contacts_held_import(*, channel: str, onay: list[int], not_onay: list[int]) -> None:
    """What a multi-status query said of these contacts' individual records on a channel:
    ONAY, or not ONAY (RET or nothing: the query does not say which, so only an ONAY the hub
    thought İYS held is cleared)."""
    field = f"{channel}_iys_status"
    if onay:
        Contact.objects.filter(pk__in=onay).update(**{field: "ONAY"})
    if not_onay:
        Contact.objects.filter(pk__in=not_onay, **{field: "ONAY"}).update(**{field: ""})
