"""The IP library (apiserver/pkg/cel/library/ip.go), with Go's net/netip predicates."""

from __future__ import annotations

import ipaddress
from typing import Any

from fakeapi.cel import types
from fakeapi.cel.library import Function, LibraryError, Overload

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_address(raw: str) -> Address:
    """parseIPAddr: netip.ParseAddr, refusing zones and IPv4-mapped IPv6 addresses."""
    if "%" in raw:
        try:
            ipaddress.ip_address(raw.split("%", 1)[0])
        except ValueError:
            pass
        else:
            raise LibraryError(f"IP address {_quote(raw)} with zone value is not allowed")
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        raise LibraryError(
            f"IP Address {_quote(raw)} parse error during conversion from string: ParseAddr({_quote(raw)}): unable to parse IP"
        ) from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise LibraryError(f"IPv4-mapped IPv6 address {_quote(raw)} is not allowed")
    return address


def _quote(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def address_of(message: Any) -> Address:
    return ipaddress.ip_address(message.value)


def new_ip(address: Address) -> Any:
    return types.new(types.IP, str(address))


def _ip(raw: str) -> Any:
    return new_ip(parse_address(raw))


def _is_ip(raw: str) -> bool:
    try:
        parse_address(raw)
    except LibraryError:
        return False
    return True


def _is_canonical(raw: str) -> bool:
    return str(parse_address(raw)) == raw


def _is_link_local_multicast(address: Address) -> bool:
    if address.version == 4:
        return address in ipaddress.ip_network("224.0.0.0/24")
    return int(address) >> 112 & 0xFF0F == 0xFF02


def _is_global_unicast(address: Address) -> bool:
    """netip.Addr.IsGlobalUnicast: private ranges count as global, as in Go."""
    if address.version == 4 and address == ipaddress.IPv4Address("255.255.255.255"):
        return False
    return not (
        address.is_unspecified
        or address.is_loopback
        or address.is_multicast
        or address in ipaddress.ip_network("169.254.0.0/16" if address.version == 4 else "fe80::/10")
    )


def _predicate(name: str, test: Any) -> Function:
    return Function(
        name, (Overload(f"ip_{_snake(name)}", (types.IP,), "bool", lambda m: test(address_of(m)), member=True),)
    )


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name).removeprefix("_")


FUNCTIONS = (
    Function("ip", (Overload("string_to_ip", ("string",), types.IP, _ip),)),
    Function("family", (Overload("ip_family", (types.IP,), "int", lambda m: address_of(m).version, member=True),)),
    Function("ip.isCanonical", (Overload("ip_is_canonical", ("string",), "bool", _is_canonical),)),
    _predicate("isUnspecified", lambda a: a.is_unspecified),
    _predicate("isLoopback", lambda a: a.is_loopback),
    _predicate("isLinkLocalMulticast", _is_link_local_multicast),
    _predicate(
        "isLinkLocalUnicast", lambda a: a in ipaddress.ip_network("169.254.0.0/16" if a.version == 4 else "fe80::/10")
    ),
    _predicate("isGlobalUnicast", _is_global_unicast),
    Function("isIP", (Overload("is_ip", ("string",), "bool", _is_ip),)),
    Function("string", (Overload("ip_to_string", (types.IP,), "string", lambda m: m.value),)),
)
