"""Resource quantities as numbers (k8s.io/apimachinery/pkg/api/resource/quantity.go).

The schema check (``openapi_schemas``) only says whether a quantity parses; the scheduler and
the simulated kubelets compare amounts, so they need the value. A quantity is kept exactly, as
a :class:`~fractions.Fraction`, and read the way upstream reads it: ``milli_value`` for CPU
(rounded up, as ``Quantity.MilliValue``), ``value`` for bytes and counts (rounded up, as
``Quantity.Value``).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_QUANTITY = re.compile(r"([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([a-zA-Z]*|[eE][+-]?[0-9]+)")
# Go keeps ``1e99999999`` as a mantissa and a scale and never expands it; an exact Fraction would
# hold the GIL for minutes computing 10**99999999. Beyond 10**±1000 (far past what int64 amounts,
# and so every comparison upstream makes, can tell apart) the exponent is held at the bound.
MAX_DECIMAL_EXPONENT = 1000


def parse_quantity(text: str | int | float) -> Fraction:
    """resource.MustParse as an exact number; a malformed quantity raises ValueError."""
    if isinstance(text, (int, float)):
        return Fraction(text)
    match = _QUANTITY.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"quantities must match the regular expression: {text!r}")
    number, suffix = Fraction(match.group(1)), match.group(2)
    if suffix in _DECIMAL:
        return number * Fraction(10) ** _DECIMAL[suffix]
    if suffix in _BINARY:
        return number * 2 ** _BINARY[suffix]
    if suffix[:1] in ("e", "E") and len(suffix) > 1:
        exponent = max(-MAX_DECIMAL_EXPONENT, min(int(suffix[1:]), MAX_DECIMAL_EXPONENT))
        return number * Fraction(10) ** exponent
    raise ValueError(f"unable to parse quantity's suffix: {text!r}")


def value(text: str | int | float) -> int:
    """Quantity.Value: the amount rounded up to a whole unit (bytes, pods)."""
    return math.ceil(parse_quantity(text))


def milli_value(text: str | int | float) -> int:
    """Quantity.MilliValue: the amount in thousandths, rounded up (CPU in millicores)."""
    return math.ceil(parse_quantity(text) * 1000)


_DECIMAL_SUFFIXES = {exponent: suffix for suffix, exponent in _DECIMAL.items()}
_BINARY_SUFFIXES = {exponent: suffix for suffix, exponent in _BINARY.items()}


def format_quantity(amount: Fraction | int, *, binary: bool = False, exponent_form: bool = False) -> str:
    """Quantity.String in canonical form: DecimalSI (``500m``, ``2k``, ``1500``), or BinarySI (``128Mi``)
    for an amount written in binary suffixes, which Go shows in DecimalSI when it is under 1024 or fractional,
    or DecimalExponent (``1e3``, ``1500e-3``) for one written with an exponent.

    Decimal amounts are rounded up to nanounits, as Go keeps them.
    """
    amount = Fraction(amount)
    if binary and amount.denominator == 1 and abs(amount) >= 1024:
        mantissa, exponent = int(amount), 0
        while mantissa % 1024 == 0 and exponent < max(_BINARY_SUFFIXES):
            mantissa //= 1024
            exponent += 10
        return f"{mantissa}{_BINARY_SUFFIXES.get(exponent, '')}"
    nanos = math.ceil(amount * 10**9)
    if nanos == 0:
        return "0"
    exponent = -9
    while nanos % 1000 == 0 and (exponent_form or exponent < max(_DECIMAL_SUFFIXES)):
        nanos //= 1000
        exponent += 3
    if exponent_form:
        return f"{nanos}e{exponent}" if exponent else str(nanos)
    return f"{nanos}{_DECIMAL_SUFFIXES[exponent]}"


def canonical_quantity(text: str | int | float) -> str:
    """Quantity.String of a quantity as written: canonical, in the format it was written in (binary
    suffixes, an exponent, or decimal ones)."""
    written = text.strip() if isinstance(text, str) else ""
    match = _QUANTITY.fullmatch(written)
    suffix = match.group(2) if match else ""
    return format_quantity(
        parse_quantity(text),
        binary=suffix in _BINARY,
        exponent_form=suffix[:1] in ("e", "E") and len(suffix) > 1,
    )
