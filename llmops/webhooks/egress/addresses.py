"""Which IP addresses the platform may connect to on a user's behalf.

Pure rules, no I/O. The tables are written out rather than taken from ``ipaddress``'s
``is_private``/``is_global`` because those flags changed between Python patch releases (3.12.4
reworked them) and a security boundary should not move with the interpreter; the flags are still
consulted, but only to refuse more.
"""

from __future__ import annotations

from collections.abc import Iterable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_network

IPAddress = IPv4Address | IPv6Address
IPNetwork = IPv4Network | IPv6Network

# IANA's IPv4 special-purpose registry, less nothing: none of these is a public web server.
REFUSED_V4 = tuple(
    IPv4Network(cidr)
    for cidr in (
        "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the local host on Linux
        "10.0.0.0/8",  # private
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",  # loopback
        "169.254.0.0/16",  # link-local, where cloud metadata services live
        "172.16.0.0/12",  # private
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",  # private
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, and 255.255.255.255 broadcast
    )
)
# Only global unicast (2000::/3) is connectable, less these parts of it. Addresses outside it
# (loopback ::1, unspecified ::, link-local, unique-local, multicast, ...) are refused whole,
# except the two embeddings below, which are judged by the IPv4 address they carry.
GLOBAL_UNICAST_V6 = IPv6Network("2000::/3")
REFUSED_V6 = tuple(
    IPv6Network(cidr)
    for cidr in (
        "2001::/23",  # IETF protocol assignments, Teredo among them
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
    )
)
NAT64_V6 = IPv6Network("64:ff9b::/96")  # well-known NAT64 prefix: the low 32 bits are IPv4
SIXTOFOUR_V6 = IPv6Network("2002::/16")  # 6to4: bits 16-48 are IPv4


def embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64 or 6to4), if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64_V6:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    if address in SIXTOFOUR_V6:
        return address.sixtofour
    return None


def _v4_refused(address: IPv4Address) -> bool:
    return (
        any(address in network for network in REFUSED_V4)
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _v6_refused(address: IPv6Address) -> bool:
    if address not in GLOBAL_UNICAST_V6 or any(address in network for network in REFUSED_V6):
        return True
    return (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_site_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def is_refused(address: IPAddress, allow: Iterable[IPNetwork] = ()) -> bool:
    """Whether the platform must not connect to ``address``.

    ``allow`` lists networks a self-hoster opened on purpose (``LLMOPS_EGRESS_ALLOW``); an address
    inside one is permitted, and so is an IPv4-mapped IPv6 address whose IPv4 is inside one.
    """
    mapped = address.ipv4_mapped if isinstance(address, IPv6Address) else None
    for network in allow:
        if address in network or (mapped is not None and mapped in network):
            return False
    if isinstance(address, IPv4Address):
        return _v4_refused(address)
    embedded = embedded_ipv4(address)
    if embedded is not None:
        # A relay or translator delivers these to the IPv4 address inside: judge that one.
        return _v4_refused(embedded)
    return _v6_refused(address)


def parse_networks(values: Iterable[str | IPNetwork]) -> tuple[IPNetwork, ...]:
    """CIDRs (or bare addresses, meaning one host) as networks; ValueError on a bad one.

    Host bits must be zero (``10.0.0.1/8`` is refused): a typo should not open more than meant.
    """
    return tuple(
        value if isinstance(value, IPv4Network | IPv6Network) else ip_network(value.strip())
        for value in values
    )
