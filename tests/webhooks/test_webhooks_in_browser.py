"""An admin adds a webhook in the browser, copies the secret, and sees a delivery in its log."""

import re

import pytest

from accounts.roles import ADMIN
from accounts.services import user_with_role
from consents.choices import ConsentType, Origin
from consents.origins import ChangeOrigin
from consents.services import consent_apply
from tests.conftest import panel_login, screenshot
from tests.consents.factories import ConsentInputFactory, ContactFactory
from tests.webhooks.receiver import Receiver
from webhooks.models import WebhookEndpoint
from webhooks.services import webhooks_deliver

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_admin_adds_a_webhook_and_sees_the_delivery_in_its_log(page):
    _user, password = user_with_role(username="admin", role=ADMIN)
    panel_login(page, "admin", password)
    with Receiver() as receiver:
        page.goto("/admin/webhooks/webhookendpoint/add/")
        page.fill("#id_name", "CRM")
        page.fill("#id_url", receiver.url)
        page.check("input[name=events][value='consent.changed']")
        page.click("input[name=_save]")
        message = page.locator(".messagelist .warning").inner_text()
        secret = re.search(r"whsec_\S+", message).group(0)
        screenshot(page, "webhook-added")
        receiver.secret = secret

        consent_apply(contact=ContactFactory(), **ConsentInputFactory(type=ConsentType.MESAJ),
                      origin=ChangeOrigin(kind=Origin.API, reference="api"))
        assert webhooks_deliver() == 1
    assert receiver.bad_signatures == 0 and len(receiver.received) == 1

    endpoint = WebhookEndpoint.objects.get()
    page.goto(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/")
    assert secret not in page.content()
    page.click("a.webhook-log-link")
    row = page.locator("#webhook-log tbody tr").first
    assert row.locator(".status-code").inner_text() == "200"
    assert "consent.changed" in row.inner_text()
    screenshot(page, "webhook-delivery-log")
    row.locator("button.resend").click()
    assert page.locator(".messagelist .success").is_visible()
