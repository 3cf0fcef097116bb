from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from webhooks.forms import WebhookEndpointForm
from webhooks.models import EventType, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import endpoint_create, endpoint_enable, event_resend

LOG_ROWS = 50


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "url", "events_display", "status_display", "created_at"]
    readonly_fields = ["secret_prefix", "status_display", "created_by", "created_at"]
    actions = ["enable"]
    change_form_template = "admin/webhooks/webhookendpoint/change_form.html"

    def has_delete_permission(self, request, obj=None):
        return False  # disable instead: the delivery log names the endpoint

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "url", "events"]
        return ["name", "url", "events", "secret_prefix", "status_display", "created_by",
                "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            form.base_fields["events"].initial = obj.events
        return form

    @admin.display(description=_("Events"))
    def events_display(self, obj: WebhookEndpoint) -> str:
        labels = dict(EventType.choices)
        return ", ".join(str(labels.get(e, e)) for e in obj.events)

    @admin.display(description=_("Status"))
    def status_display(self, obj: WebhookEndpoint) -> str:
        if obj.is_active:
            return format_html('<span class="webhook-active">{}</span>', _("Active"))
        return format_html('<strong class="errornote webhook-disabled">{}: {}</strong>',
                           _("Disabled"), obj.disabled_reason)

    def save_model(self, request, obj, form, change):
        if change:
            obj.events = form.cleaned_data["events"]
            super().save_model(request, obj, form, change)
            return
        endpoint, raw = endpoint_create(name=obj.name, url=obj.url,
                                        events=form.cleaned_data["events"],
                                        created_by=request.user)
        obj.pk = endpoint.pk
        messages.warning(request, _("The signing secret is %(secret)s — copy it now, it is not "
                                    "shown again.") % {"secret": raw})

    @admin.action(description=_("Enable the selected webhooks again"), permissions=["change"])
    def enable(self, request, queryset):
        for endpoint in queryset:
            endpoint_enable(endpoint=endpoint)
        self.message_user(request, _("Enabled; waiting events are delivered in order."))

    def get_urls(self):
        return [path("<int:pk>/resend/<int:event_pk>/",
                     self.admin_site.admin_view(self.resend_view),
                     name="webhooks_webhookendpoint_resend"),
                path("<int:pk>/log/", self.admin_site.admin_view(self.log_view),
                     name="webhooks_webhookendpoint_log"),
                *super().get_urls()]

    def _log_context(self, object_id) -> dict:
        deliveries = (WebhookDelivery.objects.filter(endpoint_id=object_id)
                      .select_related("event").order_by("-id")[:LOG_ROWS])
        return {"deliveries": deliveries,
                "waiting": WebhookEvent.objects.filter(endpoint_id=object_id,
                                                       state=WebhookEvent.State.PENDING).count()}

    def log_view(self, request: HttpRequest, pk: int):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        if not self.has_view_permission(request, endpoint):
            return HttpResponseRedirect(reverse("admin:index"))
        context = {**self.admin_site.each_context(request), **self._log_context(pk),
                   "opts": self.model._meta, "original": endpoint,
                   "title": _("Delivery log of %(name)s") % {"name": endpoint.name}}
        return TemplateResponse(request, "admin/webhooks/webhookendpoint/log.html", context)

    def resend_view(self, request: HttpRequest, pk: int, event_pk: int):
        endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, endpoint):
            messages.error(request, _("You may not re-send events."))
        else:
            event = get_object_or_404(WebhookEvent, pk=event_pk, endpoint=endpoint)
            event_resend(event=event)
            messages.success(request, _("Event %(id)s will be sent again.")
                             % {"id": event.event_id})
        return HttpResponseRedirect(reverse("admin:webhooks_webhookendpoint_log", args=[pk]))
