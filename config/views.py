"""Error pages in the panel's frame, translated: a refused page, a missing page, a failure.

Under /api/ the API's middleware (api.middleware.ApiJsonMiddleware) answers JSON instead."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _


def _error_page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": title, "message": message,
               "status": status}
    response = TemplateResponse(request, "panel_error.html", context, status=status)
    return response.render()


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, _("You may not open this page"), _(
        "Your role does not allow this page. Ask an admin of the panel if you need it."))


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, _("Page not found"), _(
        "There is no page at this address. It may have moved, or the link may be wrong."))


def server_error(request: HttpRequest) -> HttpResponse:
    # As little as possible may fail here: no database (admin context needs it), plain frame.
    context = {"title": _("Something went wrong"), "status": 500, "message": _(
        "The panel could not finish this request. Nothing was lost; try again in a moment. "
        "If it keeps happening, tell the panel's admin the time it happened.")}
    response = TemplateResponse(request, "500.html", context, status=500)
    return response.render()
