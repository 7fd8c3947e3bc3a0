"""Where webhooks may go: checked when a subscription is made and again at every delivery.

- ``http`` or ``https``, a host, no user name or password in the URL, no fragment.
- Every address the host resolves to must be public (globally routable). Loopback is allowed only
  with ``WEBHOOK_ALLOW_LOOPBACK`` (tests, local development); private networks only when listed in
  ``WEBHOOK_ALLOWED_NETWORKS``; link-local (cloud metadata), multicast, reserved and unspecified
  addresses never. Plain ``http`` only to loopback or an allowed private network: events travel
  over TLS on the open internet.
- A delivery connects to the very address it checked (``PinnedConnection``), so a host whose DNS
  answer changes between the check and the connection (DNS rebinding) cannot reach a refused address.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.WEBHOOK_ALLOWED_NETWORKS]


def address_policy(address: Address) -> str:
    """ "public", "loopback", "allowed" (a listed private network) or "refused"."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback:
        return "loopback" if settings.WEBHOOK_ALLOW_LOOPBACK else "refused"
    if address.is_link_local or address.is_multicast or address.is_unspecified or address.is_reserved:
        return "refused"
    if any(address in network for network in _allowed_networks()):
        return "allowed"
    return "public" if address.is_global else "refused"


def _resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"The host {host} does not resolve.") from exc
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos))


def check(url: str) -> Target:
    """The target of ``url`` if the platform may deliver to it, else ``TargetRefused`` saying why."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("Not a valid URL.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("An http(s) URL with a host.")
    if parts.username or parts.password:
        raise TargetRefused("No user name or password in the URL: events are signed with the secret.")
    if parts.fragment:
        raise TargetRefused("No fragment (#...) in the URL.")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = _resolve(parts.hostname, port)
    policies = {address_policy(address) for address in addresses}
    if not addresses or "refused" in policies:
        raise TargetRefused(
            f"{parts.hostname} resolves to an address the platform does not deliver to "
            "(loopback, private, link-local or reserved)."
        )
    if parts.scheme == "http" and "public" in policies:
        raise TargetRefused("Use https for a receiver on a public address.")
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return Target(parts.scheme, parts.hostname, port, path, str(addresses[0]))


class PinnedConnection(http.client.HTTPConnection):
    """HTTP to the checked address, with the URL's host in the Host header."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class PinnedTLSConnection(http.client.HTTPSConnection):
    """HTTPS to the checked address; the certificate is verified for the URL's host name."""

    def __init__(self, target: Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    return (PinnedTLSConnection if target.scheme == "https" else PinnedConnection)(target, timeout)
