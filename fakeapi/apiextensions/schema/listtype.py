"""Uniqueness of ``x-kubernetes-list-type: set`` items and ``map`` keys.

Mirrors apiextensions-apiserver/pkg/apiserver/schema/listtype/validation.go: a duplicate is
reported once, at its second appearance, as ``Duplicate value``; an item of a map list that is
not an object fails first with ``must be an object for an array of list-type map``.
"""

from __future__ import annotations

import json
from typing import Any

from fakeapi.apiextensions.gofmt import field_value
from fakeapi.apiextensions.schema.structural import Structural
from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery.field import FieldError

_UNSPECIFIED = object()


def validate_list_sets_and_maps(path: str, s: Structural | None, obj: Any) -> list[FieldError]:
    """ValidateListSetsAndMaps over an object (``path`` empty at the resource root)."""
    if s is None or not isinstance(obj, dict):
        return []
    errs: list[FieldError] = []
    if s.additional_properties_schema is not None:
        for k, v in obj.items():
            errs += _value(f"{path}[{k}]", s.additional_properties_schema, v)
    for k, v in obj.items():
        prop = s.properties.get(k)
        if prop is not None:
            errs += _value(f"{path}.{k}" if path else k, prop, v)
    return errs


def _value(path: str, s: Structural, value: Any) -> list[FieldError]:
    if isinstance(value, list):
        return _array(path, s, value)
    if isinstance(value, dict):
        return validate_list_sets_and_maps(path, s, value)
    return []


def _identity(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return ("compound", json.dumps(value, sort_keys=True, separators=(",", ":")))
    if value is _UNSPECIFIED:
        return ("unspecified",)
    # Go compares interface{} scalars by type and value: 1 and 1.0 and true differ.
    return ("scalar", type(value).__name__, value)


def _non_unique(items: list[Any]) -> list[int]:
    """validateListSet: the index of each value's second appearance."""
    seen: dict[Any, int] = {}
    result = []
    for i, item in enumerate(items):
        ident = _identity(item)
        seen[ident] = seen.get(ident, 0) + 1
        if seen[ident] == 2:
            result.append(i)
    return result


def _array(path: str, s: Structural, items: list[Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    if s.list_type == "set":
        errs += [fe.duplicate(f"{path}[{i}]", field_value(items[i])) for i in _non_unique(items)]
    elif s.list_type == "map":
        errs += _list_map(path, s, items)
    if s.items is not None:
        for i, item in enumerate(items):
            errs += _value(f"{path}[{i}]", s.items, item)
    return errs


def _list_map(path: str, s: Structural, items: list[Any]) -> list[FieldError]:
    for i, item in enumerate(items):
        if item is not None and not isinstance(item, dict):
            return [fe.invalid(f"{path}[{i}]", field_value(item), "must be an object for an array of list-type map")]
    if len(items) <= 1:
        return []
    if len(s.list_map_keys) == 1:
        key_field = s.list_map_keys[0]
        keys = [_UNSPECIFIED if item is None or key_field not in item else item[key_field] for item in items]
        return [
            fe.duplicate(f"{path}[{i}]", field_value({} if keys[i] is _UNSPECIFIED else {key_field: keys[i]}))
            for i in _non_unique(keys)
        ]
    compound = [{} if item is None else {k: item[k] for k in s.list_map_keys if k in item} for item in items]
    return [fe.duplicate(f"{path}[{i}]", field_value(compound[i])) for i in _non_unique(compound)]
