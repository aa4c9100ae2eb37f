"""Static validation of CustomResourceDefinitions.

Mirrors apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go
(ValidateCustomResourceDefinition and ValidateCustomResourceDefinitionUpdate with v1's
options: schemas required and structural, pruned defaults, atomic set items, map-list keys).

Upstream validates the internal form, into which v1 is converted first; that conversion moves
a schema, subresources, printer columns or selectable fields shared by every version to the top
level, so their errors carry ``spec.validation.openAPIV3Schema...``, ``spec.subresources...``,
``spec.additionalPrinterColumns[i]...`` paths. The same happens here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from fakeapi.apiextensions import helpers
from fakeapi.apiextensions.schema.cel import has_rules
from fakeapi.apiextensions.schema.defaulting import validate_defaults
from fakeapi.apiextensions.schema.structural import (
    Structural,
    StructuralError,
    child,
    index,
    key,
    new_structural,
    validate_structural,
)
from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery import validation
from fakeapi.apimachinery.field import FieldError, Raw, marshalled
from fakeapi.apimachinery.jsonutil import json_equal
from fakeapi.storage.interfaces import Object

PRINTER_COLUMN_TYPES = ("boolean", "date", "integer", "number", "string")
PRINTER_COLUMN_FORMATS = ("byte", "date", "date-time", "double", "float", "int32", "int64", "password")
OPENAPI_V3_TYPES = ("array", "boolean", "integer", "number", "object", "string")
MAX_SELECTABLE_FIELDS = 8
_META_FIELDS = ("metadata", "kind", "apiVersion")
_SUPPORTED_VALIDATION_REASONS = (
    "FieldValueDuplicate",
    "FieldValueForbidden",
    "FieldValueInvalid",
    "FieldValueRequired",
)
_NEWLINES = re.compile(r"[\n\r]+")

# JSONSchemaProps fields (JSON name, Go name) in Go struct order, for the root-of-schema check.
_SCHEMA_FIELDS = (
    ("id", "ID"),
    ("$schema", "Schema"),
    ("$ref", "Ref"),
    ("description", "Description"),
    ("type", "Type"),
    ("format", "Format"),
    ("title", "Title"),
    ("default", "Default"),
    ("maximum", "Maximum"),
    ("exclusiveMaximum", "ExclusiveMaximum"),
    ("minimum", "Minimum"),
    ("exclusiveMinimum", "ExclusiveMinimum"),
    ("maxLength", "MaxLength"),
    ("minLength", "MinLength"),
    ("pattern", "Pattern"),
    ("maxItems", "MaxItems"),
    ("minItems", "MinItems"),
    ("uniqueItems", "UniqueItems"),
    ("multipleOf", "MultipleOf"),
    ("enum", "Enum"),
    ("maxProperties", "MaxProperties"),
    ("minProperties", "MinProperties"),
    ("required", "Required"),
    ("items", "Items"),
    ("allOf", "AllOf"),
    ("oneOf", "OneOf"),
    ("anyOf", "AnyOf"),
    ("not", "Not"),
    ("properties", "Properties"),
    ("additionalProperties", "AdditionalProperties"),
    ("patternProperties", "PatternProperties"),
    ("dependencies", "Dependencies"),
    ("additionalItems", "AdditionalItems"),
    ("definitions", "Definitions"),
    ("externalDocs", "ExternalDocs"),
    ("example", "Example"),
    ("nullable", "Nullable"),
    ("x-kubernetes-preserve-unknown-fields", "XPreserveUnknownFields"),
    ("x-kubernetes-embedded-resource", "XEmbeddedResource"),
    ("x-kubernetes-int-or-string", "XIntOrString"),
    ("x-kubernetes-list-map-keys", "XListMapKeys"),
    ("x-kubernetes-list-type", "XListType"),
    ("x-kubernetes-map-type", "XMapType"),
    ("x-kubernetes-validations", "XValidations"),
)
_ALLOWED_AT_ROOT = (
    "Description",
    "Type",
    "Format",
    "Title",
    "Maximum",
    "ExclusiveMaximum",
    "Minimum",
    "ExclusiveMinimum",
    "MaxLength",
    "MinLength",
    "Pattern",
    "MaxItems",
    "MinItems",
    "UniqueItems",
    "MultipleOf",
    "Required",
    "Items",
    "Properties",
    "ExternalDocs",
    "Example",
    "XPreserveUnknownFields",
    "XValidations",
)


def _strings_value(values: list[Any] | None) -> list[str] | None:
    """A []string as a bad value: a JSON list, null when empty (nil)."""
    return [str(v) for v in values] if values else None


def _versions_value(versions: list[dict[str, Any]]) -> Raw:
    """An abridged []CustomResourceDefinitionVersion as a bad value: JSON with Go's field names (internal
    types have no JSON tags), each version's scalar fields; upstream goes on with its schema,
    subresources, printer columns and selectable fields."""
    return marshalled(
        [
            {
                "Name": str(v.get("name", "")),
                "Served": bool(v.get("served")),
                "Storage": bool(v.get("storage")),
                "Deprecated": bool(v.get("deprecated")),
                "DeprecationWarning": v.get("deprecationWarning"),
            }
            for v in versions
        ]
    )


def _schema_value(schema: dict[str, Any]) -> Raw:
    """An abridged JSONSchemaProps as a bad value: JSON with Go's field names, the fields that are set (upstream
    writes every field of the internal type, zero ones included)."""
    return marshalled({go: schema[js] for js, go in _SCHEMA_FIELDS if js in schema})


def _is_zero(value: Any) -> bool:
    return value in (None, False, "", 0, [], {})


# -- the internal (collapsed) form ----------------------------------------------------------------


@dataclass
class _Internal:
    """The parts of v1 that conversion may move to the top level, as upstream validates them."""

    validation: dict[str, Any] | None
    subresources: dict[str, Any] | None
    columns: list[Any]
    selectable_fields: list[Any]
    per_version_schema: bool
    per_version_subresources: bool
    per_version_columns: bool
    per_version_selectable: bool


def _internal(versions: list[dict[str, Any]]) -> _Internal:
    def shared(name: str, empty: Any) -> tuple[Any, bool]:
        values = [v.get(name, empty) for v in versions]
        if values and all(json_equal(values[0], x) for x in values):
            return values[0], False
        return empty, True

    validation_, per_schema = shared("schema", None)
    subresources, per_subresources = shared("subresources", None)
    columns, per_columns = shared("additionalPrinterColumns", [])
    selectable, per_selectable = shared("selectableFields", [])
    return _Internal(
        validation_,
        subresources,
        columns or [],
        selectable or [],
        per_schema,
        per_subresources,
        per_columns,
        per_selectable,
    )


# -- entry points -----------------------------------------------------------------------------------


def validate_crd(crd: Object) -> list[FieldError]:
    """ValidateCustomResourceDefinition (the ObjectMeta checks are the generic Store's)."""
    errs = _name_errors(crd)
    errs += _validate_spec(helpers.spec_of(crd), "spec")
    errs += validate_status(crd)
    errs += _stored_versions(crd)
    errs += _api_approval(crd, None)
    errs += _preserve_unknown_fields(crd, None)
    return errs


def validate_crd_update(crd: Object, old: Object) -> list[FieldError]:
    """ValidateCustomResourceDefinitionUpdate."""
    spec, old_spec = helpers.spec_of(crd), helpers.spec_of(old)
    errs = _name_errors(crd)
    errs += _validate_spec(spec, "spec")
    if helpers.is_condition_true(old, helpers.ESTABLISHED):
        errs += _immutable(spec.get("scope"), old_spec.get("scope"), "spec.scope")
        errs += _immutable(
            (spec.get("names") or {}).get("kind"), (old_spec.get("names") or {}).get("kind"), "spec.names.kind"
        )
    errs += _immutable(spec.get("group"), old_spec.get("group"), "spec.group")
    errs += _immutable(
        (spec.get("names") or {}).get("plural"), (old_spec.get("names") or {}).get("plural"), "spec.names.plural"
    )
    errs += validate_status(crd)
    errs += _stored_versions(crd)
    errs += _api_approval(crd, old)
    errs += _preserve_unknown_fields(crd, old)
    return errs


def validate_status(crd: Object) -> list[FieldError]:
    """ValidateCustomResourceDefinitionStatus: the accepted names."""
    return validate_names(helpers.accepted_names_of(crd), "status.acceptedNames")


def _immutable(new: Any, old: Any, path: str) -> list[FieldError]:
    return [] if new == old else [fe.invalid(path, new, "field is immutable")]


def _name_errors(crd: Object) -> list[FieldError]:
    name = helpers.name_of(crd)
    spec = helpers.spec_of(crd)
    required = f"{(spec.get('names') or {}).get('plural', '')}.{spec.get('group', '')}"
    if name and name != required:
        return [fe.invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group')]
    return []


def _stored_versions(crd: Object) -> list[FieldError]:
    stored = list(helpers.status_of(crd).get("storedVersions") or [])
    path = "status.storedVersions"
    if not stored:
        return [fe.invalid(path, _strings_value(stored), "must have at least one stored version")]
    errs: list[FieldError] = []
    remaining = {v: i for i, v in enumerate(stored)}
    for version in helpers.versions_of(crd):
        name = version.get("name")
        if version.get("storage") and name not in remaining:
            errs.append(fe.invalid(path, _strings_value(stored), f"must have the storage version {name}"))
        remaining.pop(str(name), None)
    for v, i in remaining.items():
        errs.append(
            fe.invalid(
                index(path, i),
                v,
                f"missing from spec.versions; {v} was previously a storage version, and must remain in spec.versions "
                f"until a storage migration ensures no data remains persisted in {v} and removes {v} from "
                "status.storedVersions",
            )
        )
    return errs


def _api_approval(crd: Object, old: Object | None) -> list[FieldError]:
    if not helpers.is_protected_community_group(str(helpers.spec_of(crd).get("group") or "")):
        return []
    annotations = (crd.get("metadata") or {}).get("annotations") or {}
    state, reason = helpers.api_approval_state(annotations)
    if old is not None and helpers.api_approval_state((old.get("metadata") or {}).get("annotations"))[0] == state:
        return []
    path = key("metadata.annotations", helpers.API_APPROVED_ANNOTATION)
    if state == "Missing":
        return [fe.required(path, reason)]
    if state == "Invalid":
        return [fe.invalid(path, annotations.get(helpers.API_APPROVED_ANNOTATION, ""), reason)]
    return []


def _preserve_unknown_fields(crd: Object, old: Object | None) -> list[FieldError]:
    if old is not None and helpers.spec_of(old).get("preserveUnknownFields"):
        return []
    if helpers.spec_of(crd).get("preserveUnknownFields"):
        return [
            fe.invalid(
                "spec.preserveUnknownFields",
                True,
                "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
            )
        ]
    return []


# -- spec -------------------------------------------------------------------------------------------


def _has_status(subresources: Any) -> bool:
    return isinstance(subresources, dict) and subresources.get("status") is not None


def _validate_spec(spec: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    group = str(spec.get("group") or "")
    if not group:
        errs.append(fe.required(child(path, "group")))
    elif problems := validation.is_dns1123_subdomain(group):
        errs.append(fe.invalid(child(path, "group"), group, ",".join(problems)))
    elif len(group.split(".")) < 2:
        errs.append(fe.invalid(child(path, "group"), group, "should be a domain with at least one dot"))
    scope = str(spec.get("scope") or "")
    if not scope:
        errs.append(fe.required(child(path, "scope")))
    elif scope not in ("Cluster", "Namespaced"):
        errs.append(fe.not_supported(child(path, "scope"), scope, ["Cluster", "Namespaced"]))

    versions = [v for v in spec.get("versions") or [] if isinstance(v, dict)]
    internal = _internal(versions)
    top_schema = (internal.validation or {}).get("openAPIV3Schema") if isinstance(internal.validation, dict) else None
    if top_schema is None:
        for i, v in enumerate(versions):
            if not isinstance((v.get("schema") or {}).get("openAPIV3Schema"), dict):
                errs.append(
                    fe.required(
                        child(index(child(path, "versions"), i), "schema.openAPIV3Schema"), "schemas are required"
                    )
                )

    storage_count = 0
    seen: set[str] = set()
    unique = True
    for i, version in enumerate(versions):
        name = str(version.get("name") or "")
        vpath = index(child(path, "versions"), i)
        if version.get("storage"):
            storage_count += 1
        if name in seen:
            unique = False
        seen.add(name)
        if problems := validation.is_dns1035_label(name):
            errs.append(fe.invalid(child(vpath, "name"), name, ",".join(problems)))
        subresources = version.get("subresources") if internal.per_version_subresources else internal.subresources
        errs += _validate_version(version, vpath, _has_status(subresources), internal)

    if not unique:
        errs.append(fe.invalid(child(path, "versions"), _versions_value(versions), "must contain unique version names"))
    if storage_count != 1:
        errs.append(
            fe.invalid(
                child(path, "versions"),
                _versions_value(versions),
                "must have exactly one version marked as storage version",
            )
        )

    raw_names = spec.get("names")
    names: dict[str, Any] = raw_names if isinstance(raw_names, dict) else {}
    for name_field in ("plural", "singular", "kind", "listKind"):
        if not names.get(name_field):
            errs.append(fe.required(child(child(path, "names"), name_field)))
    errs += validate_names(names, child(path, "names"))

    any_status = _has_status(internal.subresources) or any(_has_status(v.get("subresources")) for v in versions)
    if not internal.per_version_schema:
        errs += _validate_validation(internal.validation, any_status, child(path, "validation"))
    if not internal.per_version_subresources:
        errs += _validate_subresources(internal.subresources, child(path, "subresources"))
    if not internal.per_version_columns:
        for i, column in enumerate(internal.columns):
            errs += _validate_column(column, index(child(path, "additionalPrinterColumns"), i))
    if not internal.per_version_selectable and internal.selectable_fields:
        errs += _validate_selectable_fields(internal.selectable_fields, top_schema, child(path, "selectableFields"))
    errs += _validate_conversion(spec.get("conversion"), child(path, "conversion"))
    return errs


def _validate_version(
    version: dict[str, Any], path: str, status_enabled: bool, internal: _Internal
) -> list[FieldError]:
    errs: list[FieldError] = []
    warning = version.get("deprecationWarning")
    if warning is not None:
        errs += [
            fe.invalid(child(path, "deprecationWarning"), warning, m) for m in _deprecation_errors(version, warning)
        ]
    if internal.per_version_schema:
        errs += _validate_validation(version.get("schema"), status_enabled, child(path, "schema"))
    if internal.per_version_subresources:
        errs += _validate_subresources(version.get("subresources"), child(path, "subresources"))
    if internal.per_version_columns:
        for i, column in enumerate(version.get("additionalPrinterColumns") or []):
            errs += _validate_column(column, index(child(path, "additionalPrinterColumns"), i))
    if internal.per_version_selectable and version.get("selectableFields"):
        schema = (version.get("schema") or {}).get("openAPIV3Schema")
        errs += _validate_selectable_fields(version["selectableFields"], schema, child(path, "selectableFields"))
    return errs


def _deprecation_errors(version: dict[str, Any], warning: Any) -> list[str]:
    if not version.get("deprecated"):
        return ["can only be set for deprecated versions"]
    text = str(warning)
    problems = []
    if len(text.encode()) > 256:
        problems.append("must be <= 256 characters long")
    if not text:
        problems.append("must not be an empty string")
    for i, ch in enumerate(text):
        if not ch.isprintable():
            problems.append(f"must only contain printable UTF-8 characters; non-printable character found at index {i}")
            break
    return problems


def validate_names(names: dict[str, Any], path: str) -> list[FieldError]:
    """ValidateCustomResourceDefinitionNames."""
    errs: list[FieldError] = []
    for name_field in ("plural", "singular"):
        value = str(names.get(name_field) or "")
        if value and (problems := validation.is_dns1035_label(value)):
            errs.append(fe.invalid(child(path, name_field), value, ",".join(problems)))
    for name_field in ("kind", "listKind"):
        value = str(names.get(name_field) or "")
        if value and (problems := validation.is_dns1035_label(value.lower())):
            errs.append(
                fe.invalid(
                    child(path, name_field),
                    value,
                    "may have mixed case, but should otherwise match: " + ",".join(problems),
                )
            )
    for i, short in enumerate(names.get("shortNames") or []):
        if problems := validation.is_dns1035_label(str(short)):
            errs.append(fe.invalid(index(child(path, "shortNames"), i), short, ",".join(problems)))
    if names.get("kind") and names.get("kind") == names.get("listKind"):
        errs.append(fe.invalid(child(path, "listKind"), names["listKind"], "kind and listKind may not be the same"))
    for i, category in enumerate(names.get("categories") or []):
        if problems := validation.is_dns1035_label(str(category)):
            errs.append(fe.invalid(index(child(path, "categories"), i), category, ",".join(problems)))
    return errs


def _validate_column(column: Any, path: str) -> list[FieldError]:
    if not isinstance(column, dict):
        return []
    errs: list[FieldError] = []
    types_text = ",".join(PRINTER_COLUMN_TYPES)
    if not column.get("name"):
        errs.append(fe.required(child(path, "name")))
    column_type = str(column.get("type") or "")
    if not column_type:
        errs.append(fe.required(child(path, "type"), f"must be one of {types_text}"))
    elif column_type not in PRINTER_COLUMN_TYPES:
        errs.append(fe.invalid(child(path, "type"), column_type, f"must be one of {types_text}"))
    column_format = str(column.get("format") or "")
    if column_format and column_format not in PRINTER_COLUMN_FORMATS:
        errs.append(
            fe.invalid(child(path, "format"), column_format, f"must be one of {','.join(PRINTER_COLUMN_FORMATS)}")
        )
    json_path = str(column.get("jsonPath") or "")
    if not json_path:
        errs.append(fe.required(child(path, "JSONPath")))
    else:
        errs += _simple_json_path(json_path, child(path, "JSONPath"))
    return errs


def _simple_json_path(text: str, path: str) -> list[FieldError]:
    if not text:
        return [fe.invalid(path, text, "must not be empty")]
    if text[0] != ".":
        return [fe.invalid(path, text, "must be a simple json path starting with .")]
    return []


def _validate_subresources(subresources: Any, path: str) -> list[FieldError]:
    if not isinstance(subresources, dict) or not isinstance(subresources.get("scale"), dict):
        return []
    scale = subresources["scale"]
    errs: list[FieldError] = []
    for name, prefixes, detail in (
        ("specReplicasPath", (".spec.",), "should be a json path under .spec"),
        ("statusReplicasPath", (".status.",), "should be a json path under .status"),
    ):
        value = str(scale.get(name) or "")
        scale_path = child(path, f"scale.{name}")
        if not value:
            errs.append(fe.required(scale_path))
        elif problems := _simple_json_path(value, scale_path):
            errs += problems
        elif not value.startswith(prefixes):
            errs.append(fe.invalid(scale_path, value, detail))
    selector = scale.get("labelSelectorPath")
    if selector:
        selector_path = child(path, "scale.labelSelectorPath")
        if problems := _simple_json_path(selector, selector_path):
            errs += problems
        elif not str(selector).startswith((".spec.", ".status.")):
            errs.append(fe.invalid(selector_path, selector, "should be a json path under either .spec or .status"))
    return errs


def _validate_selectable_fields(fields: list[Any], schema: Any, path: str) -> list[FieldError]:
    if not isinstance(schema, dict):
        return [
            fe.invalid(path, "", "selectableFields may only be set when version.schema.openAPIV3Schema is not included")
        ]
    try:
        structural = new_structural(schema)
    except StructuralError as exc:
        return [fe.invalid("schema.openAPIV3Schema", "", str(exc))]
    errs: list[FieldError] = []
    unique: list[str] = []
    for i, selectable in enumerate(fields):
        item_path = child(index(path, i), "jsonPath")
        json_path = str((selectable or {}).get("jsonPath") or "")
        if not json_path:
            errs.append(fe.required(item_path))
            continue
        found, problem = field_path_schema(json_path, structural)
        if problem:
            errs.append(fe.invalid(item_path, json_path, f"is an invalid path: {problem}"))
            continue
        if json_path.lstrip(".").split(".")[0] == "metadata":
            errs.append(fe.invalid(item_path, json_path, "must not point to fields in metadata"))
        if found is None or found.type not in ("string", "boolean", "integer"):
            errs.append(
                fe.invalid(
                    item_path,
                    json_path,
                    "must point to a field of type string, boolean or integer. Enum string fields and strings with formats "
                    "are allowed.",
                )
            )
        normalized = json_path.lstrip(".")
        if normalized in unique:
            errs.append(fe.duplicate(item_path, json_path))
        else:
            unique.append(normalized)
    if len(unique) > MAX_SELECTABLE_FIELDS:
        errs.append(fe.too_many(path, len(unique), MAX_SELECTABLE_FIELDS))
    return errs


def field_path_schema(json_path: str, schema: Structural | None) -> tuple[Structural | None, str]:
    """cel.ValidFieldPath without array notation: the schema a ``.a.b`` path names, or why it names none."""
    if not json_path.startswith("."):
        return None, "must start with '.'"
    current = schema
    for part in json_path[1:].split("."):
        if not part:
            return None, "empty path segment"
        if current is None:
            return None, "does not refer to a valid field"
        nxt = current.properties.get(part) or current.additional_properties_schema
        if nxt is None:
            return None, "does not refer to a valid field"
        current = nxt
    return current, ""


def _validate_conversion(conversion: Any, path: str) -> list[FieldError]:
    if not isinstance(conversion, dict):
        return []
    errs: list[FieldError] = []
    strategy = str(conversion.get("strategy") or "")
    if not strategy:
        errs.append(fe.required(child(path, "strategy")))
    elif strategy not in ("None", "Webhook"):
        errs.append(fe.not_supported(child(path, "strategy"), strategy, ["None", "Webhook"]))
    webhook = conversion.get("webhook")
    if strategy == "Webhook":
        config = (webhook or {}).get("clientConfig") if isinstance(webhook, dict) else None
        if not isinstance(config, dict):
            errs.append(fe.required(child(path, "webhookClientConfig"), "required when strategy is set to Webhook"))
        elif ("url" in config) == ("service" in config):
            errs.append(fe.required(child(path, "webhookClientConfig"), "exactly one of url or service is required"))
        review = list((webhook or {}).get("conversionReviewVersions") or [])
        review_path = child(path, "conversionReviewVersions")
        if not review:
            errs.append(fe.required(review_path))
        elif not {"v1", "v1beta1"} & set(review):
            errs.append(fe.invalid(review_path, _strings_value(review), "must include at least one of v1, v1beta1"))
    elif isinstance(webhook, dict):
        if webhook.get("clientConfig") is not None:
            errs.append(
                fe.forbidden(
                    child(path, "webhookClientConfig"), "should not be set when strategy is not set to Webhook"
                )
            )
        if webhook.get("conversionReviewVersions"):
            errs.append(
                fe.forbidden(
                    child(path, "conversionReviewVersions"), "should not be set when strategy is not set to Webhook"
                )
            )
    return errs


# -- the OpenAPI schema -------------------------------------------------------------------------------


def _validate_validation(holder: Any, status_enabled: bool, path: str) -> list[FieldError]:
    """validateCustomResourceDefinitionValidation."""
    if not isinstance(holder, dict):
        return []
    schema = holder.get("openAPIV3Schema")
    errs: list[FieldError] = []
    if not isinstance(schema, dict):
        return errs
    schema_path = child(path, "openAPIV3Schema")
    if status_enabled:
        for json_name, go_name in _SCHEMA_FIELDS:
            if json_name not in schema or _is_zero(schema[json_name]):
                continue
            if go_name == "Type":
                if schema["type"] != "object":
                    errs.append(
                        fe.invalid(
                            child(path, "openAPIV3Schema.type"),
                            schema["type"],
                            'only "object" is allowed as the type at the root of the schema if the status subresource is enabled',
                        )
                    )
                    break
                continue
            if go_name not in _ALLOWED_AT_ROOT:
                allowed = "[" + " ".join(_ALLOWED_AT_ROOT) + "]"
                errs.append(
                    fe.invalid(
                        schema_path,
                        _schema_value(schema),
                        f"only {allowed} fields are allowed at the root of the schema if the status subresource is enabled",
                    )
                )
                break
    if schema.get("nullable"):
        errs.append(fe.forbidden(child(path, "openAPIV3Schema.nullable"), "nullable cannot be true at the root"))
    init_errs: list[FieldError] = []
    structural: Structural | None = None
    try:
        structural = new_structural(schema)
    except StructuralError as exc:
        init_errs.append(fe.invalid(schema_path, "", str(exc)))
    else:
        assert structural is not None
        structural_errs = validate_structural(schema_path, schema)
        errs += structural_errs or validate_defaults(schema_path, structural)
    errs += _openapi_schema(schema, schema_path, _SpecValidator(), is_root=True)
    if not errs and init_errs:
        errs += init_errs
    if not errs and structural is not None and has_rules(structural):
        # Rules compile only in a schema free of other errors (as upstream): imports the CEL runtime.
        from fakeapi.apiextensions.cel_validation import schema_rule_errors

        errs += schema_rule_errors(structural, schema_path)
    return errs


@dataclass(frozen=True)
class _SpecValidator:
    """specStandardValidatorV3: what a node may hold, given where it is."""

    allow_defaults: bool = True
    disallow_defaults_reason: str = ""
    inside_resource_meta: bool = False

    def validate(self, schema: dict[str, Any], path: str) -> list[FieldError]:
        errs: list[FieldError] = []
        schema_type = schema.get("type")
        if schema_type and schema_type not in OPENAPI_V3_TYPES:
            errs.append(fe.not_supported(child(path, "type"), schema_type, list(OPENAPI_V3_TYPES)))
        if "default" in schema and not self.allow_defaults:
            detail = "must not be set" + (f" {self.disallow_defaults_reason}" if self.disallow_defaults_reason else "")
            errs.append(fe.forbidden(child(path, "default"), detail))
        for json_name, detail in (
            ("id", "id is not supported"),
            ("additionalItems", "additionalItems is not supported"),
            ("patternProperties", "patternProperties is not supported"),
            ("definitions", "definitions is not supported"),
            ("dependencies", "dependencies is not supported"),
            ("$ref", "$ref is not supported"),
        ):
            if schema.get(json_name) not in (None, "", {}, []):
                errs.append(fe.forbidden(child(path, json_name), detail))
        if schema_type == "null":
            errs.append(fe.forbidden(child(path, "type"), "type cannot be set to null, use nullable as an alternative"))
        if isinstance(schema.get("items"), list) and schema["items"]:
            errs.append(fe.forbidden(child(path, "items"), "items must be a schema object and not an array"))
        if self.inside_resource_meta and schema.get("x-kubernetes-embedded-resource"):
            errs.append(
                fe.forbidden(child(path, "x-kubernetes-embedded-resource"), "must not be used inside of resource meta")
            )
        return errs


def _openapi_schema(schema: Any, path: str, ssv: _SpecValidator, *, is_root: bool) -> list[FieldError]:
    """ValidateCustomResourceDefinitionOpenAPISchema (without the CEL compilation)."""
    if not isinstance(schema, dict):
        return []
    errs = ssv.validate(schema, path)
    if schema.get("uniqueItems"):
        errs.append(
            fe.forbidden(
                child(path, "uniqueItems"),
                "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
            )
        )
    properties: dict[str, Any] = schema.get("properties") or {}
    additional = schema.get("additionalProperties")
    if additional is not None:
        if properties and (additional is False or isinstance(additional, dict)):
            errs.append(
                fe.forbidden(
                    child(path, "additionalProperties"), "additionalProperties and properties are mutual exclusive"
                )
            )
        sub = ssv
        if ssv.inside_resource_meta:
            sub = replace(
                ssv,
                allow_defaults=False,
                disallow_defaults_reason="inside additionalProperties applying to object metadata",
            )
        errs += _openapi_schema(additional, child(path, "additionalProperties"), sub, is_root=False)
    for name, prop in properties.items():
        sub = ssv
        if (is_root or schema.get("x-kubernetes-embedded-resource")) and name in _META_FIELDS:
            sub = replace(sub, inside_resource_meta=True)
            if is_root:
                sub = replace(sub, allow_defaults=False, disallow_defaults_reason=f"in top-level {name}")
        errs += _openapi_schema(prop, key(child(path, "properties"), name), sub, is_root=False)
    errs += _openapi_schema(schema.get("not"), child(path, "not"), ssv, is_root=False)
    for junctor in ("allOf", "oneOf", "anyOf"):
        for i, sub_schema in enumerate(schema.get(junctor) or []):
            errs += _openapi_schema(sub_schema, index(child(path, junctor), i), ssv, is_root=False)
    for name, sub_schema in (schema.get("definitions") or {}).items():
        errs += _openapi_schema(sub_schema, key(child(path, "definitions"), name), ssv, is_root=False)
    items = schema.get("items")
    if isinstance(items, dict):
        errs += _openapi_schema(items, child(path, "items"), ssv, is_root=False)
    elif isinstance(items, list):
        for i, sub_schema in enumerate(items):
            errs += _openapi_schema(sub_schema, index(child(path, "items"), i), ssv, is_root=False)
    for name, dependency in (schema.get("dependencies") or {}).items():
        if isinstance(dependency, dict):
            errs += _openapi_schema(dependency, key(child(path, "dependencies"), name), ssv, is_root=False)
    errs += _extension_errors(schema, path)
    return errs


def _type_error(path: str, schema_type: str, detail: str) -> FieldError:
    """``type`` does not fit an extension: Required when it is unset, else Invalid."""
    type_path = child(path, "type")
    return fe.required(type_path, detail) if not schema_type else fe.invalid(type_path, schema_type, detail)


def _extension_errors(schema: dict[str, Any], path: str) -> list[FieldError]:
    errs: list[FieldError] = []
    schema_type = str(schema.get("type") or "")
    if schema.get("x-kubernetes-preserve-unknown-fields") is False:
        errs.append(fe.invalid(child(path, "x-kubernetes-preserve-unknown-fields"), False, "must be true or undefined"))
    map_type = schema.get("x-kubernetes-map-type")
    if map_type is not None and schema_type != "object":
        errs.append(_type_error(path, schema_type, "must be object if x-kubernetes-map-type is specified"))
    if map_type is not None and map_type not in ("atomic", "granular"):
        errs.append(fe.not_supported(child(path, "x-kubernetes-map-type"), map_type, ["atomic", "granular"]))
    list_type = schema.get("x-kubernetes-list-type")
    items = schema.get("items") if isinstance(schema.get("items"), dict) else None
    if list_type is not None and schema_type != "array":
        errs.append(_type_error(path, schema_type, "must be array if x-kubernetes-list-type is specified"))
    elif list_type == "set" and items is not None:
        item_type = items.get("type")
        if item_type == "array" and items.get("x-kubernetes-list-type") not in (None, "atomic"):
            errs.append(
                fe.invalid(
                    child(child(path, "items"), "x-kubernetes-list-type"),
                    items.get("x-kubernetes-list-type"),
                    "must be atomic as item of a list with x-kubernetes-list-type=set",
                )
            )
        if item_type == "object" and items.get("x-kubernetes-map-type") != "atomic":
            errs.append(
                fe.invalid(
                    child(child(path, "items"), "x-kubernetes-map-type"),
                    items.get("x-kubernetes-list-type") if items.get("x-kubernetes-list-type") is not None else "null",
                    "must be atomic as item of a list with x-kubernetes-list-type=set",
                )
            )
    if list_type is not None and list_type not in ("atomic", "set", "map"):
        errs.append(fe.not_supported(child(path, "x-kubernetes-list-type"), list_type, ["atomic", "set", "map"]))
    map_keys = list(schema.get("x-kubernetes-list-map-keys") or [])
    if map_keys:
        if list_type is None:
            errs.append(
                fe.required(
                    child(path, "x-kubernetes-list-type"), "must be map if x-kubernetes-list-map-keys is non-empty"
                )
            )
        elif list_type != "map":
            errs.append(
                fe.invalid(
                    child(path, "x-kubernetes-list-type"),
                    list_type,
                    "must be map if x-kubernetes-list-map-keys is non-empty",
                )
            )
    if list_type == "map":
        errs += _list_map_errors(schema, items, map_keys, path)
    errs += _map_list_keys_map_set(schema, items, list_type, map_keys, path)
    errs += _x_validations_errors(schema.get("x-kubernetes-validations"), path)
    return errs


def _list_map_errors(
    schema: dict[str, Any], items: dict[str, Any] | None, map_keys: list[str], path: str
) -> list[FieldError]:
    errs: list[FieldError] = []
    if not map_keys:
        errs.append(
            fe.required(child(path, "x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map")
        )
    if schema.get("items") is None:
        errs.append(fe.required(child(path, "items"), "must have a schema if x-kubernetes-list-type is map"))
    elif items is None:
        errs.append(
            fe.invalid(child(path, "items"), "", "must only have a single schema if x-kubernetes-list-type is map")
        )
    if items is not None and items.get("type") != "object":
        errs.append(
            fe.invalid(
                child(child(path, "items"), "type"),
                items.get("type", ""),
                "must be object if parent array's x-kubernetes-list-type is map",
            )
        )
    if items is not None and items.get("type") == "object":
        seen: set[str] = set()
        item_properties = items.get("properties") or {}
        for k in map_keys:
            if k in item_properties:
                if (item_properties[k] or {}).get("type") in ("array", "object"):
                    errs.append(
                        fe.invalid(
                            child(key(child(child(path, "items"), "properties"), k), "type"),
                            items.get("type"),
                            "must be a scalar type if parent array's x-kubernetes-list-type is map",
                        )
                    )
            else:
                errs.append(
                    fe.invalid(
                        child(path, "x-kubernetes-list-map-keys"),
                        _strings_value(map_keys),
                        "entries must all be names of item properties",
                    )
                )
            if k in seen:
                errs.append(
                    fe.invalid(
                        child(path, "x-kubernetes-list-map-keys"),
                        _strings_value(map_keys),
                        "must not contain duplicate entries",
                    )
                )
            seen.add(k)
    return errs


def _map_list_keys_map_set(
    schema: dict[str, Any], items: dict[str, Any] | None, list_type: Any, map_keys: list[str], path: str
) -> list[FieldError]:
    """validateMapListKeysMapSet."""
    if items is None or list_type not in ("set", "map"):
        return []
    errs: list[FieldError] = []
    if items.get("nullable"):
        errs.append(
            fe.forbidden(
                child(child(path, "items"), "nullable"),
                f"cannot be nullable when x-kubernetes-list-type is {list_type}",
            )
        )
    if list_type == "map":
        required = set(items.get("required") or [])
        item_properties = items.get("properties") or {}
        for k in map_keys:
            prop = item_properties.get(k)
            if not isinstance(prop, dict):
                continue
            prop_path = key(child(child(path, "items"), "properties"), k)
            if k not in required and "default" not in prop:
                errs.append(
                    fe.required(
                        child(prop_path, "default"),
                        "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property",
                    )
                )
            if prop.get("nullable"):
                errs.append(
                    fe.forbidden(
                        child(prop_path, "nullable"),
                        "this property is in x-kubernetes-list-map-keys, so it cannot be nullable",
                    )
                )
    return errs


def _x_validations_errors(rules: Any, path: str) -> list[FieldError]:
    """The shape checks of x-kubernetes-validations (the rules compile in cel_validation.py)."""
    errs: list[FieldError] = []
    for i, rule in enumerate(rules or []):
        if not isinstance(rule, dict):
            continue
        rule_path = index(child(path, "x-kubernetes-validations"), i)
        text = str(rule.get("rule") or "").strip()
        message = rule.get("message")
        trimmed_message = str(message or "").strip()
        if not text:
            errs.append(fe.required(child(rule_path, "rule"), "rule is not specified"))
        elif message and not trimmed_message:
            errs.append(fe.invalid(child(rule_path, "message"), message, "message must be non-empty if specified"))
        elif _NEWLINES.search(trimmed_message):
            errs.append(fe.invalid(child(rule_path, "message"), message, "message must not contain line breaks"))
        elif _NEWLINES.search(text) and not trimmed_message:
            errs.append(
                fe.required(child(rule_path, "message"), "message must be specified if rule contains line breaks")
            )
        expression = rule.get("messageExpression")
        if expression and not str(expression).strip():
            errs.append(
                fe.required(child(rule_path, "messageExpression"), "messageExpression must be non-empty if specified")
            )
        reason = rule.get("reason")
        if reason is not None and reason not in _SUPPORTED_VALIDATION_REASONS:
            errs.append(fe.not_supported(child(rule_path, "reason"), reason, list(_SUPPORTED_VALIDATION_REASONS)))
        field_path = rule.get("fieldPath")
        if field_path and not str(field_path).strip():
            errs.append(
                fe.invalid(child(rule_path, "fieldPath"), field_path, "fieldPath must be non-empty if specified")
            )
        if field_path and _NEWLINES.search(str(field_path)):
            errs.append(fe.invalid(child(rule_path, "fieldPath"), field_path, "fieldPath must not contain line breaks"))
    return errs
