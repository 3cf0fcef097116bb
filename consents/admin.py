"""Targeting › Contacts, Developers › Profile Attributes and the consent history.

Admin classes stay thin: every write goes through consents.services.
"""

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from config.admin_site import ReadOnlyAdmin
from consents.admin_exports import ExportJobAdmin, LargeExportMixin
from consents.admin_search import RECIPIENT_LOOKUPS, IdentifierSearchMixin
from consents.choices import Channel, ConsentSource, ConsentStatus, IysState, Origin, Permission
from consents.forms import ATTRIBUTE_PREFIX, ConsentAdminForm, ContactAdminForm, contact_admin_form
from consents.models import Consent, ConsentEvent, Contact, ExportJob, ProfileAttribute
from consents.paginators import EstimatedCountPaginator
from consents.presenters import event_change, event_reference
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

NAME_ATTRIBUTES = ("first_name", "last_name")


def _display_value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    return str(value)


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
class ContactAdmin(IdentifierSearchMixin, LargeExportMixin, admin.ModelAdmin):
    form = ContactAdminForm
    resource_classes = [ContactResource]
    export_job_resource = "contacts"
    list_display = ["__str__", "email", "phone", "external_id", "email_permission",
                    "sms_permission", "call_permission", "sms_sendable", "email_sendable",
                    "call_sendable", "updated_at"]
    list_filter = [SendableFilter, "email_permission", "sms_permission", "call_permission",
                   IysStatusFilter, IysSourceFilter, IysStateFilter]
    search_fields = ["email", "phone", "external_id"]  # searched by IdentifierSearchMixin
    identifier_lookups = {"email": ("email",), "phone": ("phone",),
                          "email_domain": ("email__reverse__startswith",),
                          "external_id_prefix": ("external_id__startswith",)}
    search_help_text = _("Search by e-mail, e-mail domain (@example.com.tr), phone in any "
                         "form (0532 123 45 67, +90 532…) or the start of an external ID.")
    readonly_fields = ["channels", "created_at", "updated_at", "history", "attribute_values"]
    sms_sendable = _sendable_column("sms", _("SMS sendable"))
    email_sendable = _sendable_column("email", _("e-mail sendable"))
    call_sendable = _sendable_column("call", _("call sendable"))
    installed = False


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

    def changelist_view(self, request, extra_context=None):
        self.installed = connector_installed()  # once per page, not once per row
        # "Contacts", not Django's "Select contact to change".
        return super().changelist_view(request, {"title": _("Contacts"), **(extra_context or {})})

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if ProfileAttribute.objects.filter(name__in=NAME_ATTRIBUTES).exists():
            columns.insert(1, "name")
        return columns

    @admin.display(description=_("name"))
    def name(self, obj):
        return " ".join(str(obj.attributes[key]) for key in NAME_ATTRIBUTES
                        if obj.attributes.get(key)) or "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = contact_admin_form()  # the attributes configured now
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        attributes = [ATTRIBUTE_PREFIX + name for name in
                      ProfileAttribute.objects.order_by("name").values_list("name", flat=True)]
        permissions = ["channels", "email_permission", "sms_permission", "call_permission",
                       "consent_source"]
        if obj is not None and not self.has_change_permission(request, obj):
            # Read only: the stored values, not the edit form's fields.
            attributes = ["attribute_values"] if attributes else []
            permissions.remove("consent_source")
        fieldsets = [
            (None, {"fields": ["email", "phone", "external_id"]}),
            (_("Permissions"), {"fields": permissions}),
        ]
        if attributes:
            fieldsets.append((_("Profile attributes"), {"fields": attributes}))
        fieldsets.append((_("Record"), {"fields": ["created_at", "updated_at", "history"]}))
        return fieldsets

    @admin.display(description=_("Profile attributes"))
    def attribute_values(self, obj):
        labels = dict(ProfileAttribute.objects.order_by("name").values_list("name", "label"))
        rows = ((label or name, _display_value(obj.attributes.get(name)))
                for name, label in labels.items())
        return format_html('<table class="attribute-values"><tbody>{}</tbody></table>',
                           format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows))

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
            external_id=data.get("external_id"), attributes=data.get("attributes", {}),
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
    # The contact is picked by typing an e-mail, a phone in any form or an external ID
    # (ContactAdmin's index-backed search), not by a raw ID.
    autocomplete_fields = ["contact"]
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

    def response_add(self, request, obj, post_url_continue=None):
        consent = Consent.objects.get(pk=obj.pk)
        self.message_user(request, _("Consent recorded for %(recipient)s: %(type)s, %(status)s.")
                          % {"recipient": consent.recipient, "type": consent.get_type_display(),
                             "status": consent.get_status_display()}, messages.SUCCESS)
        return redirect(reverse("admin:consents_consent_change", args=[consent.pk]))


@admin.register(ConsentEvent)
class ConsentEventAdmin(IdentifierSearchMixin, LargeExportMixin, ReadOnlyAdmin):
    resource_classes = [ConsentEventResource]
    export_job_resource = "events"
    list_display = ["created_at", "contact", "kind", "change", "origin", "reference",
                    "row_number", "actor_label"]
    list_filter = ["kind", "origin", "field"]
    search_fields = ["contact__email", "contact__phone", "contact__external_id",
                     "origin_reference"]
    identifier_lookups = {"email": ("contact__email",), "phone": ("contact__phone",),
                          "external_id": ("contact__external_id",)}
    term_lookups = ("origin_reference__icontains",)
    list_select_related = ["contact"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    # The detail page reads like the list: the change spelt out, no İYS pull cursor.
    fields = ["created_at", "contact", "consent", "kind", "change", "origin", "reference",
              "row_number", "actor_label"]
    readonly_fields = fields

    def lookup_allowed(self, lookup, value, request=None):
        return lookup == "contact__id__exact" or super().lookup_allowed(lookup, value, request)

    @admin.display(description=_("change"))
    def change(self, obj):
        return event_change(obj)

    @admin.display(description=_("origin reference"))
    def reference(self, obj):
        return event_reference(obj)


admin.site.register(ExportJob, ExportJobAdmin)
