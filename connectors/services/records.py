"""Applying what İYS stores to our records: shared by the pull, the initial sync and the push.

The rules: a change we made ourselves (its transaction id is ours) is already here; a citizen's
RET in İYS always wins; in Sync mode İYS is the master for every field; in Integrator mode a
change made elsewhere is taken only when it is newer than ours.
"""

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from connectors.services.clients import Outgoing
from consents.choices import ConsentStatus, IysState, Origin
from consents.dates import parse_consent_date
from consents.delivery import SUPERSEDABLE, DeliveryUpdate, consent_delivery_bulk_update
from consents.iys_records import CITIZEN_SOURCE_PREFIX, consent_record_from_iys
from consents.models import Consent
from consents.selectors import consent_current
from consents.services import ChangeOrigin

KNOWN = (IysState.SENT, IysState.ACCEPTED)


@dataclass(frozen=True)
class IysRecord:
    """A consent as İYS stores it (a change, a status answer or a daily-file row)."""

    recipient: str
    recipient_type: str
    type: str
    status: str
    source: str
    consent_date: Any
    transaction_id: str
    citizen: bool

    @classmethod
    def from_wire(cls, item: dict[str, Any], *, citizen: bool | None = None) -> "IysRecord":
        raw_date = item.get("consentDate")
        source = str(item.get("source") or "")
        return cls(recipient=str(item["recipient"]), recipient_type=str(item["recipientType"]),
                   type=str(item["type"]), status=str(item["status"]), source=source,
                   consent_date=parse_consent_date(raw_date) if raw_date else None,
                   transaction_id=str(item.get("transactionId") or ""),
                   citizen=source.startswith(CITIZEN_SOURCE_PREFIX) if citizen is None
                   else citizen)

    def same_as(self, consent: Consent | Outgoing) -> bool:
        """İYS keeps consent dates to the second; ours may carry microseconds."""
        ours = consent.consent_date.replace(microsecond=0) if consent.consent_date else None
        return self.status == consent.status and self.consent_date == ours


def pull_origin(reference: str) -> ChangeOrigin:
    return ChangeOrigin(kind=Origin.IYS_PULL, reference=reference[:255],
                        actor_label="İYS connector")


def already_in_iys(record: IysRecord, consent: Consent | Outgoing) -> DeliveryUpdate:
    """İYS holds the status this consent would set: there is nothing left to send."""
    if record.same_as(consent):  # exactly ours: take its transaction id
        return DeliveryUpdate(consent_id=consent.pk, state=IysState.ACCEPTED,
                              transaction_id=record.transaction_id)
    return DeliveryUpdate(  # sending ours would only be refused as "same status" (H174)
        consent_id=consent.pk, state=IysState.LOCAL, error_code="ALREADY_IN_IYS",
        error_message=_("İYS already has status %(status)s for this recipient "
                        "(transaction %(id)s).") % {"status": record.status,
                                                    "id": record.transaction_id})


@transaction.atomic
def iys_record_apply(record: IysRecord, *, integrator: bool, origin: ChangeOrigin) -> str:
    """Bring our records in line with one İYS record; returns what happened:
    "known", "recorded", "confirmed" or "kept"."""
    if record.transaction_id and Consent.objects.filter(
            iys_transaction_id=record.transaction_id).exists():
        return "known"
    current = consent_current(recipient=record.recipient, recipient_type=record.recipient_type,
                              type=record.type)
    if current is not None and current.status == record.status:
        if current.iys_state in KNOWN:
            return "kept"
        update = already_in_iys(record, current)
        consent_delivery_bulk_update(updates=[update], origin=origin)
        return "confirmed"
    citizen_ret = record.citizen and record.status == ConsentStatus.RET
    newer = (current is None or current.consent_date is None or record.consent_date is None
             or record.consent_date > current.consent_date)
    if integrator and not citizen_ret and not newer:
        return "kept"
    consent = consent_record_from_iys(
        recipient=record.recipient, recipient_type=record.recipient_type, type=record.type,
        status=record.status, source=record.source, consent_date=record.consent_date,
        transaction_id=record.transaction_id, origin=origin)
    if consent is None:
        return "known"
    _supersede_waiting(record, keep=consent, everything=citizen_ret or not integrator,
                       origin=origin)
    return "recorded"


def _supersede_waiting(record: IysRecord, *, keep: Consent, everything: bool,
                       origin: ChangeOrigin) -> None:
    """Waiting consents İYS's record overrides are not sent any more (they stay as evidence)."""
    waiting = Consent.objects.filter(recipient=record.recipient,
                                     recipient_type=record.recipient_type, type=record.type,
                                     iys_state__in=SUPERSEDABLE).exclude(pk=keep.pk)
    if not everything and record.consent_date is not None:
        waiting = waiting.filter(consent_date__lte=record.consent_date)
    consent_delivery_bulk_update(updates=[
        DeliveryUpdate(consent_id=pk, state=IysState.SUPERSEDED, error_code="SUPERSEDED",
                       error_message=_("A newer record in İYS replaced this consent."))
        for pk in waiting.values_list("pk", flat=True)], origin=origin, only_from=SUPERSEDABLE)
