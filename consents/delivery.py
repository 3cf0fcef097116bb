"""Moving many consents' İYS delivery state at once (the connector's push and poll).

The bulk twin of consents.services.consent_delivery_update: one UPDATE per batch and one
ConsentEvent per consent. Application is idempotent: a consent that already reached a final
state (accepted, rejected) is left alone, so a redelivered result never writes twice.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from consents.choices import IysState
from consents.models import Consent, ConsentEvent
from consents.services import ChangeOrigin

FINAL_STATES = frozenset({IysState.ACCEPTED, IysState.REJECTED})


@dataclass(frozen=True)
class DeliveryUpdate:
    consent_id: int
    state: str
    transaction_id: str = ""
    request_id: str = ""
    error_code: str = ""
    error_message: str = ""
    attempted: bool = False


@transaction.atomic
def consent_delivery_bulk_update(*, updates: Iterable[DeliveryUpdate],
                                 origin: ChangeOrigin) -> int:
    """Apply the updates that still change something; returns how many were applied."""
    by_id = {update.consent_id: update for update in updates}
    for update in by_id.values():
        if update.state not in IysState.values:
            raise ValueError(f"unknown İYS state {update.state!r}")
    consents = list(Consent.objects.select_for_update()
                    .filter(pk__in=list(by_id)).exclude(iys_state__in=FINAL_STATES)
                    .order_by("pk"))
    now = timezone.now()
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
        if before != update.state or update.error_code:
            events.append(ConsentEvent(
                contact_id=consent.contact_id, consent=consent, kind=ConsentEvent.Kind.DELIVERY,
                field=consent.type, before=before,
                after={"iys_state": update.state, "transaction_id": update.transaction_id,
                       "error_code": update.error_code}, created_at=now,
                **origin.event_fields()))
    Consent.objects.bulk_update(
        consents, ["iys_state", "iys_transaction_id", "iys_request_id", "iys_error_code",
                   "iys_error_message", "iys_attempts", "iys_updated_at"], batch_size=1000)
    ConsentEvent.objects.bulk_create(events, batch_size=1000)
    return len(consents)
