"""The admin arranged like the Netmera panel: Targeting, Settings, Developers, Consent history."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from insights.dashboard import dashboard_context

# (app_label, model_name) -> section key; the order of SECTIONS is the order on the index page.
SECTIONS = {
    "targeting": _("Targeting"),
    "settings": _("Settings › Connectors"),
    "developers": _("Developers"),
    "history": _("Consent history"),
}
MODEL_SECTIONS = {
    ("consents", "contact"): "targeting",
    ("uploads", "upload"): "targeting",
    ("consents", "exportjob"): "targeting",
    ("insights", "segment"): "targeting",
    ("insights", "segmentexport"): "targeting",
    ("connectors", "iysconnector"): "settings",
    ("connectors", "reconciliationdifference"): "settings",
    ("connectors", "iysrejection"): "settings",
    ("consents", "profileattribute"): "developers",
    ("api", "apikey"): "developers",
    ("webhooks", "webhookendpoint"): "developers",
    ("consents", "consent"): "history",
    ("consents", "consentevent"): "history",
}


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list to read: evidence and records made by jobs are never added or edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PanelAdminSite(admin.AdminSite):
    site_header = _("İYS Permission Hub")
    site_title = _("İYS Permission Hub")
    index_title = _("Panel")
    index_template = "admin/dashboard.html"

    def index(self, request, extra_context=None):
        """The front page for every role: the dashboard (insights), then the sections."""
        return super().index(request, {**dashboard_context(), **(extra_context or {})})

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label:
            return app_list
        sections = {key: [] for key in SECTIONS}
        others = []
        for app in app_list:
            remaining = []
            for model in app["models"]:
                section = MODEL_SECTIONS.get((app["app_label"], model["object_name"].lower()))
                (sections[section] if section else remaining).append(model)
            if remaining:
                others.append({**app, "models": remaining})
        grouped = [
            {"name": SECTIONS[key], "app_label": key, "app_url": models[0]["admin_url"] or "",
             "has_module_perms": True, "models": models}
            for key, models in sections.items() if models
        ]
        return grouped + others
