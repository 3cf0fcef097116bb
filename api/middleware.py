"""Under /api/ every answer is JSON, whatever the method, the path or the failure.

Django answers some failures itself, before or around the view: a body over
DATA_UPLOAD_MAX_MEMORY_SIZE (its HTML 400), an unknown path (HTML 404), a wrong method (an
empty 405), an unexpected exception (HTML 500). An API client must be able to read every
answer as ``{"errors": {field: [message]}}`` in the language of its Accept-Language, so this
middleware, the outermost under /api/, applies the per-IP rate limits (api.limits), checks
the body size before anything reads the body, and rewrites any answer that is not JSON.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

from api.limits import client_ip, rate_limit_hit, rate_limit_reached, too_many_requests
from api.responses import error_response

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# Headers of the answer being replaced that still tell the client something.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def body_too_big_response() -> JsonResponse:
    return error_response({"body": [
        _("The body is larger than %(max)d bytes; send fewer or shorter fields.")
        % {"max": settings.DATA_UPLOAD_MAX_MEMORY_SIZE}]}, status=413)


def _status_message(status: int) -> str:
    messages = {
        400: lambda: _("The request could not be read."),
        401: lambda: _("Send a valid API key as “Authorization: Bearer <key>”."),
        403: lambda: _("This request is not allowed."),
        404: lambda: _("There is no API endpoint at this address."),
        405: lambda: _("This method is not allowed here."),
        413: lambda: _("The body is too large."),
        429: lambda: _("Too many requests; try again later."),
    }
    if status in messages:
        return messages[status]()
    if status >= 500:
        return _("An unexpected error happened; nothing was stored. Try again later.")
    return _("The request was refused.")


def _declared_length(request: HttpRequest) -> int | None:
    """The Content-Length header as a number; None when it is not one."""
    raw = request.META.get("CONTENT_LENGTH") or "0"
    try:
        return int(raw)
    except ValueError:
        return None


class ApiJsonMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        with translation.override(translation.get_language_from_request(request)):
            response = self._as_json(self._answer(request))
            response["Content-Language"] = translation.get_language()
        return response

    def _answer(self, request: HttpRequest) -> HttpResponse:
        ip = client_ip(request)
        wait = (rate_limit_hit("API_RATE_LIMIT_PER_IP", ip)
                or rate_limit_reached("API_RATE_LIMIT_AUTH_FAILURES", ip))
        if wait:
            return too_many_requests(wait)
        length = _declared_length(request)
        if length is None or length < 0:
            return error_response({"body": [_("The Content-Length header is not a number.")]})
        largest = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # None: no limit
        if largest is not None and length > largest:
            return body_too_big_response()
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path_info.startswith(API_PREFIX):
            return None
        if isinstance(exception, RequestDataTooBig):
            return body_too_big_response()
        logger.exception("API request failed: %s %s", request.method, request.path_info)
        return error_response({"__all__": [_status_message(500)]}, status=500)

    @staticmethod
    def _as_json(response: HttpResponse) -> HttpResponse:
        if response.status_code < 400 or response.get("Content-Type", "").startswith(
                "application/json"):
            return response
        replacement = error_response({"__all__": [_status_message(response.status_code)]},
                                     status=response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                replacement[header] = response[header]
        return replacement
