"""Settings shared by every environment. One django-environ ``Env`` reads the environment."""

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # local state of `make run`: SQLite file, broker queue, uploads
VAR_DIR.mkdir(exist_ok=True)

env = environ.Env()
env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-not-secret-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "config.apps.PanelAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "import_export",
    "django_celery_beat",
    "axes",
    "accounts",
    "consents",
    "connectors",
    "uploads",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost under /api/: body size and rate limits first, and every answer JSON.
    "api.middleware.ApiJsonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into accounts' lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# With no DATABASE_URL the panel runs on an embedded SQLite file; production sets PostgreSQL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The worker, beat and the web process share the file: wait for locks instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "tr"
LANGUAGES = [("tr", _("Turkish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Istanbul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded contact files live outside any public URL space; only the wizard reads them.
PRIVATE_UPLOAD_ROOT = Path(env("PRIVATE_UPLOAD_ROOT", default=str(VAR_DIR / "uploads")))
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=1024 * 1024 * 1024)
# Rows per transaction of the upload pipeline. Memory grows with it; larger chunks mean fewer
# round trips per row, smaller ones a working set the CPU caches keep: 2,500 was fastest,
# fresh and re-upload, against 1,000-7,500 (docs/performance.md, session 6).
UPLOAD_CHUNK_ROWS = env.int("UPLOAD_CHUNK_ROWS", default=2500)
# A running upload beats every few seconds; one silent for UPLOAD_STALE_SECONDS (its worker
# died) is queued again by beat and resumes at its checkpoint. A queued upload whose task
# never started is sent again after UPLOAD_REDISPATCH_SECONDS (the message was lost).
UPLOAD_HEARTBEAT_SECONDS = env.int("UPLOAD_HEARTBEAT_SECONDS", default=5)
UPLOAD_STALE_SECONDS = env.int("UPLOAD_STALE_SECONDS", default=60)
UPLOAD_REDISPATCH_SECONDS = env.int("UPLOAD_REDISPATCH_SECONDS", default=600)
# Drafts left at the matching step this many days are cancelled (file deleted, record kept).
UPLOAD_DRAFT_DAYS = env.int("UPLOAD_DRAFT_DAYS", default=7)

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# API rate limits (api/limits.py), counted in Redis so every web worker shares them: "N/unit"
# or "N per M minutes". Past the failed-authentication limit an IP is refused outright.
API_RATE_LIMIT_STORAGE = env("API_RATE_LIMIT_STORAGE", default=REDIS_URL or "memory://")
API_RATE_LIMIT_PER_KEY = env("API_RATE_LIMIT_PER_KEY", default="600/minute")
API_RATE_LIMIT_PER_IP = env("API_RATE_LIMIT_PER_IP", default="1200/minute")
API_RATE_LIMIT_AUTH_FAILURES = env("API_RATE_LIMIT_AUTH_FAILURES", default="20 per 10 minutes")

# Celery: Redis when REDIS_URL is set, otherwise kombu's filesystem transport, so that
# `make run` has a real, separate worker with nothing to install (never eager mode).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem"):
    BROKER_QUEUE_DIR = VAR_DIR / "broker" / "queue"
    BROKER_QUEUE_DIR.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(BROKER_QUEUE_DIR),
                                       "data_folder_out": str(BROKER_QUEUE_DIR),
                                       "store_processed": False}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 6 * 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 5 * 60 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

LOGIN_URL = "admin:login"

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords from one IP, or
# for one username, signing in is refused for AXES_COOLOFF_MINUTES, even with the right
# password. Lockouts are listed under Axes › Access attempts (Admin role only); deleting
# one unlocks it. Axes' backend comes first so that a locked-out sign-in is never checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
# No banner on every start of manage.py, celery and gunicorn (it went to stderr).
AXES_VERBOSE = False
AXES_LOCKOUT_CALLABLE = "accounts.views.lockout_response"
# The client's address is REMOTE_ADDR only: X-Forwarded-For is written by the client, and
# would let a guesser pick a new address for every try (as in api/limits.py).
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Messages live in the session: a new API key shown once never travels in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# django-import-export: CSV and XLSX exports, allowed to anyone who may view the list,
# with spreadsheet formulas escaped.
from import_export.formats.base_formats import CSV, XLSX  # noqa: E402

EXPORT_FORMATS = [CSV, XLSX]
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
