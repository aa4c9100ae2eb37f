"""The errors of runtime.DefaultUnstructuredConverter.FromUnstructured (apimachinery/pkg/runtime/converter.go).

A strategic merge patch is merged as maps and then converted into the Go type with
``FromUnstructured`` (apiserver endpoints/handlers/patch.go applyPatchToObject), not decoded
from JSON: a value of the wrong type fails with the converter's words ("cannot restore map from
string"), where JSON and merge patches, decoded by the JSON serializer, fail with encoding/json's
("json: cannot unmarshal string into Go struct field ...").
"""

from __future__ import annotations

from typing import Any

_INTEGER_TYPES = frozenset({"int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64"})
_FLOAT_TYPES = frozenset({"float32", "float64"})
_SCALAR_TYPES = _INTEGER_TYPES | _FLOAT_TYPES | {"string", "bool"}


def go_kind(value: Any) -> str:
    """The reflect.Kind of a decoded JSON value in the patched map (util/json keeps integral numbers int64)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    return "slice" if isinstance(value, list) else "map"


def from_unstructured_error(value: Any, go_type: str) -> str | None:
    """What fromUnstructured says converting ``value`` into a field of Go type ``go_type``, or None if it converts.

    ``go_type`` is reflect's name: ``map[string]string``, ``[]string``, ``int32``, ``v1.ObjectMeta``.
    """
    kind = go_kind(value)
    if go_type.startswith("map["):
        return None if kind == "map" else f"cannot restore map from {kind}"
    if go_type.startswith("[]"):
        if go_type == "[]uint8" and kind == "string":
            return None  # []byte is stored as a (base64) string
        return None if kind == "slice" else f"cannot restore slice from {kind}"
    if go_type not in _SCALAR_TYPES:
        return None if kind == "map" else f"cannot restore struct from: {kind}"
    # Simple kinds convert only within JSON's four groups: strings, bools, integers, floats.
    if kind == go_type or (kind == "int64" and go_type in _INTEGER_TYPES | _FLOAT_TYPES):
        return None
    if kind == "float64" and go_type in _FLOAT_TYPES:
        return None
    if (kind == "int64" and go_type == "string") or (kind == "float64" and go_type in _INTEGER_TYPES):
        # Go can convert these kinds into each other, but JSON cannot.
        return f"cannot convert {kind} to {go_type}"
    return f"unrecognized type: {go_type}"
