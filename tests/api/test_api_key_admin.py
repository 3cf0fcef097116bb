"""Admins create API keys in the panel (shown once, stored hashed) and revoke them."""

import re

import pytest
from django.core.management import call_command

from api.models import ApiKey
from api.services import api_key_authenticate

pytestmark = pytest.mark.django_db


def test_an_admin_creates_a_key_that_is_shown_once(admin_role_client):
    response = admin_role_client.post("/admin/api/apikey/add/", {"name": "call-centre"},
                                      follow=True)
    [message] = [str(m) for m in response.context["messages"] if "new API key" in str(m)]
    raw_key = re.search(r"iys_\S+", message).group()
    api_key = ApiKey.objects.get(name="call-centre")
    assert raw_key.startswith(api_key.prefix) and raw_key not in api_key.key_hash
    assert api_key_authenticate(raw_key) == api_key
    page = admin_role_client.get(f"/admin/api/apikey/{api_key.pk}/change/").content.decode()
    assert raw_key not in page


def test_revoking_a_key_stops_it(admin_role_client):
    call_command("create_api_key", "app")
    api_key = ApiKey.objects.get(name="app")
    admin_role_client.post("/admin/api/apikey/", {"action": "revoke",
                                                  "_selected_action": [api_key.pk]})
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None


def test_the_command_prints_the_key_once(capsys):
    call_command("create_api_key", "web-site")
    out = capsys.readouterr().out.strip()
    assert api_key_authenticate(out).name == "web-site"
