"""Production: secrets have no default, so a missing one stops start-up; HTTPS only (HSTS, the
SSL redirect and secure cookies on unless the environment turns them off, as the plain-HTTP
demo override of docker-compose does); `manage.py check --deploy` warns of nothing."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env

if env.bool("DJANGO_DEBUG", default=False):
    raise ImproperlyConfigured("DJANGO_DEBUG is never on in production: it shows settings and "
                               "data on every error page.")
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
if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is the development key or too weak: use 50 or "
                               "more random characters (python -c 'import secrets; "
                               "print(secrets.token_urlsafe(50))').")
# Connector secrets are encrypted with these keys (connectors/secrets.py); production never
# derives one from SECRET_KEY. A key: python -c 'from cryptography.fernet import Fernet;
# print(Fernet.generate_key().decode())'.
SECRETS_ENCRYPTION_KEYS = env.list("SECRETS_ENCRYPTION_KEYS", default=[])
if not SECRETS_ENCRYPTION_KEYS:
    raise ImproperlyConfigured("Set SECRETS_ENCRYPTION_KEYS: Fernet keys, newest first, that "
                               "encrypt the connector's stored secrets.")
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
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
