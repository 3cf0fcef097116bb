"""Webhook targets are checked against SSRF: every resolved address, before connecting."""

import pytest
from django.core.exceptions import ValidationError

from webhooks import safety


@pytest.fixture
def resolves_to(monkeypatch):
    """Stub the resolver: no lookup, no packet leaves the machine."""
    def stub(*addresses):
        monkeypatch.setattr(safety, "resolver", lambda host, port: list(addresses))
    return stub


@pytest.mark.parametrize("address", ["169.254.169.254", "169.254.10.1", "fe80::1",
                                     "100.100.100.200", "0.0.0.0", "224.0.0.1"])
def test_metadata_link_local_and_non_unicast_are_refused(resolves_to, address):
    resolves_to(address)
    with pytest.raises(ValidationError):
        safety.target_check("https://hooks.example.com/in")


def test_a_name_with_one_internal_address_among_public_ones_is_refused(resolves_to):
    resolves_to("93.184.216.34", "10.0.0.5")
    with pytest.raises(ValidationError, match=r"10\.0\.0\.5"):
        safety.target_check("https://hooks.example.com/in")


def test_private_ranges_need_the_setting(resolves_to, settings):
    resolves_to("10.1.2.3")
    with pytest.raises(ValidationError, match="private"):
        safety.target_check("https://crm.internal/in")
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.1.0.0/16"]
    assert safety.target_check("https://crm.internal/in").address == "10.1.2.3"


def test_loopback_only_when_allowed(settings):
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationError, match="loopback"):
        safety.target_check("http://127.0.0.1:9000/in")
    with pytest.raises(ValidationError, match="loopback"):
        safety.target_check("http://[::ffff:127.0.0.1]:9000/in")
    settings.WEBHOOK_ALLOW_LOOPBACK = True
    target = safety.target_check("http://127.0.0.1:9000/in?x=1")
    assert (target.address, target.port, target.path) == ("127.0.0.1", 9000, "/in?x=1")


def test_public_address_is_accepted_and_pinned(resolves_to):
    resolves_to("93.184.216.34")
    target = safety.target_check("https://hooks.example.com/in")
    assert (target.host, target.address, target.port) == ("hooks.example.com",
                                                          "93.184.216.34", 443)


@pytest.mark.parametrize("url", ["ftp://example.com/x", "http://user:pw@example.com/",
                                 "https:///nohost"])
def test_bad_urls_are_refused(url):
    with pytest.raises(ValidationError):
        safety.target_check(url)
