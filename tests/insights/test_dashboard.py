"""The front page: headline numbers, daily counts by source, İYS results, health."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from consents.choices import ConsentStatus, ConsentType, IysState, Origin
from consents.delivery import DeliveryUpdate, consent_delivery_bulk_update
from consents.models import ConsentEvent
from consents.origins import ChangeOrigin
from consents.services import consent_apply
from insights import dashboard
from insights.dashboard import daily_series, dashboard_refresh
from insights.models import DailyCount
from tests.consents.factories import ConsentFactory, ConsentInputFactory, ContactFactory
from tests.uploads.factories import IysConnectorFactory

pytestmark = pytest.mark.django_db

API = ChangeOrigin(kind=Origin.API, reference="api")
PANEL = ChangeOrigin(kind=Origin.ADMIN, reference="panel")


@pytest.fixture(autouse=True)
def settled_at_once(monkeypatch):
    monkeypatch.setattr(dashboard, "SETTLE", timedelta(0))


def test_headline_numbers_per_channel():
    a, b = ContactFactory(), ContactFactory(phone=None)
    consent_apply(contact=a, **ConsentInputFactory(type=ConsentType.MESAJ), origin=API)
    consent_apply(contact=b, **ConsentInputFactory(type=ConsentType.EPOSTA), origin=API)
    ConsentFactory(contact=ContactFactory(), type=ConsentType.MESAJ, iys_state=IysState.REJECTED,
                   iys_error_code="H178", iys_error_message="Not newer")
    ConsentFactory(contact=ContactFactory(), type=ConsentType.MESAJ, iys_state=IysState.LOCAL,
                   iys_error_code="LATE")
    numbers = dashboard_refresh().numbers
    assert numbers["sms"]["contacts"] == 3  # b has no phone
    assert numbers["sms"]["opt_in"] == 1
    assert numbers["sms"]["rejected"] == 1
    assert numbers["sms"]["local"]["LATE"] == 1
    assert numbers["email"]["opt_in"] == 1


def test_daily_counts_by_source_are_added_incrementally():
    contact = ContactFactory()
    consent_apply(contact=contact, **ConsentInputFactory(type=ConsentType.MESAJ), origin=API)
    dashboard_refresh()
    consent_apply(contact=contact, **ConsentInputFactory(
        type=ConsentType.MESAJ, status=ConsentStatus.RET,
        consent_date=timezone.now() - timedelta(minutes=5)), origin=PANEL)
    consent_apply(contact=contact, **ConsentInputFactory(type=ConsentType.EPOSTA), origin=API)
    dashboard_refresh()
    dashboard_refresh()  # nothing new: nothing counted twice
    today = timezone.localdate()
    counts = {(m, o): c for m, o, c in DailyCount.objects.filter(day=today)
              .values_list("metric", "origin", "count")}
    assert counts == {("opt_in", "api"): 2, ("opt_out", "admin"): 1}
    series = daily_series(30)
    assert series["labels"][-1] == today.isoformat()
    api_in = next(s for s in series["consent"] if (s["metric"], s["origin"]) == ("opt_in", "api"))
    assert api_in["data"][-1] == 2 and sum(api_in["data"]) == 2


def test_iys_results_per_day():
    accepted, rejected, late = ConsentFactory(), ConsentFactory(), ConsentFactory()
    consent_delivery_bulk_update(updates=[
        DeliveryUpdate(accepted.pk, IysState.ACCEPTED, transaction_id="t"),
        DeliveryUpdate(rejected.pk, IysState.REJECTED, error_code="H178"),
        DeliveryUpdate(late.pk, IysState.LOCAL, error_code="LATE")],
        origin=ChangeOrigin(kind=Origin.SYSTEM, reference="push"))
    assert ConsentEvent.objects.filter(kind="delivery").count() == 3
    dashboard_refresh()
    series = daily_series(30)
    assert {s["metric"]: s["data"][-1] for s in series["delivery"]} == {
        "accepted": 1, "rejected": 1, "late": 1}


@pytest.mark.parametrize("role_client", ["admin_role_client", "marketer_client",
                                         "staff_client"])
def test_every_role_gets_the_dashboard_as_front_page(request, role_client):
    client = request.getfixturevalue(role_client)
    IysConnectorFactory(blocked_reason="İYS refused the password (H351).")
    ConsentFactory(iys_state=IysState.REJECTED, iys_error_code="H178",
                   iys_error_message="Not newer than the stored consent")
    dashboard_refresh()
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="chart-consents"' in page
    assert "İYS refused the password (H351)." in page
    assert "Not newer than the stored consent" in page  # what İYS said
    # and the code's meaning from İYS's documentation
    assert "Sistemdeki iznin tarihinden önceki tarihli izinlerle güncelleme yapılamaz." in page
    assert "chart.umd.min.js" in page


def test_the_connector_line_says_when_all_is_well():
    IysConnectorFactory(last_push_at=timezone.now())
    health = dashboard.connector_health(dashboard.IysConnector.load())
    assert health.level == "ok"
    assert "never" in health.text  # no pull yet


def test_sendable_is_the_selectors_definition():
    IysConnectorFactory()  # installed: İYS must hold ONAY too
    held, not_held = ContactFactory(), ContactFactory()
    for contact in (held, not_held):
        consent_apply(contact=contact, **ConsentInputFactory(type=ConsentType.MESAJ), origin=API)
    type(held).objects.filter(pk=held.pk).update(sms_iys_status="ONAY")
    numbers = dashboard_refresh().numbers
    assert numbers["sms"]["opt_in"] == 2
    assert numbers["sms"]["sendable"] == 1
