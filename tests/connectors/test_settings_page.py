"""Settings › Connectors › İYS: admins only, secrets write-only, the state shown."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import ADMIN, MARKETER
from accounts.services import user_with_role
from connectors.models import IysConnector
from tests.conftest import axe_check, panel_login, screenshot
from tests.connectors.conftest import configure
from tests.connectors.factories import waiting_consents


def change_url() -> str:
    return reverse("admin:connectors_iysconnector_change", args=[IysConnector.load().pk])


def form_data(**changes) -> dict:
    data = {"is_active": "on", "brand_code": "100001", "iys_code": "100000",
            "permission_message": "on", "permission_call": "on", "permission_email": "on",
            "route": "iys", "base_url": "http://127.0.0.1:9", "username": "demo",
            "password": "", "iletimerkezi_url": "", "iletimerkezi_key": "",
            "iletimerkezi_hash": "", "night_window_start": "02:00", "_continue": "1"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.django_db
def test_the_page_shows_the_state_and_never_a_secret(sandbox, admin_role_client):
    configure(sandbox, integrator=True)
    waiting_consents(4)
    page = admin_role_client.get(change_url()).content.decode()
    assert "İYS Integrator mode" in page
    assert "waiting: <a" in page and ">4</a>" in page
    assert "demo-password" not in page
    assert "A value is stored" in page


@pytest.mark.django_db
def test_integrator_mode_needs_the_mutabakat_confirmation(admin_role_client):
    response = admin_role_client.post(change_url(), form_data(integrator_mode="on"))
    assert response.status_code == 200
    assert "Mutabakat Yönetimi is enabled" in response.content.decode()
    assert not IysConnector.load().integrator_mode


@pytest.mark.django_db
def test_saving_keeps_the_stored_password_and_the_test_button_checks_it(sandbox,
                                                                       admin_role_client):
    configure(sandbox, integrator=False)
    response = admin_role_client.post(change_url(), form_data(base_url=sandbox.url,
                                                              _test_connection="1"),
                                      follow=True)
    assert IysConnector.load().password == "demo-password"
    assert "Connected to İYS" in response.content.decode()
    response = admin_role_client.post(change_url(), form_data(
        base_url=sandbox.url, password="wrong", _test_connection="1"), follow=True)
    assert "İYS refused the connection" in response.content.decode()
    assert "wrong" not in response.content.decode().replace("wrong-", "")


@pytest.mark.django_db
def test_save_and_test_saves_only_a_working_connection_unless_told_to(sandbox,
                                                                     admin_role_client):
    configure(sandbox, integrator=False)
    response = admin_role_client.post(change_url(), form_data(
        base_url=sandbox.url, username="someone-else", password="wrong",
        _test_connection="1"))
    page = response.content.decode()
    assert response.status_code == 200  # the form again, with the reason
    assert "İYS refused the connection" in page and "Nothing was saved" in page
    assert 'name="_save_anyway"' in page
    assert (IysConnector.load().username, IysConnector.load().password) == (
        "demo", "demo-password")

    response = admin_role_client.post(change_url(), form_data(
        base_url=sandbox.url, username="someone-else", password="wrong",
        _save_anyway="1", _continue=None))
    assert response.status_code == 302
    assert IysConnector.load().username == "someone-else"


@pytest.mark.django_db
def test_integrator_mode_does_not_say_the_initial_sync_is_scheduled(sandbox,
                                                                    admin_role_client):
    configure(sandbox, integrator=False)
    assert IysConnector.load().initial_sync_state == "scheduled"
    configure(sandbox, integrator=True)
    admin_role_client.post(change_url(), form_data(base_url=sandbox.url,
                                                   integrator_mode="on",
                                                   mutabakat_confirmed="on"))
    page = admin_role_client.get(change_url()).content.decode()
    assert "Scheduled for the night window" not in page
    assert "Not needed in Integrator mode" in page


@pytest.mark.django_db
def test_a_marketer_gets_403(marketer_client):
    assert marketer_client.get(change_url()).status_code == 403
    assert marketer_client.get(
        reverse("admin:connectors_reconciliationdifference_changelist")).status_code == 403
    assert marketer_client.get(
        reverse("admin:connectors_iysrejection_changelist")).status_code == 403


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_turns_integrator_mode_on_and_a_marketer_cannot_open_the_page(page):
    _user, password = user_with_role(username="admin", role=ADMIN)
    panel_login(page, "admin", password)
    page.goto("/admin/connectors/iysconnector/")
    page.check("#id_is_active")
    page.fill("#id_brand_code", "100001")
    page.fill("#id_iys_code", "100000")
    page.check("#id_integrator_mode")
    page.click("input[name=_continue]")
    expect(page.get_by_text("before turning on Integrator mode")).to_be_visible()
    page.check("#id_mutabakat_confirmed")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    expect(page.get_by_text("İYS Integrator mode: we create and update")).to_be_visible()
    axe_check(page)
    screenshot(page, "iys-connector-integrator-on")
    connector = IysConnector.load()
    assert connector.integrator_mode and connector.is_ready

    page.context.clear_cookies()
    _user, password = user_with_role(username="marketer", role=MARKETER)
    panel_login(page, "marketer", password)
    response = page.goto("/admin/connectors/iysconnector/")
    assert response.status == 403
    axe_check(page)
