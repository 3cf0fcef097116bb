from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from connectors.forms import IysConnectorForm
from connectors.models import IysConnector


@admin.register(IysConnector)
class IysConnectorAdmin(admin.ModelAdmin):
    """Settings › Connectors › İYS: a single settings page, admins only."""

    form = IysConnectorForm
    fieldsets = [
        (None, {"fields": ["is_active", "brand_code", "iys_code"]}),
        ("İYS Integrator", {"fields": ["integrator_mode", "mutabakat_confirmed"]}),
        ("Partner permissions", {"fields": ["permission_message", "permission_call",
                                            "permission_email"]}),
        ("Route", {"fields": ["route", "base_url", "username", "password", "iletimerkezi_url",
                              "iletimerkezi_key", "iletimerkezi_hash"]}),
        ("Schedule", {"fields": ["night_window_start"]}),
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)
        connector = IysConnector.load()
        return redirect(reverse("admin:connectors_iysconnector_change", args=[connector.pk]))
