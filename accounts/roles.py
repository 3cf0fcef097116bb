"""The panel's roles as groups of model permissions, enforced by Django on the server.

- Admin: everything, including connector settings, profile attributes, API keys and the
  sign-in lockouts (django-axes' access attempts: deleting one unlocks it).
- Marketer: uploads contact files and sees contacts.
- Staff: read-only: contacts, consent history and upload results.

``roles_sync`` is called by data migrations (with historical models), so a later app that adds
models adds a migration calling it again.
"""

ADMIN, MARKETER, STAFF = "Admin", "Marketer", "Staff"

ADMIN_APPS = ("consents", "connectors", "uploads", "api", "auth", "django_celery_beat", "axes")

ROLE_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    MARKETER: {
        "consents.contact": ("view",),
        "consents.consent": ("view",),
        "consents.profileattribute": ("view",),
        "uploads.upload": ("view", "add", "change"),
    },
    STAFF: {
        "consents.contact": ("view",),
        "consents.consent": ("view",),
        "consents.consentevent": ("view",),
        "consents.profileattribute": ("view",),
        "uploads.upload": ("view",),
        "uploads.uploadrowerror": ("view",),
    },
}


def roles_sync(apps, schema_editor=None) -> None:
    from django.contrib.auth.management import create_permissions

    # Permissions are normally made after migrate; make them now so groups can hold them.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True  # historical apps have none
        create_permissions(app_config, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    admin_group, _created = Group.objects.get_or_create(name=ADMIN)
    admin_group.permissions.set(
        Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))

    for role, spec in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        wanted = []
        for model_label, actions in spec.items():
            app_label, model = model_label.split(".")
            wanted += Permission.objects.filter(
                content_type__app_label=app_label, content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions])
        group.permissions.set(wanted)
