"""Where the server may open connections on a user's behalf (registry URLs, their redirects,
token realms): one policy, `address_allowed`; `._outbound_http` holds the requests adapter
that applies it.

The policy is applied to the addresses a name resolves to, and the socket is connected to the
address that was checked: no second lookup a rebinding DNS server could answer differently.
TLS still verifies the certificate against the host name (SNI as well)."""

import ipaddress
import socket
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Refused whatever INTEGRATIONS_ALLOWED_NETWORKS says: cloud instance metadata (169.254.169.254,
# AWS's fd00:ec2::254 inside fc00::/7) and addresses that are not one destination.
ALWAYS_REFUSED = [
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network": 0.0.0.0 reaches the server itself
        "169.254.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",  # reserved, and the broadcast address
        "::/128",
        "fe80::/10",
        "fec0::/10",  # deprecated site-local
        "ff00::/8",
        "fd00:ec2::254/128",
        "192.0.0.192/32",  # Oracle Cloud's instance metadata
    )
]
# Not public, though Python's is_global says so: IETF protocol assignments.
NOT_PUBLIC = [ipaddress.ip_network("192.0.0.0/24")]
# IPv6 prefixes that carry an IPv4 address in their last 32 bits and reach it: IPv4-compatible
# (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d, which a DNS64 resolver hands out in IPv6-only nets).
_EMBEDS_IPV4 = [ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96")]


class AddressNotAllowed(Exception):
    """A connection the policy refused. Not an OSError, so urllib3 neither retries it nor
    wraps it: it reaches the caller as it is."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}, which outbound policy refuses.")
        self.host = host
        self.address = address


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(net) for net in settings.INTEGRATIONS_ALLOWED_NETWORKS]
    except ValueError as error:
        raise ImproperlyConfigured(f"INTEGRATIONS_ALLOWED_NETWORKS: {error}") from None


def normalize(address: str | IPAddress) -> IPAddress:
    """The address a connection really reaches: IPv6 forms that carry an IPv4 address become
    that IPv4 address. (Decimal, octal and hex IPv4 forms never get here: getaddrinfo turns
    them into dotted quads.)"""
    if isinstance(address, str):
        address = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 scope id
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return address.ipv4_mapped
        if address not in (ipaddress.IPv6Address("::"), ipaddress.IPv6Address("::1")) and any(
            address in net for net in _EMBEDS_IPV4
        ):
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_allowed(address: str | IPAddress) -> bool:
    """Whether the server may connect to `address` (an IP, after DNS resolution).

    Link-local, unspecified, multicast and reserved addresses never; loopback, private and
    other non-public ranges only inside INTEGRATIONS_ALLOWED_NETWORKS; public addresses always."""
    try:
        address = normalize(address)
    except ValueError:
        return False
    if any(address in net for net in ALWAYS_REFUSED):
        return False
    if isinstance(address, ipaddress.IPv6Address):
        # 6to4 and Teredo carry an IPv4 address too: refuse what it would refuse.
        embedded = address.sixtofour or (address.teredo and address.teredo[1])
        if embedded and not address_allowed(embedded):
            return False
    if any(address in net for net in allowed_networks() if net.version == address.version):
        return True
    return address.is_global and not any(address in net for net in NOT_PUBLIC)


def resolve(host: str, port: int) -> list[tuple]:
    """getaddrinfo's TCP answers for host:port (raises socket.gaierror)."""
    from urllib3.util.connection import allowed_gai_family  # urllib3 loads on first use

    return socket.getaddrinfo(host.strip("[]"), port, allowed_gai_family(), socket.SOCK_STREAM)


def refused_address(infos: Iterable[tuple]) -> str | None:
    """The first resolved address the policy refuses, if any: one refused answer refuses the
    name, so a name can't mix a public address with a forbidden one."""
    for info in infos:
        if not address_allowed(info[4][0]):
            return info[4][0]
    return None
