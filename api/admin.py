from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from api.models import ApiKey
from api.services import api_key_create, api_key_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", *readonly_fields]
    actions = ["revoke"]

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: events name the key that made them

    def get_readonly_fields(self, request, obj=None):
        return ["name", *self.readonly_fields] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        api_key, raw_key = api_key_create(name=obj.name, created_by=request.user)
        obj.pk = api_key.pk
        messages.warning(request, _("The new API key is %(key)s — copy it now, it is not shown "
                                    "again.") % {"key": raw_key})

    @admin.action(description=_("Revoke the selected API keys"), permissions=["change"])
    def revoke(self, request, queryset):
        for api_key in queryset:
            api_key_revoke(api_key=api_key)
        self.message_user(request, ngettext("%(n)d key revoked.", "%(n)d keys revoked.",
                                            len(queryset)) % {"n": len(queryset)})
