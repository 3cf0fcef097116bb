"""The panel's answer to a locked-out sign-in (django-axes' AXES_LOCKOUT_CALLABLE)."""

import math

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """A translated page in the panel's look instead of axes' bare text, with the wait in
    minutes and as Retry-After (seconds)."""
    cool_off = get_cool_off(request) or settings.AXES_COOLOFF_TIME
    seconds = int(cool_off.total_seconds())
    context = {**admin.site.each_context(request), "title": _("Signing in is locked"),
               "minutes": max(1, math.ceil(seconds / 60))}
    response = render(request, "accounts/lockout.html", context,
                      status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    return response
