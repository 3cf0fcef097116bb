"""Targeting › Contacts, Developers › Profile Attributes and the consent history.

Admin classes stay thin: every write goes through consents.services.
"""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ExportMixin

from config.admin_site import ReadOnlyAdmin
from consents.admin_search import RECIPIENT_LOOKUPS, IdentifierSearchMixin
from consents.choices import Channel, ConsentSource, ConsentStatus, IysState, Origin, Permission
from consents.forms import ConsentAdminForm, ContactAdminForm
from consents.models import Consent, ConsentEvent, Contact, ProfileAttribute
from consents.paginators import EstimatedCountPaginator
from consents.resources import ConsentEventResource, ContactResource
from consents.selectors import (
    channel_sendable,
    channel_states,
    connector_installed,
    sendable_q,
)
from consents.services import (
    ChangeOrigin,
    consent_apply,
    contact_update,
    permission_consent_record,
)


def admin_origin(request) -> ChangeOrigin:
    return ChangeOrigin(kind=Origin.ADMIN, reference=request.path, actor=request.user)


class CurrentConsentFilter(admin.SimpleListFilter):
    """Contacts whose current consent has a given value (one EXISTS, no duplicate rows)."""

    consent_field = ""
    options: list = []

    def lookups(self, request, model_admin):
        return self.options

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        matching = Consent.objects.filter(contact=OuterRef("pk"), is_current=True,
                                          **{self.consent_field: self.value()})
        return queryset.filter(Exists(matching))


class IysStatusFilter(CurrentConsentFilter):
    title = _("İYS status")
    parameter_name = "iys_status"
    consent_field = "status"
    options = ConsentStatus.choices


class IysSourceFilter(CurrentConsentFilter):
    title = _("source")
    parameter_name = "iys_source"
    consent_field = "source"
    options = ConsentSource.choices


class IysStateFilter(CurrentConsentFilter):
    title = _("İYS state")
    parameter_name = "iys_state"
    consent_field = "iys_state"
    options = IysState.choices


class SendableFilter(admin.SimpleListFilter):
    """Contacts a campaign may message on a channel: opt-in and, with a connector, İYS's ONAY."""

    title = _("sendable")
    parameter_name = "sendable"

    def lookups(self, request, model_admin):
        return [(channel, label) for channel, label in Channel.choices]

    def queryset(self, request, queryset):
        if self.value() in Channel.values:
            return queryset.filter(sendable_q(self.value()))
        return queryset


def _sendable_column(channel: str, label: str):
    @admin.display(description=label, boolean=True)
    def column(self, obj: Contact) -> bool:
        return channel_sendable(obj, channel, installed=self.installed)
    return column


class ConsentInline(admin.TabularInline):
    model = Consent
    fields = ["type", "recipient", "status", "source", "consent_date", "is_current", "iys_state",
              "iys_transaction_id", "iys_error_code"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-id"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Contact)
class ContactAdmin(IdentifierSearchMixin, ExportMixin, admin.ModelAdmin):
    form = ContactAdminForm
    resource_classes = [ContactResource]
    list_display = ["__str__", "email", "phone", "external_id", "email_permission",
                    "sms_permission", "call_permission", "sms_sendable", "email_sendable",
                    "call_sendable", "updated_at"]
    list_filter = [SendableFilter, "email_permission", "sms_permission", "call_permission",
                   IysStatusFilter, IysSourceFilter, IysStateFilter]
    search_fields = ["email", "phone", "external_id"]  # searched by IdentifierSearchMixin
    identifier_lookups = {"email": ("email",), "phone": ("phone",),
                          "external_id": ("external_id",)}
    readonly_fields = ["channels", "created_at", "updated_at", "history"]
    sms_sendable = _sendable_column("sms", _("SMS sendable"))
    email_sendable = _sendable_column("email", _("e-mail sendable"))
    call_sendable = _sendable_column("call", _("call sendable"))
    installed = False

    def changelist_view(self, request, extra_context=None):
        self.installed = connector_installed()  # once per page, not once per row
        return super().changelist_view(request, extra_context)

    @admin.display(description=_("channels"))
    def channels(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td>"
                                "<td>{}</td><td>{}</td></tr>", (
            (Channel(channel).label, Permission(state.permission).label,
             state.iys_status or _("nothing"), _("yes") if state.pending else _("no"),
             _("yes") if state.sendable else _("no"), state.reason)
            for channel, state in channel_states(obj).items()))
        return format_html(
            '<table class="channel-states"><thead><tr><th>{}</th><th>{}</th><th>{}</th>'
            "<th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("channel"), _("permission"), _("İYS holds"), _("pending"), _("sendable"),
            _("why not"), rows)
    inlines = [ConsentInline]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def has_delete_permission(self, request, obj=None):
        return False  # a contact carries consents, which are legal evidence

    @admin.display(description=_("consent history"))
    def history(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        url = reverse("admin:consents_consentevent_changelist") + f"?contact__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Every change to this contact"))

    def save_model(self, request, obj, form, change):
        origin = admin_origin(request)
        data = form.cleaned_data
        contact = contact_update(
            contact=Contact.objects.get(pk=obj.pk) if change else None,
            email=data.get("email"), phone=data.get("phone"),
            external_id=data.get("external_id"), attributes=data.get("attributes") or {},
            origin=origin, clear_missing=True)
        for channel, value in form.permission_changes().items():
            permission_consent_record(contact=contact, channel=channel, value=value,
                                      source=data["consent_source"], origin=origin)
        obj.pk = contact.pk


@admin.register(ProfileAttribute)
class ProfileAttributeAdmin(admin.ModelAdmin):
    list_display = ["name", "label", "type", "created_at"]
    search_fields = ["name", "label"]

    def get_readonly_fields(self, request, obj=None):
        # A stored attribute keeps its name and type: contacts' values depend on them.
        return ["name", "type"] if obj else []


@admin.register(Consent)
class ConsentAdmin(IdentifierSearchMixin, admin.ModelAdmin):
    form = ConsentAdminForm
    list_display = ["recipient", "type", "status", "source", "consent_date", "is_current",
                    "iys_state", "iys_error_code", "created_at"]
    list_filter = ["type", "status", "is_current", "iys_state", "source", "recipient_type"]
    search_fields = ["recipient", "iys_transaction_id"]
    identifier_lookups = RECIPIENT_LOOKUPS
    term_lookups = ("iys_transaction_id",)
    raw_id_fields = ["contact"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["contact", "recipient_type", "type", "status", "source", "consent_date"]
        return [f.name for f in Consent._meta.fields if f.name != "id"]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj) if obj else []

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        consent = consent_apply(contact=form.cleaned_data["contact"], origin=admin_origin(request),
                                **form.consent_fields())
        obj.pk = consent.pk


@admin.register(ConsentEvent)
class ConsentEventAdmin(IdentifierSearchMixin, ExportMixin, ReadOnlyAdmin):
    resource_classes = [ConsentEventResource]
    list_display = ["created_at", "contact", "kind", "field", "change", "origin",
                    "origin_reference", "row_number", "actor_label"]
    list_filter = ["kind", "origin", "field"]
    search_fields = ["contact__email", "contact__phone", "contact__external_id",
                     "origin_reference"]
    identifier_lookups = {"email": ("contact__email",), "phone": ("contact__phone",),
                          "external_id": ("contact__external_id",)}
    term_lookups = ("origin_reference__icontains",)
    list_select_related = ["contact"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "contact__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("change"))
    def change(self, obj):
        return format_html("{} → {}", _describe(obj.before), _describe(obj.after))


def _describe(value) -> str:
    """A short human reading of an event's before/after value."""
    if value is None:
        return "—"
    if isinstance(value, dict):
        return ", ".join(f"{v}" for v in value.values() if v not in (None, ""))
    return str(value)
