"""Segments: saved filters over contacts, counted live, read by the API, exported by the worker.

A segment's ``rules`` is a list of conditions, all of which must hold (AND):

- ``{"field": "permission", "channel": "sms", "value": "opt_in"}`` the channel permission;
- ``{"field": "sendable", "channel": "sms", "value": true}`` sendable on the channel (or not),
  as consents.selectors.sendable_q defines it;
- ``{"field": "iys_status", "channel": "sms", "value": "ONAY" | "RET" | ""}`` what İYS holds
  for the individual record ("": nothing known);
- ``{"field": "source", "value": "HS_WEB"}`` a current consent with this source;
- ``{"field": "created_at" | "updated_at", "from": "2026-01-01", "to": "2026-01-31"}``;
- ``{"field": "attribute", "name": "city", "op": OP, "value": …, "from": …, "to": …}`` where
  OP is ``equals``, ``contains`` (text), ``empty``, ``not_empty``, ``between`` (number and
  date: ``from``/``to``, either may be left out) or ``is`` (boolean ``value``).

``sendable_channel`` restricts the segment to contacts a campaign may message on a channel.
"""

from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from consents.choices import Channel, ConsentSource, IysHeld, Permission
from consents.models import Consent, Contact, ProfileAttribute
from consents.rules import TURKEY
from consents.selectors import sendable_q

TEXT_OPS = ("equals", "contains", "empty", "not_empty")
OPS_BY_TYPE = {
    ProfileAttribute.Type.TEXT: TEXT_OPS,
    ProfileAttribute.Type.NUMBER: ("equals", "between", "empty", "not_empty"),
    ProfileAttribute.Type.DATE: ("equals", "between", "empty", "not_empty"),
    ProfileAttribute.Type.BOOLEAN: ("is", "empty", "not_empty"),
}
PAGE_SIZE = 1000
MAX_PAGE_SIZE = 5000


def _date(value: Any, label: str) -> date | None:
    if value in (None, ""):
        return None
    parsed = parse_date(str(value)) if isinstance(value, str) else None
    if parsed is None:
        raise ValidationError(_("%(label)s: “%(value)s” is not a date (YYYY-MM-DD).")
                              % {"label": label, "value": value}, code="date")
    return parsed


def _number(value: Any, label: str) -> int | float | None:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        number = None
    if number is None or number != number or number in (float("inf"), float("-inf")):
        raise ValidationError(_("%(label)s: “%(value)s” is not a number.")
                              % {"label": label, "value": value}, code="number")
    return int(number) if number.is_integer() else number


def _channel(rule: dict[str, Any]) -> str:
    channel = rule.get("channel")
    if channel not in Channel.values:
        raise ValidationError(_("Choose a channel: sms, email or call."), code="channel")
    return channel


def rule_clean(rule: Any, attributes: dict[str, ProfileAttribute]) -> dict[str, Any]:
    """One condition checked and normalised; ValidationError with a translated message."""
    if not isinstance(rule, dict):
        raise ValidationError(_("Each condition must be an object."), code="rule")
    field = rule.get("field")
    if field == "permission":
        value = rule.get("value")
        if value not in Permission.values:
            raise ValidationError(_("Permission must be opt_in or opt_out."), code="permission")
        return {"field": field, "channel": _channel(rule), "value": value}
    if field == "sendable":
        return {"field": field, "channel": _channel(rule),
                "value": rule.get("value", True) in (True, "true", "1", 1, "yes")}
    if field == "iys_status":
        value = rule.get("value") or ""
        if value not in IysHeld.values:
            raise ValidationError(_("What İYS holds is ONAY, RET or nothing."), code="iys_status")
        return {"field": field, "channel": _channel(rule), "value": value}
    if field == "source":
        if rule.get("value") not in ConsentSource.values:
            raise ValidationError(_("Unknown consent source “%(value)s”.")
                                  % {"value": rule.get("value")}, code="source")
        return {"field": field, "value": rule["value"]}
    if field in ("created_at", "updated_at"):
        start, end = _date(rule.get("from"), field), _date(rule.get("to"), field)
        if start is None and end is None:
            raise ValidationError(_("Give a start or an end date."), code="dates")
        return {"field": field, "from": start and start.isoformat(),
                "to": end and end.isoformat()}
    if field == "attribute":
        attribute = attributes.get(rule.get("name"))
        if attribute is None:
            raise ValidationError(_("No profile attribute “%(name)s”.")
                                  % {"name": rule.get("name")}, code="attribute")
        op = rule.get("op")
        if op not in OPS_BY_TYPE[attribute.type]:
            raise ValidationError(_("“%(op)s” does not apply to %(name)s (%(type)s).")
                                  % {"op": op, "name": attribute.name,
                                     "type": attribute.get_type_display()}, code="op")
        clean: dict[str, Any] = {"field": field, "name": attribute.name, "op": op}
        label = attribute.label or attribute.name
        if op in ("equals", "contains"):
            value = rule.get("value")
            if value in (None, ""):
                raise ValidationError(_("%(label)s: give a value.") % {"label": label},
                                      code="value")
            if attribute.type == ProfileAttribute.Type.NUMBER:
                value = _number(value, label)
            elif attribute.type == ProfileAttribute.Type.DATE:
                value = _date(value, label).isoformat()
            clean["value"] = value if op == "equals" or isinstance(value, str) else str(value)
        elif op == "between":
            convert = _number if attribute.type == ProfileAttribute.Type.NUMBER else _date
            start, end = convert(rule.get("from"), label), convert(rule.get("to"), label)
            if start is None and end is None:
                raise ValidationError(_("%(label)s: give a lower or an upper bound.")
                                      % {"label": label}, code="range")
            if isinstance(start, date):
                start, end = start.isoformat(), end and end.isoformat()
            elif isinstance(end, date):
                end = end.isoformat()
            clean.update({"from": start, "to": end})
        elif op == "is":
            clean["value"] = rule.get("value") in (True, "true", "1", 1, "yes")
        return clean
    raise ValidationError(_("Unknown condition “%(field)s”.") % {"field": field}, code="field")


def rules_clean(rules: Any) -> list[dict[str, Any]]:
    """Every condition checked; the errors of all of them at once."""
    if rules in (None, ""):
        return []
    if not isinstance(rules, list):
        raise ValidationError(_("Rules must be a list of conditions."), code="rules")
    names = {r.get("name") for r in rules if isinstance(r, dict)}
    attributes = {a.name: a for a in ProfileAttribute.objects.filter(name__in=names)}
    cleaned, errors = [], []
    for number, rule in enumerate(rules, start=1):
        try:
            cleaned.append(rule_clean(rule, attributes))
        except ValidationError as error:
            errors += [_("Condition %(n)d: %(message)s") % {"n": number, "message": m}
                       for m in error.messages]
    if errors:
        raise ValidationError(errors)
    return cleaned


def _day_start(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time.min, tzinfo=TURKEY)


def rule_q(rule: dict[str, Any]) -> Q:
    field = rule["field"]
    if field == "permission":
        return Q(**{f"{rule['channel']}_permission": rule["value"]})
    if field == "sendable":
        q = sendable_q(rule["channel"])
        return q if rule["value"] else ~q
    if field == "iys_status":
        return Q(**{f"{rule['channel']}_iys_status": rule["value"]})
    if field == "source":
        return Q(Exists(Consent.objects.filter(contact=OuterRef("pk"), is_current=True,
                                               source=rule["value"])))
    if field in ("created_at", "updated_at"):
        q = Q()
        if rule.get("from"):
            q &= Q(**{f"{field}__gte": _day_start(rule["from"])})
        if rule.get("to"):
            end = date.fromisoformat(rule["to"]).toordinal() + 1
            q &= Q(**{f"{field}__lt": _day_start(date.fromordinal(end).isoformat())})
        return q
    key = f"attributes__{rule['name']}"
    op = rule["op"]
    if op == "equals" or op == "is":
        return Q(**{key: rule["value"]})
    if op == "contains":
        return Q(**{f"{key}__icontains": rule["value"]})
    if op == "empty":
        return Q(**{f"{key}__isnull": True}) | Q(**{key: ""})
    if op == "not_empty":
        return Q(**{f"{key}__isnull": False}) & ~Q(**{key: ""})
    q = Q()  # between: jsonb compares numbers as numbers and ISO dates as text
    if rule.get("from") is not None:
        q &= Q(**{f"{key}__gte": rule["from"]})
    if rule.get("to") is not None:
        q &= Q(**{f"{key}__lte": rule["to"]})
    return q


def segment_queryset(*, rules: list[dict[str, Any]], sendable_channel: str = "") -> QuerySet:
    """The contacts the (cleaned) rules select."""
    q = Q()
    for rule in rules:
        q &= rule_q(rule)
    contacts = Contact.objects.filter(q)
    if sendable_channel:
        if sendable_channel not in Channel.values:
            raise ValidationError(_("Choose a channel: sms, email or call."), code="channel")
        contacts = contacts.filter(sendable_q(sendable_channel))
    return contacts


def segment_count(*, rules: Any, sendable_channel: str = "") -> int:
    return segment_queryset(rules=rules_clean(rules), sendable_channel=sendable_channel).count()


def segment_keyset(*, rules: Any, sendable_channel: str = "", after: int = 0) -> QuerySet:
    """The segment's contacts after ``after`` in id order, for keyset pagination: a page never
    skips or repeats a contact because others were added or changed meanwhile, and the
    millionth row costs what the first does. The rules are checked again (a profile
    attribute may have gone since the segment was saved). Slice it for a page."""
    return (segment_queryset(rules=rules_clean(rules), sendable_channel=sendable_channel)
            .filter(pk__gt=after).order_by("pk"))


def segment_page(*, rules: Any, sendable_channel: str = "", after: int = 0,
                 limit: int = PAGE_SIZE) -> list[Contact]:
    """One keyset page of contacts (segment_keyset)."""
    return list(segment_keyset(rules=rules, sendable_channel=sendable_channel,
                               after=after)[:limit])
