"""The demo logins `make run` prints work in a real browser, and each role sees its panel."""

import pytest

from accounts.roles import ADMIN, MARKETER
from accounts.services import user_with_role
from tests.conftest import axe_check, panel_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_logs_in_and_sees_the_panel_sections(page):
    _user, password = user_with_role(username="admin", role=ADMIN)
    panel_login(page, "admin", password)
    content = page.locator("#content-main")
    for section in ("Targeting", "Settings › Connectors", "Developers", "Consent history"):
        assert content.locator("caption").get_by_text(section, exact=True).is_visible()
    assert content.get_by_role("link", name="İYS connector").is_visible()
    axe_check(page)
    screenshot(page, "panel-admin-index")


def test_a_marketer_does_not_see_the_connector_settings(page):
    _user, password = user_with_role(username="marketer", role=MARKETER)
    panel_login(page, "marketer", password)
    assert page.locator("#content-main").get_by_role("link", name="Contacts").is_visible()
    assert page.locator("#content-main").get_by_role("link", name="İYS connector").count() == 0
    axe_check(page)
    response = page.goto("/admin/connectors/iysconnector/")
    assert response.status == 403
    axe_check(page)
