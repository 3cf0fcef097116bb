"""Panel users and their roles."""

import secrets

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group

from accounts.roles import roles_sync


def user_with_role(*, username: str, role: str,
                   password: str | None = None) -> tuple[AbstractUser, str]:
    """Create or reset a panel login in one role; returns the user and its password."""
    password = password or secrets.token_urlsafe(12)
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.is_staff = True  # may log in to the panel; what it may do comes from its role
    user.is_superuser = False
    user.set_password(password)
    user.save()
    if not Group.objects.filter(name=role).exists():  # e.g. after a test flushed the tables
        roles_sync(django_apps)
    user.groups.set([Group.objects.get(name=role)])
    return user, password
