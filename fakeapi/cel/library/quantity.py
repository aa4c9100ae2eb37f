"""The quantity library (apiserver/pkg/cel/library/quantity.go).

A quantity travels as ``kubernetes.Quantity`` holding its exact amount (``numerator/denominator``),
so ``==`` compares amounts as upstream's ``Quantity.Equal`` does (``quantity('1') == quantity('1000m')``).
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

from fakeapi.cel import types
from fakeapi.cel.library import Function, LibraryError, Overload

_Q = types.QUANTITY
_INT64 = (-(2**63), 2**63 - 1)


@functools.lru_cache(maxsize=1024)
def _parse(text: str) -> Fraction:
    """resource.ParseQuantity as an exact amount (cached: rules compare the same few constants over and over)."""
    from fakeapi.apimachinery.quantity import parse_quantity

    if text != text.strip() or not text:
        raise LibraryError(
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        )
    try:
        return parse_quantity(text)
    except ValueError:
        raise LibraryError(
            "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        ) from None


def _amount(message: Any) -> Fraction:
    return _fraction(message.value)


@functools.lru_cache(maxsize=1024)
def _fraction(text: str) -> Fraction:
    return Fraction(text)


def _new(amount: Fraction) -> Any:
    return types.new(_Q, f"{amount.numerator}/{amount.denominator}")


def _quantity(text: str) -> Any:
    return _new(_parse(text))


def _is_quantity(text: str) -> bool:
    try:
        _parse(text)
    except LibraryError:
        return False
    return True


def _sign(q: Any) -> int:
    amount = _amount(q)
    return (amount > 0) - (amount < 0)


def _compare(a: Any, b: Any) -> int:
    x, y = _amount(a), _amount(b)
    return (x > y) - (x < y)


def _as_integer(q: Any) -> int:
    amount = _amount(q)
    if amount.denominator != 1 or not _INT64[0] <= amount <= _INT64[1]:
        raise LibraryError("cannot convert value to integer")
    return int(amount)


def _is_integer(q: Any) -> bool:
    amount = _amount(q)
    return amount.denominator == 1 and _INT64[0] <= amount <= _INT64[1]


def _plus(a: Any, b: Any) -> Any:
    return _new(_amount(a) + (Fraction(b) if isinstance(b, int) else _amount(b)))


def _minus(a: Any, b: Any) -> Any:
    return _new(_amount(a) - (Fraction(b) if isinstance(b, int) else _amount(b)))


def _multiply(q: Any, factor: int) -> Any:
    return _new(_amount(q) * factor)


def _check_divisor(denominator: int) -> None:
    if denominator == 0:
        raise LibraryError("division by zero error")


def _divide(q: Any, denominator: int, digits: int = 4) -> Any:
    """QuoRound: the quotient rounded half away from zero to ``digits`` decimal places."""
    _check_divisor(denominator)
    if not 0 <= digits <= 10:
        raise LibraryError(f"the valid range for roundVal is 0 to 10 but {digits} was passed")
    scaled = _amount(q) / denominator * 10**digits
    rounded = math.floor(abs(scaled) + Fraction(1, 2)) * (1 if scaled >= 0 else -1)
    return _new(Fraction(rounded, 10**digits))


def _divide_integer(q: Any, denominator: int) -> Any:
    _check_divisor(denominator)
    quotient = _amount(q) / denominator
    return _new(Fraction(math.trunc(quotient)))


FUNCTIONS = (
    Function("quantity", (Overload("string_to_quantity", ("string",), _Q, _quantity),)),
    Function("isQuantity", (Overload("is_quantity_string", ("string",), "bool", _is_quantity),)),
    Function("sign", (Overload("quantity_sign", (_Q,), "int", _sign),)),
    Function(
        "isGreaterThan",
        (Overload("quantity_is_greater_than", (_Q, _Q), "bool", lambda a, b: _compare(a, b) == 1, member=True),),
    ),
    Function(
        "isLessThan",
        (Overload("quantity_is_less_than", (_Q, _Q), "bool", lambda a, b: _compare(a, b) == -1, member=True),),
    ),
    Function("compareTo", (Overload("quantity_compare_to", (_Q, _Q), "int", _compare, member=True),)),
    Function(
        "asApproximateFloat",
        (Overload("quantity_get_float", (_Q,), "double", lambda q: float(_amount(q)), member=True),),
    ),
    Function("asInteger", (Overload("quantity_get_int", (_Q,), "int", _as_integer, member=True),)),
    Function("isInteger", (Overload("quantity_is_integer", (_Q,), "bool", _is_integer, member=True),)),
    Function(
        "add",
        (
            Overload("quantity_add", (_Q, _Q), _Q, _plus, member=True),
            Overload("quantity_add_int", (_Q, "int"), _Q, _plus, member=True),
        ),
    ),
    Function(
        "sub",
        (
            Overload("quantity_sub", (_Q, _Q), _Q, _minus, member=True),
            Overload("quantity_sub_int", (_Q, "int"), _Q, _minus, member=True),
        ),
    ),
    Function("mul", (Overload("quantity_multiply_int", (_Q, "int"), _Q, _multiply, member=True),)),
    Function(
        "div",
        (
            Overload("quantity_divide_int_default_rounding", (_Q, "int"), _Q, _divide, member=True),
            Overload("quantity_divide_int_round", (_Q, "int", "int"), _Q, _divide, member=True),
        ),
    ),
    Function("divInt", (Overload("quantity_divide_int", (_Q, "int"), _Q, _divide_integer, member=True),)),
)
