"""Defaulting from ``default`` in a structural schema, and the checks a CRD's defaults must pass.

Mirrors apiextensions-apiserver/pkg/apiserver/schema/defaulting/algorithm.go (Default: a
missing field, or a null one that is not nullable, gets a copy of its default; then the
defaults of what is inside apply) and defaulting/validation.go (ValidateDefaults: each default
must validate against its own schema and must survive pruning unchanged).
"""

from __future__ import annotations

from typing import Any

from fakeapi.apiextensions.gofmt import field_value
from fakeapi.apiextensions.schema.pruning import prune
from fakeapi.apiextensions.schema.structural import Structural, child, key
from fakeapi.apiextensions.schema.validation import validate_custom_resource
from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.jsonutil import deep_copy_json, json_equal


def _non_nullable_null(x: Any, s: Structural | None) -> bool:
    return x is None and s is not None and not s.nullable


def default(x: Any, s: Structural | None) -> None:
    """Apply the defaults of ``s`` to ``x`` in place."""
    if s is None:
        return
    if isinstance(x, dict):
        for name, prop in s.properties.items():
            if not prop.has_default:
                continue
            if name not in x or _non_nullable_null(x[name], prop):
                x[name] = deep_copy_json(prop.default)
        for name, value in list(x.items()):
            known = s.properties.get(name)
            if known is not None:
                default(value, known)
            elif s.additional_properties_schema is not None:
                extra = s.additional_properties_schema
                if _non_nullable_null(value, extra) and extra.has_default:
                    x[name] = deep_copy_json(extra.default)
                default(x[name], extra)
    elif isinstance(x, list):
        for i, value in enumerate(x):
            if _non_nullable_null(value, s.items) and s.items is not None and s.items.has_default:
                x[i] = deep_copy_json(s.items.default)
            default(x[i], s.items)


def has_defaults(s: Structural | None) -> bool:
    if s is None:
        return False
    if s.has_default:
        return True
    return any(has_defaults(c) for c in (*s.properties.values(), s.items, s.additional_properties_schema))


def validate_defaults(path: str, s: Structural, *, is_root: bool = True, inside_meta: bool = False) -> list[FieldError]:
    """ValidateDefaults: each default validates against its schema and has nothing to prune.

    Defaults inside metadata are left to ObjectMeta validation, as upstream does.
    """
    errs: list[FieldError] = []
    if s.has_default and not inside_meta:
        default_path = child(path, "default")
        errs += validate_custom_resource(s.raw, s.default, default_path)
        pruned = deep_copy_json(s.default)
        prune(pruned, s, is_resource_root=s.embedded_resource)
        if not json_equal(pruned, s.default):
            errs.append(fe.invalid(default_path, field_value(s.default), "must not have unknown fields"))
    for name, prop in s.properties.items():
        meta = (is_root or s.embedded_resource) and name == "metadata"
        errs += validate_defaults(
            key(child(path, "properties"), name), prop, is_root=False, inside_meta=inside_meta or meta
        )
    if s.items is not None:
        errs += validate_defaults(child(path, "items"), s.items, is_root=False, inside_meta=inside_meta)
    if s.additional_properties_schema is not None:
        errs += validate_defaults(
            child(path, "additionalProperties"), s.additional_properties_schema, is_root=False, inside_meta=inside_meta
        )
    return errs
