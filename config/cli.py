"""What every management command shares: its language, and a clear error for a database that
is down."""

import os
import sys

from django.conf import settings
from django.utils import translation
from django.utils.translation import get_supported_language_variant
from django.utils.translation import gettext as _


def command_language() -> str:
    """The language a command speaks: the first supported one of LANGUAGE ("en_US:tr", as
    gettext reads it), else settings.LANGUAGE_CODE. LANG is left alone: a server's LANG says
    little about who reads the output."""
    for item in os.environ.get("LANGUAGE", "").split(":"):
        code = item.split(".")[0].replace("_", "-").lower()
        if not code:
            continue
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def execute_command_line(argv: list[str]) -> None:
    """Django's execute_from_command_line for manage.py: a database that cannot be reached
    (down, refusing, gone mid-command) ends any command with one clear line and exit status
    1, not a traceback."""
    from django.core.management import execute_from_command_line
    from django.db import InterfaceError, OperationalError

    try:
        execute_from_command_line(argv)
    except (OperationalError, InterfaceError) as error:
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
        with translation.override(command_language()):
            sys.stderr.write(_("Error: the database cannot be reached (%(detail)s). Check "
                               "DATABASE_URL and that PostgreSQL is running, then try again.")
                             % {"detail": detail} + "\n")
        raise SystemExit(1) from None
