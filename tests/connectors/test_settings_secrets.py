"""Settings › Connectors › İYS keeps secrets write-only and checks what installing needs."""

import pytest

from connectors.models import IysConnector

pytestmark = pytest.mark.django_db
URL = "/admin/connectors/iysconnector/1/change/"


@pytest.fixture(autouse=True)
def connector(db):
    return IysConnector.load()


def form_data(**overrides):
    data = {"is_active": "on", "brand_code": "100001", "iys_code": "100000",
            "permission_message": "on", "permission_call": "on", "permission_email": "on",
            "route": "iys", "base_url": "http://127.0.0.1:8001", "username": "brand-api",
            "password": "", "iletimerkezi_url": "", "iletimerkezi_key": "",
            "iletimerkezi_hash": "", "night_window_start": "02:00"}
    return {**data, **overrides}


def test_the_list_opens_the_single_settings_page(admin_role_client):
    response = admin_role_client.get("/admin/connectors/iysconnector/")
    assert response.status_code == 302 and response.url.endswith(URL)


def test_a_stored_password_is_never_shown_back(admin_role_client):
    admin_role_client.post(URL, form_data(password="s3cret-İYS", iletimerkezi_hash="h4sh"))
    connector = IysConnector.load()
    assert (connector.password, connector.iletimerkezi_hash) == ("s3cret-İYS", "h4sh")
    page = admin_role_client.get(URL).content.decode()
    assert "s3cret-İYS" not in page and "h4sh" not in page
    assert "A value is stored" in page


def test_an_empty_secret_keeps_the_stored_one(admin_role_client):
    admin_role_client.post(URL, form_data(password="first"))
    admin_role_client.post(URL, form_data(password="", username="renamed"))
    connector = IysConnector.load()
    assert (connector.password, connector.username) == ("first", "renamed")


def test_installing_needs_both_codes(admin_role_client):
    response = admin_role_client.post(URL, form_data(iys_code=""))
    assert response.status_code == 200
    assert "brand code and the İYS code are both required" in response.content.decode()
    assert not IysConnector.load().is_active


def test_integrator_mode_needs_the_mutabakat_confirmation(admin_role_client):
    response = admin_role_client.post(URL, form_data(integrator_mode="on"))
    assert "Mutabakat Yönetimi" in response.content.decode()
    assert not IysConnector.load().integrator_mode
    admin_role_client.post(URL, form_data(integrator_mode="on", mutabakat_confirmed="on"))
    assert IysConnector.load().integrator_mode
