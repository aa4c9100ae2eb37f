"""Go's text renderings of JSON values, as they appear inside upstream's error messages.

kube-openapi formats numbers with ``%v`` and field errors show unstructured values with
``%#v`` (k8s.io/apimachinery/pkg/util/validation/field/errors.go ErrorBody), so a message
built in Python must print ``10`` where Python would print ``10.0`` and
``map[string]interface {}{"a":1}`` where Python would print a dict.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

from fakeapi.apimachinery.field import Raw


def go_float(value: float) -> str:
    """``%v`` of a float64: shortest representation, exponent form below 1e-4 or from 1e21."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if exponent < -4 or exponent >= 21:
        mantissa, _, power = repr(value).partition("e")
        if not power:
            mantissa, _, power = f"{value:e}".partition("e")
        digits = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
        sign = "-" if power.startswith("-") else "+"
        return f"{digits}e{sign}{power.lstrip('+-').lstrip('0').rjust(2, '0')}"
    text = repr(value)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text[:-2] if text.endswith(".0") else text


def go_number(value: Any) -> str:
    """``%v`` of an int64 or a float64."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return go_float(float(value))


def _go_syntax(value: Any) -> str:
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return go_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}:{_go_syntax(v)}" for k, v in sorted(value.items()))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(_go_syntax(v) for v in value) + "}"
    return str(value)


def field_value(value: Any) -> Any:
    """A bad value for a FieldError, rendered as Go's ErrorBody would render the unstructured value.

    Scalars keep their type (the field module prints them as Go does, apart from floats);
    maps and lists become ``%#v`` text; nil becomes the quoted string ``"null"``.
    """
    if value is None:
        return "null"
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return Raw(go_float(value))
    return Raw(_go_syntax(value))


def go_list(values: list[Any]) -> str:
    """``%v`` of a []interface{}: ``[a b 1]``."""

    def one(v: Any) -> str:
        if isinstance(v, str):
            return v
        if v is None:
            return "<nil>"
        if isinstance(v, bool | int | float):
            return go_number(v)
        if isinstance(v, dict):
            return "map[" + " ".join(f"{k}:{one(x)}" for k, x in sorted(v.items())) + "]"
        if isinstance(v, list):
            return go_list(v)
        return str(v)

    return "[" + " ".join(one(v) for v in values) + "]"
