"""CSV/XLSX exports of contacts and consent history (django-import-export resources).

Columns are built per export: headers in the requester's language, one column per profile
attribute. Every cell passes consents.exports.formula_safe.
"""

import json
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import fields

from consents.choices import Channel, ConsentType, IysHeld, Origin, Permission
from consents.exports import FormulaSafeResource, column
from consents.models import ConsentEvent, Contact, ProfileAttribute
from consents.presenters import (
    DATE_FORMAT,
    attribute_labels_all,
    channel_label,
    event_change,
    event_reference,
)
from consents.rules import TURKEY
from consents.selectors import channel_sendable, connector_installed


def _local_time(value: datetime | None) -> str:
    return timezone.localtime(value, TURKEY).strftime(DATE_FORMAT) if value else ""


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _attribute_value(value: Any) -> Any:
    if isinstance(value, bool):
        return _yes_no(value)
    return "" if value is None else value


def _label(choices, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


class ContactResource(FormulaSafeResource):
    class Meta:
        model = Contact
        fields = ()

    def columns(self) -> list[tuple[str, fields.Field]]:
        found = [
            ("id", column(_("ID"), lambda c: c.pk)),
            ("email", column(_("E-mail"), lambda c: c.email or "")),
            ("phone", column(_("Phone"), lambda c: c.phone or "")),
            ("external_id", column(_("External ID"), lambda c: c.external_id or "")),
        ]
        # Per channel: the permission, what İYS holds, and sendable as the panel and the API
        # define it (consents.selectors.channel_sendable); the connector is looked up once.
        installed = connector_installed()
        for channel in Channel:
            name = {"channel": channel.label}
            found += [
                (f"{channel.value}_permission", column(
                    _("%(channel)s permission") % name,
                    lambda c, ch=channel.value: _label(Permission, c.permission(ch)))),
                (f"{channel.value}_iys_status", column(
                    _("%(channel)s in İYS") % name,
                    lambda c, ch=channel.value: _label(IysHeld, c.iys_status(ch)))),
                (f"{channel.value}_sendable", column(
                    _("%(channel)s sendable") % name,
                    lambda c, ch=channel.value: _yes_no(
                        channel_sendable(c, ch, installed=installed)))),
            ]
        for attribute in ProfileAttribute.objects.order_by("name"):
            found.append((f"attribute_{attribute.name}", column(
                attribute.label or attribute.name,
                lambda c, name=attribute.name: _attribute_value(c.attributes.get(name)))))
        found += [
            ("created_at", column(_("Created at"), lambda c: _local_time(c.created_at))),
            ("updated_at", column(_("Updated at"), lambda c: _local_time(c.updated_at))),
        ]
        return found


def _json(value: Any) -> str:
    # Real UTF-8 ("İzmir"), not \u escapes.
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _channel_of_event(event: ConsentEvent) -> str:
    if event.field in ConsentType.values or event.field in Channel.values:
        return channel_label(event.field)
    return ""


class ConsentEventResource(FormulaSafeResource):
    class Meta:
        model = ConsentEvent
        fields = ()

    def columns(self) -> list[tuple[str, fields.Field]]:
        labels = attribute_labels_all()
        return [
            ("id", column(_("ID"), lambda e: e.pk)),
            ("created_at", column(_("Time"), lambda e: _local_time(e.created_at))),
            ("contact", column(_("Contact"), lambda e: str(e.contact))),
            ("kind", column(_("Kind"), lambda e: e.get_kind_display())),
            ("channel", column(_("Channel"), _channel_of_event)),
            ("change", column(_("Change"),
                              lambda e: event_change(e, attribute_labels=labels))),
            ("before", column(_("Before"), lambda e: _json(e.before))),
            ("after", column(_("After"), lambda e: _json(e.after))),
            ("origin", column(_("Origin"), lambda e: _label(Origin, e.origin))),
            ("origin_reference", column(_("Origin reference"), event_reference)),
            ("row_number", column(_("Row"), lambda e: e.row_number or "")),
            ("actor_label", column(_("Actor"), lambda e: e.actor_label)),
        ]
