"""GET /api/v1/segments/<id>/contacts: a segment's contacts, a page at a time (keyset)."""

from collections import namedtuple

import orjson
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from api.serializers import contact_to_json
from api.views import api_key_required, error_response, validation_errors
from consents.models import Consent
from consents.selectors import connector_installed
from insights.models import Segment
from insights.segments import MAX_PAGE_SIZE, PAGE_SIZE, segment_keyset
from uploads.services import _fewer_collector_passes as fewer_collector_passes

# A page of 5,000 contacts and their consents as Django model instances spent most of its
# time building them (and loading timestamps nobody reads): the page is read as tuples of
# exactly what the contact JSON reads (api.serializers, consents.selectors.channel_states),
# into light rows with the same attribute names and methods.
CONTACT_FIELDS = ("id", "email", "phone", "external_id", "email_permission", "sms_permission",
                  "call_permission", "email_iys_status", "sms_iys_status", "call_iys_status",
                  "attributes")
CONSENT_FIELDS = ("id", "contact_id", "recipient", "recipient_type", "type", "status", "source",
                  "consent_date", "is_current", "iys_state", "iys_transaction_id",
                  "iys_error_code", "iys_error_message")
ConsentRow = namedtuple("ConsentRow", CONSENT_FIELDS)


class ContactRow(namedtuple("ContactRowBase", CONTACT_FIELDS)):
    """A contact as the contact JSON reads it (Contact's fields and channel methods)."""

    __slots__ = ()

    @property
    def pk(self) -> int:
        return self.id

    def permission(self, channel: str) -> str:
        return getattr(self, f"{channel}_permission")

    def iys_status(self, channel: str) -> str:
        return getattr(self, f"{channel}_iys_status")


@require_GET
@api_key_required
def segment_contacts(request: HttpRequest, pk: int) -> HttpResponse:
    """``?cursor=`` the ``next_cursor`` of the page before (none: from the start);
    ``?limit=`` up to 5000 (default 1000). ``next_cursor`` is null on the last page."""
    segment = Segment.objects.filter(pk=pk).first()
    if segment is None:
        return error_response({"segment": [_("No segment with this id.")]}, status=404)
    try:
        after = int(request.GET.get("cursor") or 0)
        limit = int(request.GET.get("limit") or PAGE_SIZE)
    except ValueError:
        return error_response({"cursor": [_("Give the next_cursor of the page before.")]})
    if after < 0 or not 1 <= limit <= MAX_PAGE_SIZE:
        return error_response({"limit": [_("Give a limit from 1 to %(max)d.")
                                         % {"max": MAX_PAGE_SIZE}]})
    try:
        keyset = segment_keyset(rules=segment.rules, sendable_channel=segment.sendable_channel,
                                after=after)
        contacts = [ContactRow._make(row)
                    for row in keyset.values_list(*CONTACT_FIELDS)[:limit]]
    except ValidationError as error:
        return error_response(validation_errors(error))
    # A page of 5,000 builds ~100,000 objects, all freed by reference counting: the cycle
    # collector tracing them over and over took a third of the time (docs/performance.md).
    with fewer_collector_passes():
        consents: dict[int, list[ConsentRow]] = {}
        if contacts:
            rows = (Consent.objects.filter(contact_id__in=[c.id for c in contacts])
                    .order_by("-id").values_list(*CONSENT_FIELDS))
            for row in rows:
                consent = ConsentRow._make(row)
                consents.setdefault(consent.contact_id, []).append(consent)
        installed = connector_installed()
        body = {"segment": {"id": segment.pk, "name": segment.name},
                "contacts": [{"id": c.id, **contact_to_json(c, consents.get(c.id, []), installed)}
                             for c in contacts],
                "next_cursor": str(contacts[-1].id) if len(contacts) == limit else None}
    return HttpResponse(orjson.dumps(body), content_type="application/json")
