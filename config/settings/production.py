"""Production: secrets have no default, so a missing one stops start-up."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

DEBUG = False
# gunicorn serves the admin's static files itself (whitenoise), no separate web server needed.
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")  # noqa: F405
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECRET_KEY = env("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY: production has no default secret.")
# Two database roles (README, "Database roles"): the application connects as DATABASE_URL's
# restricted role, which can neither wipe nor alter the evidence tables; a process started with
# DJANGO_DB_ROLE=owner (migrate, then db_app_role to refresh the grants) connects as
# DATABASE_MIGRATE_URL's owner of the tables instead.
DB_ROLE = env("DJANGO_DB_ROLE", default="app")
if DB_ROLE not in ("app", "owner"):
    raise ImproperlyConfigured("DJANGO_DB_ROLE is app (the default) or owner.")
APP_DATABASE = env.db("DATABASE_URL")
DATABASES = {"default": env.db("DATABASE_MIGRATE_URL") if DB_ROLE == "owner" else APP_DATABASE}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
