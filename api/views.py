"""The real-time consent API: thin views over the consent services."""

import json
from functools import wraps

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from api.forms import ConsentCaptureForm
from api.limits import client_ip, rate_limit_hit, too_many_requests
from api.responses import error_response
from api.serializers import consent_to_json, contact_to_json
from api.services import api_key_authenticate
from consents.choices import Channel, Origin
from consents.selectors import AUDIENCE_LIMIT, audience_check, contact_lookup
from consents.services import ChangeOrigin, consent_apply, contact_upsert

# A capture that lost a race with a concurrent one (the same new contact, or the same
# recipient's first consent) is tried again: it then finds what the other one stored.
CAPTURE_ATTEMPTS = 3


def validation_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [m for e in errs for m in e.messages]
                for field, errs in error.error_dict.items()}
    return {"__all__": error.messages}


def json_object(request: HttpRequest) -> dict | JsonResponse:
    """The request's body as a JSON object, or the 400 answer that says what is wrong."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return error_response({"body": [_("The body is not valid JSON.")]})
    except RecursionError:
        return error_response({"body": [_("The body is nested too deeply.")]})
    if not isinstance(body, dict):
        return error_response({"body": [_("The body must be a JSON object.")]})
    return body


def api_key_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        scheme, _sep, raw_key = request.headers.get("Authorization", "").partition(" ")
        api_key = api_key_authenticate(raw_key.strip()) if scheme.lower() == "bearer" else None
        if api_key is None:
            # Counted per IP: past the limit the middleware refuses the IP before any lookup.
            rate_limit_hit("API_RATE_LIMIT_AUTH_FAILURES", client_ip(request))
            response = error_response(
                {"authorization": [_("Send a valid API key as “Authorization: Bearer <key>”.")]},
                status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        wait = rate_limit_hit("API_RATE_LIMIT_PER_KEY", str(api_key.pk))
        if wait:
            return too_many_requests(wait)
        request.api_key = api_key
        return view(request, *args, **kwargs)

    return wrapper


@csrf_exempt
@require_POST
@api_key_required
def consent_create(request: HttpRequest) -> JsonResponse:
    body = json_object(request)
    if isinstance(body, JsonResponse):
        return body
    form = ConsentCaptureForm(data=body)
    if not form.is_valid():
        return error_response({field: list(messages) for field, messages in form.errors.items()})
    data = form.cleaned_data
    origin = ChangeOrigin(kind=Origin.API, reference="POST /api/v1/consents",
                          actor_label=f"API key {request.api_key.name}")
    for attempt in range(1, CAPTURE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                contact, _created = contact_upsert(email=data["email"], phone=data["phone"],
                                                   external_id=data["external_id"],
                                                   origin=origin)
                consent = consent_apply(contact=contact, type=data["type"],
                                        status=data["status"], source=data["source"],
                                        consent_date=data["consent_date"],
                                        recipient_type=data["recipient_type"], origin=origin)
            break
        except ValidationError as error:
            return error_response(validation_errors(error))
        except IntegrityError:
            if attempt == CAPTURE_ATTEMPTS:
                return error_response({"__all__": [_(
                    "Another request changed this contact at the same time; send the "
                    "consent again.")]}, status=409)
    return JsonResponse({"consent": consent_to_json(consent), "contact": contact_to_json(contact)},
                        status=201)


@require_GET
@api_key_required
def contact_detail(request: HttpRequest, identifier: str) -> JsonResponse:
    contact = contact_lookup(identifier)
    if contact is None:
        return error_response({"identifier": [_("No contact with this identifier.")]},
                              status=404)
    return JsonResponse(contact_to_json(contact))


@csrf_exempt
@require_POST
@api_key_required
def audience_check_view(request: HttpRequest) -> JsonResponse:
    """The check a campaign tool makes before it sends: who may be messaged on a channel."""
    body = json_object(request)
    if isinstance(body, JsonResponse):
        return body
    errors: dict[str, list[str]] = {}
    channel, recipients = body.get("channel"), body.get("recipients")
    if channel not in Channel.values:
        errors["channel"] = [_("Channel must be sms, email or call.")]
    if (not isinstance(recipients, list) or not recipients
            or not all(isinstance(r, str) for r in recipients)):
        errors["recipients"] = [_("Recipients must be a list of phone numbers or e-mails.")]
    elif len(recipients) > AUDIENCE_LIMIT:
        errors["recipients"] = [_("At most %(limit)s recipients in one request.")
                                % {"limit": f"{AUDIENCE_LIMIT:,}"}]
    if errors:
        return error_response(errors)
    sendable, not_sendable = audience_check(channel=channel, recipients=recipients)
    return JsonResponse({"sendable": sendable, "not_sendable": not_sendable})
