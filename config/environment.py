"""Which settings a process runs with when DJANGO_SETTINGS_MODULE is not set (manage.py,
celery): DJANGO_ENV decides, so that a production host (DJANGO_ENV=production, as the image
sets) never falls back to the local settings' DEBUG and known secret key by accident.

| DJANGO_ENV | settings |
| --- | --- |
| unset or ``local`` | ``config.settings.local`` (`make run`) |
| ``production`` | ``config.settings.production`` (and the local settings refuse to load) |
"""

import os

SETTINGS_OF_ENV = {"local": "config.settings.local",
                   "production": "config.settings.production"}


def settings_module_default() -> None:
    """Set DJANGO_SETTINGS_MODULE from DJANGO_ENV unless it is set; an unknown DJANGO_ENV stops
    the process with a clear message."""
    environment = os.environ.get("DJANGO_ENV") or "local"
    if environment not in SETTINGS_OF_ENV:
        raise SystemExit(f"DJANGO_ENV is {environment!r}; use one of: "
                         f"{', '.join(SETTINGS_OF_ENV)}.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_OF_ENV[environment])
