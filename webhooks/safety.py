"""Webhook targets are checked against SSRF before every connection.

The host is resolved once, every address it resolves to is checked, and the connection goes
to a checked address (the Host header and TLS name stay the URL's), so a DNS answer that
changes between the check and the connection (rebinding) cannot reach an internal address.
"""

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]

# Cloud metadata services that are not link-local everywhere.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "fd00:ec2::254", "100.100.100.200", "169.254.170.2"))
# Private-use ranges (RFC 1918, unique local IPv6, carrier-grade NAT).
PRIVATE = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7", "100.64.0.0/10"))


def system_resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


# Tests replace this (never a real lookup of a name that must be refused).
resolver: Resolver = system_resolve


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address to connect to


def address_refusal(address: IPAddress) -> str | None:
    """Why this address may not be a webhook target, or None."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address in METADATA:
        return _("a cloud metadata address")
    if address.is_loopback:
        return None if settings.WEBHOOK_ALLOW_LOOPBACK else _("a loopback address")
    if address.is_link_local:
        return _("a link-local address")
    if address.is_multicast or address.is_unspecified or address.is_reserved:
        return _("not a unicast address")
    allowed = [ipaddress.ip_network(n) for n in settings.WEBHOOK_ALLOWED_NETWORKS]
    if any(address in network for network in allowed):
        return None
    if any(address in network for network in PRIVATE) or address.is_private:
        return _("a private address (allow its network in WEBHOOK_ALLOWED_NETWORKS)")
    return None


def target_check(url: str) -> Target:
    """Resolve the URL's host and check every address; ValidationError says why not."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("Give an http or https URL."), code="scheme")
    if parts.username or parts.password:
        raise ValidationError(_("The URL may not hold a user name or password."), code="userinfo")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise ValidationError(_("The URL's port is not valid."), code="port") from error
    try:
        addresses = [ipaddress.ip_address(parts.hostname)]
    except ValueError:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0])
                         for a in resolver(parts.hostname, port)]
        except (OSError, UnicodeError, ValueError) as error:
            raise ValidationError(_("The host %(host)s could not be resolved.")
                                  % {"host": parts.hostname}, code="resolve") from error
    if not addresses:
        raise ValidationError(_("The host %(host)s could not be resolved.")
                              % {"host": parts.hostname}, code="resolve")
    for address in addresses:
        reason = address_refusal(address)
        if reason:
            raise ValidationError(
                _("%(host)s resolves to %(address)s, %(reason)s: webhooks may not call it.")
                % {"host": parts.hostname, "address": address, "reason": reason},
                code="address")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme=parts.scheme, host=parts.hostname, port=port, path=path,
                  address=str(addresses[0]))
