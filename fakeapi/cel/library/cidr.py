"""The CIDR library (apiserver/pkg/cel/library/cidr.go)."""

from __future__ import annotations

import ipaddress
from typing import Any

from fakeapi.cel import types
from fakeapi.cel.library import Function, LibraryError, Overload
from fakeapi.cel.library.ip import Address, _quote, address_of, new_ip, parse_address

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_prefix(raw: str) -> tuple[Address, int]:
    """parseCIDR: netip.ParsePrefix (the address keeps its host bits), refusing IPv4-mapped addresses.

    Its errors come wrapped twice, as upstream's (parseCIDR wraps, then stringToCIDR again).
    """
    try:
        address, length = _parse_prefix(raw)
    except LibraryError as exc:
        raise LibraryError(f"{_PARSE_ERROR}{_PARSE_ERROR}{exc}") from None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        raise LibraryError(f"{_PARSE_ERROR}IPv4-mapped IPv6 address {_quote(raw)} is not allowed")
    return address, length


_PARSE_ERROR = "network address parse error during conversion from string: "


def _parse_prefix(raw: str) -> tuple[Address, int]:
    """netip.ParsePrefix, with Go's error texts."""
    where = f"netip.ParsePrefix({_quote(raw)})"
    address_text, slash, length_text = raw.rpartition("/")
    if not slash:
        raise LibraryError(f"{where}: no '/'")
    if "%" in address_text:
        raise LibraryError(f"{where}: IPv6 zones cannot be present in a prefix")
    try:
        address = ipaddress.ip_address(address_text)
    except ValueError:
        raise LibraryError(f"{where}: ParseAddr({_quote(address_text)}): unable to parse IP") from None
    if not length_text.isdigit() or (len(length_text) > 1 and length_text[0] == "0"):
        raise LibraryError(f"{where}: bad bits after slash: {_quote(length_text)}")
    if int(length_text) > address.max_prefixlen:
        raise LibraryError(f"{where}: prefix length out of range")
    return address, int(length_text)


def _prefix_of(message: Any) -> tuple[Address, int]:
    address, _, length = message.value.partition("/")
    return ipaddress.ip_address(address), int(length)


def _network(message: Any) -> Network:
    return ipaddress.ip_network(message.value, strict=False)


def _new(address: Address, length: int) -> Any:
    return types.new(types.CIDR, f"{address}/{length}")


def _cidr(raw: str) -> Any:
    return _new(*parse_prefix(raw))


def _is_cidr(raw: str) -> bool:
    try:
        parse_prefix(raw)
    except LibraryError:
        return False
    return True


def _contains_ip(cidr: Any, ip: Any) -> bool:
    address = parse_address(ip) if isinstance(ip, str) else address_of(ip)
    network = _network(cidr)
    return address.version == network.version and address in network


def _contains_cidr(cidr: Any, other: Any) -> bool:
    """cidrContainsCIDR: the other network, masked to this prefix, is this network, and no wider."""
    address, length = parse_prefix(other) if isinstance(other, str) else _prefix_of(other)
    network = _network(cidr)
    if address.version != network.version:
        return False
    widened = ipaddress.ip_network(f"{address}/{network.prefixlen}", strict=False)
    return widened == network and network.prefixlen <= length


def _masked(cidr: Any) -> Any:
    network = _network(cidr)
    return _new(network.network_address, network.prefixlen)


_C = types.CIDR

FUNCTIONS = (
    Function("cidr", (Overload("string_to_cidr", ("string",), _C, _cidr),)),
    Function(
        "containsIP",
        (
            Overload("cidr_contains_ip_string", (_C, "string"), "bool", _contains_ip, member=True),
            Overload("cidr_contains_ip_ip", (_C, types.IP), "bool", _contains_ip, member=True),
        ),
    ),
    Function(
        "containsCIDR",
        (
            Overload("cidr_contains_cidr_string", (_C, "string"), "bool", _contains_cidr, member=True),
            Overload("cidr_contains_cidr", (_C, _C), "bool", _contains_cidr, member=True),
        ),
    ),
    Function("ip", (Overload("cidr_ip", (_C,), types.IP, lambda m: new_ip(_prefix_of(m)[0]), member=True),)),
    Function("prefixLength", (Overload("cidr_prefix_length", (_C,), "int", lambda m: _prefix_of(m)[1], member=True),)),
    Function("masked", (Overload("cidr_masked", (_C,), _C, _masked, member=True),)),
    Function("isCIDR", (Overload("is_cidr", ("string",), "bool", _is_cidr),)),
    Function("string", (Overload("cidr_to_string", (_C,), "string", lambda m: m.value),)),
)
