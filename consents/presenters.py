"""Human readings of stored history, for the panel and the exports.

An event keeps raw snapshots (JSON before/after); a person reads
"SMS: opt-in → opt-out (RET, HS_WEB, 02.12.2026 10:15)".
"""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consents.choices import CHANNEL_OF_TYPE, Channel, IysState, Origin, Permission
from consents.models import ConsentEvent, ProfileAttribute

DATE_FORMAT = "%d.%m.%Y %H:%M"
CONTACT_FIELD_LABELS = {"email": gettext_lazy("e-mail"), "phone": gettext_lazy("phone"),
                        "external_id": gettext_lazy("external ID")}


def channel_label(field: str) -> str:
    """The channel an event's field names: a consent type (MESAJ) or a channel (sms)."""
    channel = CHANNEL_OF_TYPE.get(field, field)
    return str(Channel(channel).label) if channel in Channel.values else field


def _choice_label(choices, value: Any) -> str:
    if value in (None, ""):
        return "—"
    return str(choices(value).label) if value in choices.values else str(value)


def _date(value: str | None) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value).strftime(DATE_FORMAT)
    except ValueError:
        return value


def _transition(field: str, choices, before: Any, after: Any) -> str:
    """ "SMS: opt-in → opt-out" """
    return (f"{channel_label(field)}: {_choice_label(choices, before)} → "
            f"{_choice_label(choices, after)}")


def _permission(side: Any) -> Any:
    return side.get("permission") if isinstance(side, dict) else side


def _consent_details(after: dict) -> str:
    parts = [after.get("status"), after.get("source"), _date(after.get("consent_date"))]
    return ", ".join(part for part in parts if part)


def _contact_values(values: dict | None, labels: dict[str, str]) -> list[str]:
    return [f"{labels.get(name, name)}: {'—' if value in (None, '') else value}"
            for name, value in (values or {}).items()]


def event_change(event: ConsentEvent, *, attribute_labels: dict[str, str] | None = None) -> str:
    """What an event changed, in the viewer's language."""
    before, after = event.before, event.after
    if event.kind == ConsentEvent.Kind.CONSENT:
        text = _transition(event.field, Permission, _permission(before), _permission(after))
        details = _consent_details(after) if isinstance(after, dict) else ""
        return f"{text} ({details})" if details else text
    if event.kind == ConsentEvent.Kind.PERMISSION:
        return _transition(event.field, Permission, before, after)
    if event.kind == ConsentEvent.Kind.DELIVERY:
        state = after.get("iys_state") if isinstance(after, dict) else after
        text = _transition(event.field, IysState, before, state)
        error = after.get("error_code") if isinstance(after, dict) else ""
        return f"{text} ({error})" if error else text
    names = set(after or {}) - set(CONTACT_FIELD_LABELS)
    if attribute_labels is None:
        attribute_labels = attribute_labels_all() if names else {}
    labels = {**CONTACT_FIELD_LABELS, **attribute_labels}
    if event.field == "created":
        return _("Contact created: %(values)s") % {
            "values": "; ".join(_contact_values(after, labels))}
    changes = [f"{labels.get(name, name)}: {_plain(before, name)} → {_plain(after, name)}"
               for name in (after or {})]
    return "; ".join(changes) or "—"


def _plain(side: Any, name: str) -> str:
    value = side.get(name) if isinstance(side, dict) else None
    return "—" if value in (None, "") else str(value)


def attribute_labels_all() -> dict[str, str]:
    return dict(ProfileAttribute.objects.values_list("name", "label"))


def event_reference(event: ConsentEvent) -> str:
    """Where an event came from, as a person reads it; İYS pull cursors stay out of sight."""
    if event.origin == Origin.IYS_PULL:
        return ""
    return event.origin_reference
