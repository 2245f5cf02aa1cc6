"""The egress address rules, and the setting that opens ranges for self-hosters."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network, IPv6Address, ip_address

import pytest
from django.core.exceptions import ImproperlyConfigured

from llmops.config.env import env_networks
from llmops.webhooks.egress import is_refused
from llmops.webhooks.egress.addresses import embedded_ipv4, parse_networks

REFUSED = [
    "127.0.0.1",  # loopback
    "127.255.255.254",
    "0.0.0.0",  # noqa: S104 — unspecified; reaches the local host on Linux
    "0.1.2.3",
    "10.1.2.3",  # private
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "169.254.169.254",  # link-local: cloud metadata
    "192.0.0.8",
    "192.0.2.1",  # documentation
    "198.18.0.1",  # benchmarking
    "224.0.0.1",  # multicast
    "239.255.255.250",
    "240.0.0.1",  # reserved
    "255.255.255.255",  # broadcast
    "::1",  # loopback
    "::",  # unspecified
    "fe80::1",  # link-local
    "fec0::1",  # site-local (deprecated)
    "fc00::1",  # unique local
    "fd12:3456::1",
    "ff02::1",  # multicast
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::ffff:10.0.0.1",
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b:1::1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2001::1",  # Teredo
    "2001:db8::1",  # documentation
    "100::1",  # discard-only
]
PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "::ffff:8.8.8.8",
    "64:ff9b::808:808",
    "2002:808:808::1",
]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert is_refused(ip_address(address)) is True


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_permitted(address: str) -> None:
    assert is_refused(ip_address(address)) is False


def test_embedded_ipv4_addresses_are_read_from_mapped_nat64_and_6to4_forms() -> None:
    assert embedded_ipv4(IPv6Address("::ffff:127.0.0.1")) == IPv4Address("127.0.0.1")
    assert embedded_ipv4(IPv6Address("64:ff9b::a9fe:a9fe")) == IPv4Address("169.254.169.254")
    assert embedded_ipv4(IPv6Address("2002:a00:1::1")) == IPv4Address("10.0.0.1")
    assert embedded_ipv4(IPv6Address("2606:4700:4700::1111")) is None


def test_allowed_ranges_open_exactly_their_addresses() -> None:
    allow = parse_networks(["10.0.0.0/8", "127.0.0.1/32", "fd00::/8"])
    assert is_refused(ip_address("10.200.0.7"), allow) is False
    assert is_refused(ip_address("127.0.0.1"), allow) is False
    assert is_refused(ip_address("::ffff:127.0.0.1"), allow) is False
    assert is_refused(ip_address("fd00::5"), allow) is False
    assert is_refused(ip_address("127.0.0.2"), allow) is True
    assert is_refused(ip_address("192.168.1.1"), allow) is True
    assert is_refused(ip_address("169.254.169.254"), allow) is True
    assert is_refused(ip_address("::1"), allow) is True


def test_a_network_with_host_bits_set_is_not_taken() -> None:
    with pytest.raises(ValueError, match="has host bits set"):
        parse_networks(["10.0.0.1/8"])


def test_the_allow_setting_reads_comma_separated_cidrs() -> None:
    environ = {"LLMOPS_EGRESS_ALLOW": "10.0.0.0/8, 127.0.0.1/32,fd00::/8"}
    assert [str(n) for n in env_networks("LLMOPS_EGRESS_ALLOW", environ=environ)] == [
        "10.0.0.0/8",
        "127.0.0.1/32",
        "fd00::/8",
    ]
    assert env_networks("LLMOPS_EGRESS_ALLOW", environ={}) == ()
    assert env_networks("LLMOPS_EGRESS_ALLOW", environ={"LLMOPS_EGRESS_ALLOW": ""}) == ()
    assert env_networks("LLMOPS_EGRESS_ALLOW", environ={"LLMOPS_EGRESS_ALLOW": "127.0.0.1"}) == (
        IPv4Network("127.0.0.1/32"),
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("10.0.0.1/8", "^LLMOPS_EGRESS_ALLOW: expected comma-separated CIDRs .*'10.0.0.1/8'"),
        ("intranet", "^LLMOPS_EGRESS_ALLOW: expected comma-separated CIDRs .*'intranet'"),
        ("10.0.0.0/33", "^LLMOPS_EGRESS_ALLOW: expected comma-separated CIDRs .*'10.0.0.0/33'"),
        ("10.0.0.0/8,,", "^LLMOPS_EGRESS_ALLOW: empty item"),
    ],
)
def test_a_bad_allow_setting_stops_start_up_naming_the_variable(value: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        env_networks("LLMOPS_EGRESS_ALLOW", environ={"LLMOPS_EGRESS_ALLOW": value})
