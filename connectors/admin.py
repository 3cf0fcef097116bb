"""Settings › Connectors: the İYS settings page (admins only), reconciliation differences and
the consents İYS rejected. Admin classes stay thin: writes go through connectors.services."""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from config.admin_site import ReadOnlyAdmin
from connectors.forms import IysConnectorForm
from connectors.models import IysConnector, IysRejection, ReconciliationDifference
from connectors.services import connector_settings_saved
from connectors.services.status import connector_counts
from consents.admin_search import RECIPIENT_LOOKUPS, IdentifierSearchMixin
from consents.choices import IysState


@admin.register(IysConnector)
class IysConnectorAdmin(admin.ModelAdmin):
    """Settings › Connectors › İYS: a single settings page, admins only."""

    form = IysConnectorForm
    readonly_fields = ["mode", "push_state", "initial_sync_progress", "last_pull_at",
                       "pull_cursors", "last_push_at", "consent_counts", "last_reconcile_at"]
    fieldsets = [
        (_("State"), {"fields": ["mode", "push_state", "initial_sync_progress", "last_pull_at",
                                 "pull_cursors", "last_push_at", "consent_counts",
                                 "last_reconcile_at"]}),
        (None, {"fields": ["is_active", "brand_code", "iys_code"]}),
        (_("İYS Integrator"), {"fields": ["integrator_mode", "mutabakat_confirmed"]}),
        (_("Partner permissions"), {"fields": ["permission_message", "permission_call",
                                               "permission_email"]}),
        (_("Route"), {"fields": ["route", "base_url", "username", "password",
                                 "iletimerkezi_url", "iletimerkezi_key", "iletimerkezi_hash"]}),
        (_("Schedule"), {"fields": ["night_window_start"]}),
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

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        connector_settings_saved(connector=obj)

    def response_change(self, request, obj):
        tested = getattr(obj, "connection_test", None)  # tested by the form before saving
        if tested is not None:
            ok, message = tested
            self.message_user(request, message, messages.SUCCESS if ok else messages.ERROR)
            return redirect(request.path)
        return super().response_change(request, obj)

    @admin.display(description=_("mode"))
    def mode(self, obj: IysConnector) -> str:
        obj = IysConnector.objects.filter(pk=obj.pk).first() or obj  # saved, not as posted
        if not obj.is_ready:
            return _("Not installed")
        if obj.integrator_mode:
            return _("İYS Integrator mode: we create and update recipients in İYS")
        return _("Sync mode: İYS is the master; only recipients İYS knows are updated")

    @admin.display(description=_("push"))
    def push_state(self, obj: IysConnector):
        if obj.blocked_reason:
            return format_html('<strong class="errornote">{}</strong>', obj.blocked_reason)
        return _("Running")

    @admin.display(description=_("initial sync"))
    def initial_sync_progress(self, obj: IysConnector) -> str:
        obj = IysConnector.objects.filter(pk=obj.pk).first() or obj  # saved, not as posted
        if obj.integrator_mode and obj.initial_sync_state in (
                IysConnector.InitialSync.NOT_STARTED, IysConnector.InitialSync.SCHEDULED):
            return _("Not needed in Integrator mode: the hub is the master and sends its "
                     "consents to İYS.")
        text = obj.get_initial_sync_state_display()
        if obj.initial_sync_state == IysConnector.InitialSync.SCHEDULED and (
                obj.initial_sync_not_before):
            return _("%(state)s: starts %(when)s") % {
                "state": text, "when": timezone.localtime(obj.initial_sync_not_before)
                .strftime("%d.%m.%Y %H:%M")}
        if obj.initial_sync_total:
            return _("%(state)s: %(done)d of %(total)d contacts (checkpoint: contact #%(at)d)") % {
                "state": text, "done": obj.initial_sync_done, "total": obj.initial_sync_total,
                "at": obj.initial_sync_checkpoint}
        return text

    @admin.display(description=_("pull cursors"))
    def pull_cursors(self, obj: IysConnector):
        return format_html("{}: {}<br>{}: {}", _("citizens (IYS)"), obj.pull_cursor_iys or "—",
                           _("service providers (HS)"), obj.pull_cursor_hs or "—")

    @admin.display(description=_("consents"))
    def consent_counts(self, obj: IysConnector):
        counts = connector_counts()
        consents = reverse("admin:consents_consent_changelist")
        rejections = reverse("admin:connectors_iysrejection_changelist")
        rows = [
            (_("waiting"), counts.waiting, f"{consents}?iys_state__exact={IysState.PENDING}"),
            (_("failed, will retry"), counts.failed,
             f"{consents}?iys_state__exact={IysState.PENDING}"),
            (_("rejected by İYS"), counts.rejected, rejections),
            (_("not sent (late, not permitted, unknown to İYS)"), counts.not_sent,
             f"{consents}?iys_state__exact={IysState.LOCAL}"),
            (_("reaching the 3-business-day deadline within a day"), counts.deadline_soon,
             f"{consents}?iys_state__exact={IysState.PENDING}"),
        ]
        return format_html_join(mark_safe("<br>"), '{}: <a href="{}">{}</a>',
                                ((label, url, number) for label, number, url in rows))


@admin.register(ReconciliationDifference)
class ReconciliationDifferenceAdmin(IdentifierSearchMixin, ReadOnlyAdmin):
    list_display = ["report_date", "recipient", "type", "kind", "iys_status", "local_status",
                    "iys_transaction_id", "found_at"]
    list_filter = ["kind", "report_date", "type"]
    search_fields = ["recipient", "iys_transaction_id"]
    identifier_lookups = RECIPIENT_LOOKUPS
    term_lookups = ("iys_transaction_id",)


@admin.register(IysRejection)
class IysRejectionAdmin(IdentifierSearchMixin, ReadOnlyAdmin):
    list_display = ["recipient", "type", "status", "consent_date", "iys_error_code",
                    "iys_error_message", "iys_updated_at"]
    list_filter = ["iys_error_code", "type", "status"]
    search_fields = ["recipient"]
    identifier_lookups = RECIPIENT_LOOKUPS

    def get_queryset(self, request):
        return super().get_queryset(request).filter(iys_state=IysState.REJECTED)
