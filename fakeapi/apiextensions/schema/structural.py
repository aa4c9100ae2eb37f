"""Structural schemas: the typed skeleton of a CRD's OpenAPI v3 schema.

Mirrors apiextensions-apiserver/pkg/apiserver/schema/{structural,convert,validation,complete}.go.
``new_structural`` turns a JSONSchemaProps (as JSON) into the tree pruning, defaulting and the
list-type and embedded-object checks walk; ``validate_structural`` checks upstream's
structural invariants with upstream's field paths and messages: every node has a type, value
validations under allOf/anyOf/oneOf/not only restrict what the skeleton already specifies,
metadata at the root restricts only name and generateName, and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery.field import FieldError
from fakeapi.util import regexp

_UNSET: Any = object()

# JSONSchemaProps fields that structural schemas do not support (convert.go validateUnsupportedFields).
_UNSUPPORTED = (
    ("id", "id"),
    ("$schema", "schema"),
    ("$ref", "$ref"),
    ("patternProperties", "patternProperties"),
    ("dependencies", "dependencies"),
    ("additionalItems", "additionalItems"),
    ("definitions", "definitions"),
)
_JUNCTORS = ("allOf", "anyOf", "oneOf")


class StructuralError(ValueError):
    """NewStructural failed (a field structural schemas cannot hold)."""


def child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def key(path: str, name: str) -> str:
    return f"{path}[{name}]"


def index(path: str, i: int) -> str:
    return f"{path}[{i}]"


@dataclass
class Structural:
    """One node of a structural schema; ``raw`` is the JSONSchemaProps it came from."""

    raw: dict[str, Any]
    type: str = ""
    nullable: bool = False
    default: Any = _UNSET
    properties: dict[str, Structural] = field(default_factory=dict)
    items: Structural | None = None
    # additionalProperties: None when absent; ``additional_properties_schema`` when it is a schema.
    additional_properties: bool | None = None
    additional_properties_schema: Structural | None = None
    preserve_unknown_fields: bool = False
    embedded_resource: bool = False
    int_or_string: bool = False
    list_type: str | None = None
    list_map_keys: list[str] = field(default_factory=list)
    map_type: str | None = None

    @property
    def has_default(self) -> bool:
        return self.default is not _UNSET

    def property_schema(self, name: str) -> Structural | None:
        """The schema of a field: a named property, else the additionalProperties schema."""
        prop = self.properties.get(name)
        return prop if prop is not None else self.additional_properties_schema


def _check_unsupported(schema: dict[str, Any]) -> None:
    for json_name, go_name in _UNSUPPORTED:
        if schema.get(json_name):
            raise StructuralError(f"OpenAPIV3Schema '{go_name}' is not supported")


def _nested_check(schema: Any) -> None:
    """newNestedValueValidation: value validations may not hold unsupported fields either."""
    if not isinstance(schema, dict):
        return
    _check_unsupported(schema)
    _check_preserve(schema)
    items = schema.get("items")
    if isinstance(items, list):
        raise StructuralError("OpenAPIV3Schema 'items' must be a schema, but is an array")
    _nested_check(items)
    for sub in (schema.get("properties") or {}).values():
        _nested_check(sub)
    for junctor in _JUNCTORS:
        for sub in schema.get(junctor) or []:
            _nested_check(sub)
    _nested_check(schema.get("not"))
    if isinstance(schema.get("additionalProperties"), dict):
        _nested_check(schema["additionalProperties"])


def _check_preserve(schema: dict[str, Any]) -> None:
    if schema.get("x-kubernetes-preserve-unknown-fields") is False:
        raise StructuralError("internal error: 'x-kubernetes-preserve-unknown-fields' must be true or undefined")


def new_structural(schema: dict[str, Any] | None) -> Structural | None:
    """NewStructural: the structural skeleton of ``schema``; raises StructuralError."""
    if schema is None:
        return None
    _check_unsupported(schema)
    for junctor in _JUNCTORS:
        for sub in schema.get(junctor) or []:
            _nested_check(sub)
    _nested_check(schema.get("not"))
    _check_preserve(schema)
    node = Structural(
        raw=schema,
        type=str(schema.get("type") or ""),
        nullable=bool(schema.get("nullable")),
        default=schema.get("default", _UNSET),
        preserve_unknown_fields=schema.get("x-kubernetes-preserve-unknown-fields") is True,
        embedded_resource=bool(schema.get("x-kubernetes-embedded-resource")),
        int_or_string=bool(schema.get("x-kubernetes-int-or-string")),
        list_type=schema.get("x-kubernetes-list-type"),
        list_map_keys=list(schema.get("x-kubernetes-list-map-keys") or []),
        map_type=schema.get("x-kubernetes-map-type"),
    )
    additional = schema.get("additionalProperties")
    if isinstance(additional, dict):
        node.additional_properties = True
        node.additional_properties_schema = new_structural(additional)
    elif isinstance(additional, bool):
        node.additional_properties = additional
    items = schema.get("items")
    if isinstance(items, list):
        raise StructuralError("OpenAPIV3Schema 'items' must be a schema, but is an array")
    if isinstance(items, dict):
        node.items = new_structural(items)
    for name, prop in (schema.get("properties") or {}).items():
        sub = new_structural(prop)
        if sub is not None:
            node.properties[name] = sub
    return node


# -- ValidateStructural ---------------------------------------------------------------------------

_ROOT, _ITEM, _FIELD = "root", "item", "field"


def _is_int_or_string_any_of(any_of: Any) -> bool:
    return any_of == [{"type": "integer"}, {"type": "string"}]


def validate_structural(path: str, schema: dict[str, Any]) -> list[FieldError]:
    """ValidateStructural: every invariant violated, sorted by message as upstream sorts them."""
    errs = _invariants(schema, _ROOT, path) + _completeness(schema, path)
    return sorted(errs, key=str)


def _invariants(s: dict[str, Any] | None, level: str, path: str) -> list[FieldError]:
    if not isinstance(s, dict):
        return []
    errs: list[FieldError] = []
    s_type = str(s.get("type") or "")
    items = s.get("items")
    if s_type == "array" and items is None:
        errs.append(fe.required(child(path, "items"), "must be specified"))
    errs += _invariants(items if isinstance(items, dict) else None, _ITEM, child(path, "items"))
    properties = s.get("properties") or {}
    for name, prop in properties.items():
        errs += _invariants(prop, _FIELD, key(child(path, "properties"), name))
    additional = s.get("additionalProperties")
    if additional is not None:
        if level == _ROOT:
            errs.append(fe.forbidden(child(path, "additionalProperties"), "must not be used at the root"))
        if isinstance(additional, dict):
            errs += _invariants(additional, _FIELD, child(path, "additionalProperties"))
    int_or_string = bool(s.get("x-kubernetes-int-or-string"))
    preserve = s.get("x-kubernetes-preserve-unknown-fields") is True
    embedded = bool(s.get("x-kubernetes-embedded-resource"))
    if int_or_string and preserve:
        errs.append(
            fe.invalid(
                child(path, "x-kubernetes-preserve-unknown-fields"),
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )
    if int_or_string and embedded:
        errs.append(
            fe.invalid(
                child(path, "x-kubernetes-embedded-resource"),
                True,
                "must be false if x-kubernetes-int-or-string is true",
            )
        )
    skip_any_of = _is_int_or_string_any_of(s.get("anyOf"))
    all_of = s.get("allOf") or []
    skip_first_all_of_any_of = (
        bool(all_of) and isinstance(all_of[0], dict) and _is_int_or_string_any_of(all_of[0].get("anyOf"))
    )
    errs += _value_validation(s, skip_any_of, skip_first_all_of_any_of, level, path)
    check_metadata = level == _ROOT or embedded
    if embedded and s_type != "object":
        if not s_type:
            errs.append(fe.required(child(path, "type"), "must be object if x-kubernetes-embedded-resource is true"))
        else:
            errs.append(
                fe.invalid(child(path, "type"), s_type, "must be object if x-kubernetes-embedded-resource is true")
            )
    elif not s_type and not int_or_string and not preserve:
        detail = {
            _ROOT: "must not be empty at the root",
            _ITEM: "must not be empty for specified array items",
            _FIELD: "must not be empty for specified object fields",
        }[level]
        errs.append(fe.required(child(path, "type"), detail))
    if embedded and additional is not None:
        errs.append(
            fe.forbidden(
                child(path, "additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"
            )
        )
    if level == _ROOT and s_type and s_type != "object":
        errs.append(fe.invalid(child(path, "type"), s_type, "must be object at the root"))
    for meta_field in ("kind", "apiVersion"):
        prop = properties.get(meta_field)
        if isinstance(prop, dict) and check_metadata and prop.get("type") != "string":
            errs.append(
                fe.invalid(
                    child(key(child(path, "properties"), meta_field), "type"),
                    str(prop.get("type") or ""),
                    "must be string",
                )
            )
    metadata = properties.get("metadata")
    if isinstance(metadata, dict):
        errs += _metadata_invariants(metadata, check_metadata, level, key(child(path, "properties"), "metadata"))
    if embedded and not preserve and not properties:
        errs.append(
            fe.required(
                child(path, "properties"),
                "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
            )
        )
    return errs


def _metadata_invariants(s: dict[str, Any], check_metadata: bool, level: str, path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    if check_metadata and s.get("type") != "object":
        errs.append(fe.invalid(child(path, "type"), str(s.get("type") or ""), "must be object"))
    if level == _ROOT:
        # Only name and generateName may be restricted; type and default are checked elsewhere.
        rest = {k: v for k, v in s.items() if k not in ("type", "default")}
        properties = rest.pop("properties", None) or {}
        if set(properties) - {"name", "generateName"} or rest:
            errs.append(
                fe.forbidden(
                    path,
                    "must not specify anything other than name and generateName, but metadata is implicitly specified",
                )
            )
    return errs


def _value_validation(
    v: dict[str, Any], skip_any_of: bool, skip_first_all_of_any_of: bool, level: str, path: str
) -> list[FieldError]:
    errs: list[FieldError] = []
    if not skip_any_of:
        for i, sub in enumerate(v.get("anyOf") or []):
            errs += _nested(sub, False, level, index(child(path, "anyOf"), i))
    for i, sub in enumerate(v.get("allOf") or []):
        errs += _nested(sub, skip_first_all_of_any_of and i == 0, level, index(child(path, "allOf"), i))
    for i, sub in enumerate(v.get("oneOf") or []):
        errs += _nested(sub, False, level, index(child(path, "oneOf"), i))
    if isinstance(v.get("not"), dict):
        errs += _nested(v["not"], False, level, child(path, "not"))
    pattern = v.get("pattern")
    if pattern:
        try:
            regexp.compile(str(pattern))
        except regexp.RegexpError as exc:
            errs.append(
                fe.invalid(
                    child(path, "pattern"),
                    pattern,
                    f"must be a valid regular expression, but isn't: {exc}",
                )
            )
    return errs


# Generic and extension fields that value validations under junctors may not set.
_FORBIDDEN_IN_NESTED = (
    ("type", "must be empty to be structural"),
    ("default", "must be undefined to be structural"),
    ("title", "must be empty to be structural"),
    ("description", "must be empty to be structural"),
    ("nullable", "must be false to be structural"),
    ("externalDocs", "must be undefined to be structural"),
    ("x-kubernetes-preserve-unknown-fields", "must be false to be structural"),
    ("x-kubernetes-embedded-resource", "must be false to be structural"),
    ("x-kubernetes-int-or-string", "must be false to be structural"),
    ("x-kubernetes-list-map-keys", "must be empty to be structural"),
    ("x-kubernetes-list-type", "must be undefined to be structural"),
    ("x-kubernetes-map-type", "must be undefined to be structural"),
    ("x-kubernetes-validations", "must be empty to be structural"),
)


def _nested(v: Any, skip_any_of: bool, level: str, path: str) -> list[FieldError]:
    if not isinstance(v, dict):
        return []
    errs = _value_validation(v, skip_any_of, False, level, path)
    if isinstance(v.get("items"), dict):
        errs += _nested(v["items"], False, level, child(path, "items"))
    for name, prop in (v.get("properties") or {}).items():
        errs += _nested(prop, False, _FIELD, key(child(path, "properties"), name))
    for name, detail in _FORBIDDEN_IN_NESTED:
        present = name in v if name == "default" else v.get(name) not in (None, False, "", [], {})
        if present:
            errs.append(fe.forbidden(child(path, name), detail))
    if "additionalProperties" in v:
        errs.append(fe.forbidden(child(path, "additionalProperties"), "must be undefined to be structural"))
    if "metadata" in (v.get("properties") or {}):
        errs.append(
            fe.forbidden(key(child(path, "properties"), "metadata"), "must not be specified in a nested context")
        )
    return errs


def _completeness(s: dict[str, Any], path: str) -> list[FieldError]:
    """validateStructuralCompleteness: what value validations name must exist in the skeleton."""
    return _value_completeness(s, s, path, path)


def _value_completeness(v: dict[str, Any], s: dict[str, Any] | None, s_path: str, v_path: str) -> list[FieldError]:
    if s is None:
        return [fe.required(s_path, f"because it is defined in {v_path}")]
    errs: list[FieldError] = []
    if isinstance(v.get("not"), dict):
        errs += _nested_completeness(v["not"], s, s_path, child(v_path, "not"))
    for junctor in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(v.get(junctor) or []):
            if isinstance(sub, dict):
                errs += _nested_completeness(sub, s, s_path, index(child(v_path, junctor), i))
    return errs


def _nested_completeness(v: dict[str, Any], s: dict[str, Any] | None, s_path: str, v_path: str) -> list[FieldError]:
    if s is None:
        return [fe.required(s_path, f"because it is defined in {v_path}")]
    errs = _value_completeness(v, s, s_path, v_path)
    if isinstance(v.get("items"), dict):
        s_items = s.get("items")
        errs += _nested_completeness(
            v["items"], s_items if isinstance(s_items, dict) else None, child(s_path, "items"), child(v_path, "items")
        )
    s_properties = s.get("properties") or {}
    for name, sub in (v.get("properties") or {}).items():
        if name not in s_properties:
            errs.append(
                fe.required(
                    key(child(s_path, "properties"), name),
                    f"because it is defined in {key(child(v_path, 'properties'), name)}",
                )
            )
        elif isinstance(sub, dict):
            errs += _nested_completeness(
                sub, s_properties[name], key(child(s_path, "properties"), name), key(child(v_path, "properties"), name)
            )
    return errs
