"""İYS's subscription answers (H525 consent quota used up, H521/H524/H586) stop the push: no
consent is rejected for them, they wait, and the settings page says why and what to fix."""

import pytest
from playwright.sync_api import expect

from accounts.roles import ADMIN
from accounts.services import user_with_role
from connectors.models import IysConnector
from connectors.services.push import iys_push, iys_push_consent
from consents.choices import IysState
from consents.models import Consent
from tests.conftest import panel_login, screenshot
from tests.connectors.conftest import configure
from tests.connectors.factories import waiting_consents


def states() -> dict[str, int]:
    found: dict[str, int] = {}
    for state in Consent.objects.values_list("iys_state", flat=True):
        found[state] = found.get(state, 0) + 1
    return found


@pytest.mark.django_db
def test_h525_inside_a_bulk_request_stops_the_push_and_the_rest_waits(start_sandbox):
    server = start_sandbox(consent_quota=3)
    configure(server, integrator=True)
    waiting_consents(5)
    report = iys_push(poll_wait=5)
    assert report.accepted == 3 and report.rejected == 0
    assert states() == {IysState.ACCEPTED: 3, IysState.PENDING: 2}
    assert "H525" in IysConnector.load().blocked_reason
    again = iys_push(poll_wait=5)  # stopped: İYS is not asked again
    assert again.sent == 0 and "pushing is stopped" in again.notes[0]
    posts = [r for r in server.state.requests("/consents/request") if r["method"] == "POST"]
    assert len(posts) == 1


@pytest.mark.django_db
def test_h525_on_the_bulk_request_itself_stops_the_push(start_sandbox):
    server = start_sandbox(consent_quota=1)
    server.state.store({"recipient": "+905329990000", "recipientType": "BIREYSEL",
                        "type": "MESAJ", "status": "ONAY"})  # the quota is used up already
    configure(server, integrator=True)
    waiting_consents(2)
    iys_push(poll_wait=5)
    assert states() == {IysState.PENDING: 2}
    assert "H525" in IysConnector.load().blocked_reason


@pytest.mark.django_db
def test_h525_on_a_single_add_stops_the_push(start_sandbox):
    server = start_sandbox(consent_quota=1)
    configure(server, integrator=True)
    first, second = waiting_consents(2)
    assert iys_push_consent(consent_id=first.pk) == IysState.ACCEPTED
    assert iys_push_consent(consent_id=second.pk) == IysState.PENDING
    assert "H525" in IysConnector.load().blocked_reason
    assert iys_push_consent(consent_id=second.pk) == "skipped"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_settings_page_says_the_quota_is_used_up_and_how_to_resume(start_sandbox, page):
    server = start_sandbox(consent_quota=2)
    configure(server, integrator=True)
    waiting_consents(4)
    iys_push(poll_wait=5)
    _user, password = user_with_role(username="admin", role=ADMIN)
    panel_login(page, "admin", password)
    page.goto("/admin/connectors/iysconnector/")
    expect(page.get_by_text("consent quota for this subscription is used up (H525)")
           ).to_be_visible()
    expect(page.get_by_text("Raise it in the İYS subscription")).to_be_visible()
    screenshot(page, "iys-connector-h525-stopped")
