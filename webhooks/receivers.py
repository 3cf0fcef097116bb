"""Turn the writers' signals into outbox rows, inside the writers' transactions."""

from typing import Any

from django.db.models.signals import post_save

from connectors.signals import connector_blocked
from consents.choices import CHANNEL_OF_TYPE
from consents.dates import format_iys_date
from consents.models import Consent
from consents.origins import ChangeOrigin
from consents.signals import consents_changed, consents_rejected
from uploads.models import Upload
from webhooks.models import EventType, WebhookEvent
from webhooks.services import outbox_write, subscribers


def _origin(origin: ChangeOrigin) -> dict[str, Any]:
    return {"kind": str(origin.kind), "reference": origin.reference}


def consent_item(consent: Any) -> dict[str, Any]:
    """One consent as a webhook carries it (a Consent row or an upload's ConsentRecord)."""
    contact_id = getattr(consent, "contact_id", None) or consent.contact.pk
    return {"consent_id": consent.pk, "contact_id": contact_id,
            "recipient": consent.recipient, "recipient_type": str(consent.recipient_type),
            "type": str(consent.type), "channel": str(CHANNEL_OF_TYPE[consent.type]),
            "status": str(consent.status), "source": str(consent.source),
            "consent_date": (format_iys_date(consent.consent_date)
                             if consent.consent_date else None),
            "iys_state": str(consent.iys_state)}


def on_consents_changed(sender, *, consents: list, origin: ChangeOrigin, **kwargs) -> None:
    # One upload chunk is one send: its consents leave in batches of up to 1000 per delivery.
    outbox_write(event_type=EventType.CONSENT_CHANGED, data={"origin": _origin(origin)},
                 items=[consent_item(c) for c in consents])


def on_consents_rejected(sender, *, updates: list, origin: ChangeOrigin, **kwargs) -> None:
    if not subscribers(EventType.CONSENT_IYS_REJECTED):
        return
    ids = [getattr(u, "consent_id", None) or u.pk for u in updates]
    for consent in Consent.objects.filter(pk__in=ids).order_by("pk"):
        outbox_write(event_type=EventType.CONSENT_IYS_REJECTED,
                     data={**consent_item(consent), "error": {
                         "code": consent.iys_error_code, "message": consent.iys_error_message}})


def on_upload_saved(sender, *, instance: Upload, update_fields=None, **kwargs) -> None:
    if not instance.is_finished or (update_fields is not None and "state" not in update_fields):
        return
    # An upload saved again in the same final state (a blocked one re-saved, a summary
    # refreshed) was announced already: once per upload and state.
    if WebhookEvent.objects.filter(type=EventType.UPLOAD_FINISHED, data__upload_id=instance.pk,
                                   data__state=instance.state).exists():
        return
    outbox_write(event_type=EventType.UPLOAD_FINISHED, data={
        "upload_id": instance.pk, "name": instance.name, "state": instance.state,
        "rows_total": instance.rows_total, "rows_done": instance.rows_done,
        "counts": instance.counts, "message": instance.message,
        "finished_at": instance.finished_at.isoformat() if instance.finished_at else None})


def on_connector_blocked(sender, *, reason: str, **kwargs) -> None:
    outbox_write(event_type=EventType.CONNECTOR_BLOCKED, data={"reason": reason})


def connect() -> None:
    consents_changed.connect(on_consents_changed, dispatch_uid="webhooks.consents_changed")
    consents_rejected.connect(on_consents_rejected, dispatch_uid="webhooks.consents_rejected")
    post_save.connect(on_upload_saved, sender=Upload, dispatch_uid="webhooks.upload")
    connector_blocked.connect(on_connector_blocked, dispatch_uid="webhooks.connector_blocked")
