"""Developers › Webhooks: admins add a URL and events and see the secret once."""

import pytest
from django.urls import reverse

from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db


def test_admin_adds_a_webhook_and_sees_the_secret_once(admin_role_client):
    response = admin_role_client.post(reverse("admin:webhooks_webhookendpoint_add"), {
        "name": "CRM", "url": "http://127.0.0.1:8123/in",
        "events": ["consent.changed", "upload.finished"]}, follow=True)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["consent.changed", "upload.finished"]
    page = response.content.decode()
    assert endpoint.secret in page
    again = admin_role_client.get(reverse("admin:webhooks_webhookendpoint_change",
                                          args=[endpoint.pk])).content.decode()
    assert endpoint.secret not in again
    assert endpoint.secret_prefix in again


def test_an_internal_address_is_refused_with_a_message(admin_role_client, settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    response = admin_role_client.post(reverse("admin:webhooks_webhookendpoint_add"), {
        "name": "CRM", "url": "http://127.0.0.1:8123/in", "events": ["consent.changed"]})
    assert response.status_code == 200
    assert "loopback" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_marketers_and_staff_cannot_see_webhooks(marketer_client):
    response = marketer_client.get(reverse("admin:webhooks_webhookendpoint_changelist"))
    assert response.status_code == 403
