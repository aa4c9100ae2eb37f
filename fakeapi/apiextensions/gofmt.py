"""Go's text renderings of JSON values, as they appear inside upstream's error messages.

kube-openapi formats numbers with ``%v``, and field errors show a float64 with ``%v``
(k8s.io/apimachinery/pkg/util/validation/field/errors.go ErrorBody), so a message built in
Python must print ``10`` where Python would print ``10.0``.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery.field import Raw
from fakeapi.apimachinery.gofmt import go_float


def go_number(value: Any) -> str:
    """``%v`` of an int64 or a float64."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return go_float(float(value))


def field_value(value: Any) -> Any:
    """A bad value of an unstructured object for a FieldError, as ErrorBody renders it.

    The field module renders scalars as Go does and maps and lists as JSON (keys sorted), nil as
    null; a float is a float64, which ErrorBody prints with ``%v``.
    """
    if isinstance(value, float):
        return Raw(go_float(value))
    return value


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
