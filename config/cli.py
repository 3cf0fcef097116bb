"""What every management command shares: its language, and a clear error for a database that
is down."""

import os

from django.conf import settings
from django.utils.translation import get_supported_language_variant


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
