"""A webhook's signing secret is a secret: encrypted at rest, usable to sign."""

import pytest
from django.db import connection

from webhooks.models import WebhookEndpoint
from webhooks.services import endpoint_secret

pytestmark = pytest.mark.django_db


def test_the_signing_secret_is_stored_encrypted_and_still_signs(make_endpoint):
    endpoint, secret = make_endpoint("http://127.0.0.1:9/hook")  # loopback only
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhookendpoint WHERE id = %s",
                       [endpoint.pk])
        (stored,) = cursor.fetchone()
    assert secret not in stored and stored.startswith("fernet:")
    assert endpoint_secret(WebhookEndpoint.objects.get(pk=endpoint.pk)) == secret
