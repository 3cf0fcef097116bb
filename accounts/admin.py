"""Groups and users: permissions named in the viewer's language.

Django stores a permission's name once, in English ("Can add contact upload"); the lists
show the model's translated name and a translated action instead.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

ACTIONS = {"add": _("may add"), "change": _("may change"), "delete": _("may delete"),
           "view": _("may view")}


def permission_label(permission: Permission) -> str:
    """'Contact upload: may add', in the active language (custom permissions keep their name)."""
    action, _separator, _model = permission.codename.partition("_")
    model = permission.content_type.model_class()
    if action not in ACTIONS or model is None:
        return permission.name
    return f"{capfirst(model._meta.verbose_name)}: {ACTIONS[action]}"


class PermissionLabels:
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


class PanelGroupAdmin(PermissionLabels, GroupAdmin):
    pass


class PanelUserAdmin(PermissionLabels, UserAdmin):
    pass


admin.site.unregister(Group)
admin.site.register(Group, PanelGroupAdmin)
admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), PanelUserAdmin)
