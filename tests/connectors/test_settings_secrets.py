"""Settings › Connectors › İYS keeps secrets write-only and checks what installing needs."""

import importlib
import io
import logging

import pytest
from cryptography.fernet import Fernet
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from connectors.models import IysConnector
from connectors.services import connector_configure

encrypt_migration = importlib.import_module(
    "connectors.migrations.0005_evidence_encrypted_secrets")

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


# Issue 19, part 3: the write-only password stays write-only.

def configured(server, password: str = "demo-password") -> None:
    config = server.config
    connector_configure(base_url=server.url, username=config.username, password=password,
                        iys_code=config.iys_code, brand_code=config.brand_code, integrator=False)


def server_form(server, **overrides) -> dict:
    return form_data(base_url=server.url, username=server.config.username, **overrides)


def test_a_new_address_needs_the_password_typed_again(admin_role_client, start_sandbox):
    """The attack of the issue: point the address elsewhere, leave the password empty and press
    "Test connection". The stored password must not travel there."""
    trusted, elsewhere = start_sandbox(), start_sandbox()
    configured(trusted)

    response = admin_role_client.post(URL, server_form(elsewhere, _test_connection="1"))

    assert response.status_code == 200
    assert "The address changed: type this again" in response.content.decode()
    assert elsewhere.state.requests() == []  # nothing reached the new address
    assert IysConnector.load().base_url == trusted.url  # and nothing was saved

    typed = admin_role_client.post(URL, server_form(elsewhere, _test_connection="1",
                                                    password="demo-password"), follow=True)
    assert "Connected to İYS" in typed.content.decode()
    assert elsewhere.state.requests("/oauth2/token")
    assert IysConnector.load().base_url == elsewhere.url


def test_the_same_address_keeps_the_stored_password(admin_role_client, sandbox):
    configured(sandbox)
    response = admin_role_client.post(URL, server_form(sandbox, _test_connection="1"),
                                      follow=True)
    assert "Connected to İYS" in response.content.decode()
    assert IysConnector.load().password == "demo-password"


def test_a_new_iletimerkezi_address_needs_the_key_and_hash_again(admin_role_client):
    admin_role_client.post(URL, form_data(iletimerkezi_url="https://api.iletimerkezi.com",
                                          iletimerkezi_key="k3y", iletimerkezi_hash="h4sh"))
    response = admin_role_client.post(URL, form_data(iletimerkezi_url="https://elsewhere.test"))
    assert response.content.decode().count("The address changed: type this again") == 2
    assert IysConnector.load().iletimerkezi_url == "https://api.iletimerkezi.com"


@pytest.mark.parametrize(("address", "accepted"), [
    ("https://api.iys.org.tr", True), ("http://127.0.0.1:8001", True),
    ("http://localhost:8001", True), ("http://[::1]:8001", True),
    ("http://iys.example.com", False), ("http://10.0.0.5:8080", False),
    ("ftp://127.0.0.1/", False), ("http://127.0.0.1.example.com", False)])
def test_only_https_addresses_are_accepted_except_loopback(admin_role_client, address,
                                                           accepted):
    response = admin_role_client.post(URL, form_data(base_url=address, password="x"))
    assert response.status_code == (302 if accepted else 200)
    assert IysConnector.load().base_url == (address if accepted else "")


def test_other_plain_http_hosts_can_be_allowed_by_setting(admin_role_client, settings):
    settings.CONNECTOR_HTTP_HOSTS = ["iys-sandbox.internal"]
    admin_role_client.post(URL, form_data(base_url="http://iys-sandbox.internal", password="x"))
    assert IysConnector.load().base_url == "http://iys-sandbox.internal"


def test_iys_configure_refuses_plain_http_elsewhere():
    with pytest.raises(CommandError, match="https://"):
        call_command("iys_configure", "--base-url", "http://iys.example.com", "--username", "u",
                     "--password", "p", "--iys-code", "1", "--brand-code", "2")


def raw_secrets() -> tuple[str, str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password, iletimerkezi_key, iletimerkezi_hash "
                       "FROM connectors_iysconnector")
        return cursor.fetchone()


def test_secrets_are_encrypted_in_the_database(admin_role_client):
    admin_role_client.post(URL, form_data(password="s3cret-İYS", iletimerkezi_key="k3y-value",
                                          iletimerkezi_hash="h4sh-value"))
    stored = raw_secrets()
    assert all(value.startswith("fernet:") for value in stored)
    assert not any(secret in value for value in stored
                   for secret in ("s3cret-İYS", "k3y-value", "h4sh-value"))
    connector = IysConnector.load()
    assert (connector.password, connector.iletimerkezi_key) == ("s3cret-İYS", "k3y-value")


def test_the_migration_encrypts_secrets_stored_in_clear():
    with connection.cursor() as cursor:
        cursor.execute("UPDATE connectors_iysconnector SET password = 'clear-pass', "
                       "iletimerkezi_key = 'clear-key'")
    encrypt_migration.encrypt_stored(None, connection.schema_editor())
    password, key, hash_ = raw_secrets()
    assert password.startswith("fernet:") and key.startswith("fernet:") and hash_ == ""
    connector = IysConnector.load()
    assert (connector.password, connector.iletimerkezi_key) == ("clear-pass", "clear-key")


def test_keys_rotate_the_first_encrypts_any_decrypts(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SECRETS_ENCRYPTION_KEYS = [old]
    connector = IysConnector.load()
    connector.password = "rotated-secret"
    connector.save()
    settings.SECRETS_ENCRYPTION_KEYS = [new, old]
    assert IysConnector.load().password == "rotated-secret"
    call_command("secrets_rotate", stdout=io.StringIO())
    settings.SECRETS_ENCRYPTION_KEYS = [new]
    assert IysConnector.load().password == "rotated-secret"


def test_a_secret_no_key_opens_is_asked_for_again_not_shown(admin_role_client, settings,
                                                             caplog):
    admin_role_client.post(URL, form_data(password="lost-secret"))
    settings.SECRETS_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    page = admin_role_client.get(URL)
    assert page.status_code == 200
    assert "A value is stored" not in page.content.decode()
    assert "cannot be decrypted" in caplog.text and "lost-secret" not in caplog.text


def test_the_password_is_never_logged(admin_role_client, sandbox, caplog):
    caplog.set_level(logging.DEBUG)
    configured(sandbox, password=sandbox.config.password)
    admin_role_client.post(URL, server_form(sandbox, password=sandbox.config.password,
                                            _test_connection="1"), follow=True)
    admin_role_client.post(URL, server_form(sandbox, _test_connection="1"), follow=True)
    assert sandbox.state.requests("/oauth2/token")
    assert caplog.records  # the requests were logged, at DEBUG too
    assert sandbox.config.password not in caplog.text


def change_messages() -> list[str]:
    return [entry.get_change_message() for entry in LogEntry.objects.order_by("id")]


def test_the_history_names_a_secret_only_when_a_new_one_was_typed(admin_role_client):
    admin_role_client.post(URL, form_data(password="first-secret"))
    admin_role_client.post(URL, form_data(username="renamed"))  # password left empty
    admin_role_client.post(URL, form_data(username="renamed"))  # nothing changed
    admin_role_client.post(URL, form_data(username="renamed", password="first-secret"))
    admin_role_client.post(URL, form_data(username="renamed", password="second-secret"))

    messages = change_messages()
    assert len(messages) == 5
    assert "password" in messages[0].lower()
    assert "password" not in messages[1].lower() and "user name" in messages[1].lower()
    assert messages[2] == "No fields changed."
    assert messages[3] == "No fields changed."  # the same password typed again
    assert "password" in messages[4].lower()
    stored = "".join(str(entry.change_message) for entry in LogEntry.objects.all())
    assert "first-secret" not in stored and "second-secret" not in stored
