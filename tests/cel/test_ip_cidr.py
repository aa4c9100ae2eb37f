"""The IP and CIDR libraries: cases from apiserver/pkg/cel/library/{ip,cidr}.go's examples and ip_test.go, cidr_test.go."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cel.conftest import Evaluate


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("isIP('127.0.0.1')", True),
        ("isIP('::1')", True),
        ("isIP('127.0.0.256')", False),
        ("isIP(':::1')", False),
        ("isIP('127.0.0.1%eth0')", False),
        ("isIP('::ffff:1.2.3.4')", False),
        ("ip.isCanonical('127.0.0.1')", True),
        ("ip.isCanonical('2001:db8::abcd')", True),
        ("ip.isCanonical('2001:DB8::ABCD')", False),
        ("ip.isCanonical('2001:db8::0:0:0:abcd')", False),
        ("ip('127.0.0.1').family()", 4),
        ("ip('::1').family()", 6),
        ("ip('0.0.0.0').isUnspecified()", True),
        ("ip('::').isUnspecified()", True),
        ("ip('127.0.0.1').isLoopback()", True),
        ("ip('2001:db8::abcd').isLoopback()", False),
        ("ip('224.0.0.1').isLinkLocalMulticast()", True),
        ("ip('224.0.1.1').isLinkLocalMulticast()", False),
        ("ip('ff02::1').isLinkLocalMulticast()", True),
        ("ip('fd00::1').isLinkLocalMulticast()", False),
        ("ip('169.254.169.254').isLinkLocalUnicast()", True),
        ("ip('fe80::1').isLinkLocalUnicast()", True),
        ("ip('fd80::1').isLinkLocalUnicast()", False),
        ("ip('192.168.0.1').isGlobalUnicast()", True),
        ("ip('255.255.255.255').isGlobalUnicast()", False),
        ("ip('2001:db8::abcd').isGlobalUnicast()", True),
        ("ip('ff00::1').isGlobalUnicast()", False),
        ("string(ip('127.0.0.1'))", "127.0.0.1"),
        ("string(ip('192.168.0.1'))", "192.168.0.1"),
        ("string(ip('2001:DB8::ABCD'))", "2001:db8::abcd"),
        ("ip('::ffff:1.2.3.4')", 'IPv4-mapped IPv6 address "::ffff:1.2.3.4" is not allowed'),
        ("ip('fe80::1%eth0')", 'IP address "fe80::1%eth0" with zone value is not allowed'),
        ("isCIDR('192.168.0.0/16')", True),
        ("isCIDR('::1/128')", True),
        ("isCIDR('192.168.0.0/33')", False),
        ("isCIDR('::1/129')", False),
        ("cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", True),
        ("cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))", False),
        ("cidr('192.168.0.0/24').containsIP('192.168.0.1')", True),
        ("cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))", True),
        ("cidr('192.168.1.0/24').containsCIDR(cidr('192.168.2.0/24'))", False),
        ("cidr('192.168.0.0/16').containsCIDR('192.168.10.0/24')", True),
        ("cidr('192.168.10.0/24').containsCIDR('192.168.0.0/16')", False),
        ("cidr('192.168.0.1/24').ip() == ip('192.168.0.1')", True),
        ("cidr('::1/128').ip().family()", 6),
        ("cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')", True),
        ("cidr('192.168.0.0/24') == cidr('192.168.0.0/24').masked()", True),
        ("cidr('192.168.0.1/24') == cidr('192.168.0.1/24').masked()", False),
        ("cidr('192.168.0.0/16').prefixLength()", 16),
        ("string(cidr('192.168.0.0/24'))", "192.168.0.0/24"),
        # netip.Prefix.String keeps the host bits, and writes IPv6 canonically.
        ("string(cidr('192.168.0.1/24'))", "192.168.0.1/24"),
        ("string(cidr('192.168.0.1/24').masked())", "192.168.0.0/24"),
        ("string(cidr('2001:DB8::1/32'))", "2001:db8::1/32"),
        # One runtime function serves string(ip) and string(cidr), telling them apart by type.
        ("string(dyn(cidr('10.0.0.0/8')))", "10.0.0.0/8"),
        ("string(dyn(ip('10.0.0.1')))", "10.0.0.1"),
        ("[cidr('10.0.0.0/8'), cidr('::1/128')].map(c, string(c))", ["10.0.0.0/8", "::1/128"]),
        ("cidr('::1/128').prefixLength()", 128),
        (
            "cidr('192.168.0.0/33')",
            "network address parse error during conversion from string: network address parse error during "
            'conversion from string: netip.ParsePrefix("192.168.0.0/33"): prefix length out of range',
        ),
    ],
)
def test_ip_and_cidr(evaluate: Evaluate, expression: str, expected: Any) -> None:
    assert evaluate(expression) == expected
