"""The dashboard in a real browser: charts drawn, in Turkish and English, at 390 px."""

import pytest

from accounts.roles import MARKETER
from accounts.services import user_with_role
from consents.choices import ConsentType, IysState, Origin
from consents.origins import ChangeOrigin
from consents.services import consent_apply
from insights import dashboard
from tests.conftest import panel_login, screenshot
from tests.consents.factories import ConsentFactory, ConsentInputFactory, ContactFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# True when the canvas has at least one drawn (non-transparent) pixel.
DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  const ctx = canvas.getContext("2d");
  const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] !== 0) return true; }
  return false;
}"""
CHARTS = ("chart-consents", "chart-delivery", "chart-uploads", "chart-rejections")


@pytest.fixture
def data(monkeypatch):
    from datetime import timedelta
    monkeypatch.setattr(dashboard, "SETTLE", timedelta(0))
    origin = ChangeOrigin(kind=Origin.API, reference="api")
    for _ in range(3):
        consent_apply(contact=ContactFactory(), **ConsentInputFactory(type=ConsentType.MESAJ),
                      origin=origin)
    ConsentFactory(iys_state=IysState.REJECTED, iys_error_code="H178",
                   iys_error_message="Not newer")
    dashboard.dashboard_refresh()


def _open(page, language: str):
    _user, password = user_with_role(username="marketer", role=MARKETER)
    panel_login(page, "marketer", password)
    if language == "tr":
        page.select_option("#language-select", "tr")
        with page.expect_navigation():  # the choice is sent with the button, not on change
            page.locator(".language-switch button").click()
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-consents')")


@pytest.mark.parametrize("language, heading", [("en", "Dashboard"), ("tr", "Pano")])
def test_the_charts_are_drawn_in_both_languages(page, data, language, heading):
    _open(page, language)
    assert page.locator("h1").inner_text() == heading
    for chart in CHARTS:
        assert page.evaluate(DRAWN, chart), chart
    assert page.locator("#channel-sms [data-metric=opt_in]").inner_text() == "3"
    page.click("button.period[data-days='90']")
    assert page.evaluate("() => Chart.getChart('chart-consents').data.labels.length") == 90
    screenshot(page, f"dashboard-{language}")


def test_usable_at_390_px(page, data):
    page.set_viewport_size({"width": 390, "height": 844})
    _open(page, "en")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400  # nothing wider than the phone
    assert page.evaluate(DRAWN, "chart-consents")
    screenshot(page, "dashboard-390px")
