"""An admin's opt-out on the contact page is a consent: it reaches İYS (the sandbox) as RET,
and the page shows each channel's state with what İYS holds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import ADMIN
from accounts.services import user_with_role
from connectors.services.push import iys_push
from consents.models import Contact
from consents.services import ChangeOrigin, consent_apply
from tests.conftest import panel_login, screenshot
from tests.connectors.conftest import configure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admins_opt_out_reaches_iys_as_ret(page, sandbox):
    configure(sandbox, integrator=True)
    contact = Contact.objects.create(phone="+905321000321")
    consent_apply(contact=contact, type="MESAJ", status="ONAY", source="HS_WEB",
                  consent_date=timezone.now().replace(microsecond=0) - timedelta(hours=2),
                  origin=ChangeOrigin(kind="api"))
    iys_push(poll_wait=10)
    _user, password = user_with_role(username="admin", role=ADMIN)
    panel_login(page, "admin", password)

    page.goto(f"/admin/consents/contact/{contact.pk}/change/")
    states = page.locator("table.channel-states")
    assert states.locator("tr", has_text="SMS").get_by_text("ONAY").is_visible()
    page.select_option("#id_sms_permission", "opt_out")
    page.click("input[name=_save]")
    page.locator(".errornote").wait_for()  # a source is needed: nothing changed yet
    assert "Choose where the person gave or withdrew consent" in page.content()
    assert Contact.objects.get(pk=contact.pk).sms_permission == "opt_in"
    page.select_option("#id_consent_source", "HS_CAGRI_MERKEZI")
    page.click("input[name=_save]")
    page.locator(".messagelist .success").wait_for()

    iys_push(poll_wait=10)
    rows = [r for r in sandbox.state.consent_rows() if r["recipient"] == contact.phone]
    assert [r["status"] for r in rows] == ["ONAY", "RET"]
    assert rows[-1]["source"] == "HS_CAGRI_MERKEZI"
    page.goto(f"/admin/consents/contact/{contact.pk}/change/")
    sms = page.locator("table.channel-states tr", has_text="SMS")
    assert sms.get_by_text("RET").is_visible()
    screenshot(page, "contact-page-sms-opt-out-reached-iys")
