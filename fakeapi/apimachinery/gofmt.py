"""How Go prints values in error texts: server-side apply's, strategic merge patch's, field errors'.

Upstream builds those texts with ``fmt``: ``%q`` quotes strings (strconv.Quote), ``%v`` prints a
``map[string]interface{}`` as ``map[a:1 b:[x y]]`` with sorted keys, and floats in the shortest
form with an exponent only from 1e21 up. Python's ``repr`` and ``json.dumps`` differ in each of
these, so the few messages that embed values use the helpers here.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

_GO_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """strconv.Quote: double quotes, Go escapes for control and non-printable characters."""
    out = ['"']
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def go_float(number: float) -> str:
    """``%v`` of a float64: shortest digits, exponent form below 1e-4 and from 1e21 up."""
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if math.isnan(number):
        return "NaN"
    if number == 0:
        return "-0" if math.copysign(1, number) < 0 else "0"
    # repr holds the shortest digits that round-trip, as strconv's shortest formatting does.
    shortest = Decimal(repr(number)).normalize()
    sign, digits, exponent = shortest.as_tuple()
    assert isinstance(exponent, int)
    leading = len(digits) + exponent - 1
    prefix = "-" if sign else ""
    if -4 <= leading < 21:
        return prefix + format(abs(shortest), "f")
    mantissa = str(digits[0]) + ("." + "".join(map(str, digits[1:])) if len(digits) > 1 else "")
    return f"{prefix}{mantissa}e{'-' if leading < 0 else '+'}{abs(leading):02d}"


def go_value(value: Any) -> str:
    """``%v`` (and ``%+v``) of a decoded JSON value: ``map[k:v]``, ``[a b]``, ``<nil>``."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "map[" + " ".join(f"{key}:{go_value(value[key])}" for key in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(go_value(item) for item in value) + "]"
    return str(value)


def go_json(value: Any, *, sort_keys: bool = False) -> str:
    """encoding/json.Marshal of a JSON value: compact, HTML characters escaped as Go does.

    Go sorts the keys of a ``map[string]interface{}``; ``sort_keys`` does the same.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=sort_keys)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
