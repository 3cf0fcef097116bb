"""Secrets at rest (issue 19): the İYS password and the iletiMerkezi key and hash are stored
encrypted with Fernet (cryptography's authenticated AES), under keys from the environment.

``SECRETS_ENCRYPTION_KEYS`` lists Fernet keys, newest first: the first encrypts, any of them
decrypts (MultiFernet), so a key is rotated by putting the new one first and running
``manage.py secrets_rotate``. Without the setting (``make run``, tests) one key is derived from
SECRET_KEY; production requires it (config/settings/production.py).

A stored value reads ``fernet:<token>``: the column itself says it is encrypted, and the
migration that introduced encryption recognises values stored before it.
"""

import base64
import functools
import hashlib
import logging
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)
PREFIX = "fernet:"


def secret_keys() -> tuple[str, ...]:
    keys = tuple(getattr(settings, "SECRETS_ENCRYPTION_KEYS", None) or ())
    if keys:
        return keys
    derived = hashlib.sha256(f"iys-hub-secrets:{settings.SECRET_KEY}".encode()).digest()
    return (base64.urlsafe_b64encode(derived).decode(),)


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def secret_encrypt(value: str) -> str:
    """The stored form of a secret; the empty string stays empty (nothing is stored)."""
    if not value:
        return ""
    return PREFIX + _fernet(secret_keys()).encrypt(value.encode()).decode()


def secret_decrypt(stored: str) -> str:
    """The secret a stored value holds; "" (and an error in the log, never the value) when no
    configured key opens it, so that the panel asks for it again instead of failing."""
    if not stored or not stored.startswith(PREFIX):
        return stored or ""
    try:
        return _fernet(secret_keys()).decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        logger.error("A stored connector secret cannot be decrypted with "
                     "SECRETS_ENCRYPTION_KEYS; type it again in the connector settings.")
        return ""


class EncryptedSecretField(models.TextField):
    """A write-only secret: plain text in Python, Fernet-encrypted in the database."""

    def from_db_value(self, value, expression, connection):
        return secret_decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return secret_encrypt(value) if value else value


def endpoint_validate(url: str) -> None:
    """Secrets travel only over HTTPS; plain HTTP only to the hosts CONNECTOR_HTTP_HOSTS lists
    (loopback by default: the sandbox and the tests)."""
    if not url:
        return
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    if parts.scheme == "http" and parts.hostname in settings.CONNECTOR_HTTP_HOSTS:
        return
    raise ValidationError(
        _("Use an https:// address: passwords and keys are never sent over plain HTTP "
          "(allowed only to %(hosts)s).") % {"hosts": ", ".join(settings.CONNECTOR_HTTP_HOSTS)},
        code="insecure_endpoint")
