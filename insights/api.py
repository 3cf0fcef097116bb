"""GET /api/v1/segments/<id>/contacts: a segment's contacts, a page at a time (keyset)."""

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
from insights.segments import MAX_PAGE_SIZE, PAGE_SIZE, segment_page


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
        contacts = segment_page(rules=segment.rules, sendable_channel=segment.sendable_channel,
                                after=after, limit=limit)
    except ValidationError as error:
        return error_response(validation_errors(error))
    consents: dict[int, list[Consent]] = {}
    if contacts:
        for consent in Consent.objects.filter(contact_id__in=[c.pk for c in contacts]).order_by(
                "-id"):
            consents.setdefault(consent.contact_id, []).append(consent)
    installed = connector_installed()
    body = {"segment": {"id": segment.pk, "name": segment.name},
            "contacts": [{"id": c.pk, **contact_to_json(c, consents.get(c.pk, []), installed)}
                         for c in contacts],
            "next_cursor": str(contacts[-1].pk) if len(contacts) == limit else None}
    return HttpResponse(orjson.dumps(body), content_type="application/json")
