"""Validation of custom resources against their OpenAPI v3 schema.

A port of the kube-openapi validator (pkg/validation/validate: schema.go, type.go,
schema_props.go, validator.go, slice_validator.go, object_validator.go, values.go and the
messages of pkg/validation/errors/schema.go) and of apiextensions-apiserver's
``kubeOpenAPIResultToFieldErrors`` (pkg/apiserver/validation/validation.go), which turns its
results into field errors: ``spec.size: Invalid value: 20: spec.size in body should be less
than or equal to 10``, ``spec.replicas: Invalid value: "string": spec.replicas in body must be
of type integer: "string"``, ``spec.color: Unsupported value: "pink": supported values:
"red", "blue"``, ``spec.name: Required value``.

As upstream, every validator of a schema node runs in a fixed order (type, allOf/anyOf/oneOf/not,
string, format, number, array, enum, object) and all failures are reported, not the first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from fakeapi.apiextensions.gofmt import field_value, go_list, go_number
from fakeapi.apiextensions.schema.formats import check_format, effective_format
from fakeapi.apimachinery import field as fe
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.jsonutil import json_equal
from fakeapi.util import regexp

IN = "body"

# Error codes (errors/schema.go); only those kubeOpenAPIResultToFieldErrors tells apart are named.
INVALID_TYPE = "InvalidType"
REQUIRED = "Required"
TOO_LONG = "TooLong"
ENUM = "Enum"
MAX_ITEMS = "MaxItems"
TOO_MANY_PROPERTIES = "TooManyProperties"
OTHER = "Other"
COMPOSITE = "Composite"  # errors.New(...): not a *Validation, so it has no field path


@dataclass
class OpenAPIError:
    """One errors.Validation (or, for COMPOSITE, a plain error) from the validator."""

    code: str
    name: str
    message: str
    value: Any = None
    values: list[Any] = field(default_factory=list)
    valid: int | None = None


def _invalid_type(name: str, type_name: str, value: Any) -> OpenAPIError:
    if isinstance(value, str):
        message = f"{name} in {IN} must be of type {type_name}: {_go_quote(value)}"
    else:
        message = f"{name} in {IN} must be of type {type_name}"
    return OpenAPIError(INVALID_TYPE, name, message, value)


def _go_quote(text: str) -> str:
    """Go's %q: a double-quoted string with Go escapes (close to JSON's for printable text)."""
    return json.dumps(text, ensure_ascii=False)


def _json_type(data: Any) -> tuple[str, str]:
    """schemaInfoForType: the JSON type and format of a decoded value."""
    if isinstance(data, bool):
        return "boolean", ""
    if isinstance(data, str):
        return "string", ""
    if isinstance(data, int):
        return "integer", "int64"
    if isinstance(data, float):
        return "number", "double"
    if isinstance(data, list):
        return "array", ""
    if isinstance(data, dict):
        return "object", ""
    return "", ""


def _is_number(data: Any) -> TypeGuard[int | float]:
    return isinstance(data, (int, float)) and not isinstance(data, bool)


def _types_of(schema: dict[str, Any]) -> list[str]:
    if schema.get("x-kubernetes-int-or-string"):
        return ["integer", "string"]
    schema_type = schema.get("type")
    return [schema_type] if isinstance(schema_type, str) and schema_type else []


class SchemaValidator:
    """validate.SchemaValidator over one JSONSchemaProps (as JSON)."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self.types = _types_of(schema)
        schema_type = self.types[0] if len(self.types) == 1 else ""
        self.format = effective_format(schema_type, str(schema.get("format") or ""))

    def validate(self, data: Any, path: str = "") -> list[OpenAPIError]:
        errs: list[OpenAPIError] = []
        if data is None:
            errs += self._type(data, path)
            errs += self._enum(data, path)
            return errs
        if self.types or self.format:
            errs += self._type(data, path)
        errs += self._junctors(data, path)
        if isinstance(data, str):
            errs += self._string(data, path)
            if self.format and not check_format(self.format, data):
                errs.append(_invalid_type(path, self.format, data))
        if _is_number(data):
            errs += self._number(data, path)
        if isinstance(data, list):
            errs += self._slice(data, path)
        errs += self._enum(data, path)
        if isinstance(data, dict):
            errs += self._object(data, path)
        return errs

    # -- type.go ------------------------------------------------------------------------------

    def _type(self, data: Any, path: str) -> list[OpenAPIError]:
        types = self.types
        if data is None:
            if types and "null" not in types and not self.schema.get("nullable"):
                return [_invalid_type(path, ",".join(types), "null")]
            return []
        schema_type, data_format = _json_type(data)
        is_float_int = schema_type == "number" and float(data).is_integer() and "integer" in types
        is_int_float = schema_type == "integer" and "number" in types
        if (
            not isinstance(data, (str, list))
            and self.format
            and not (schema_type in types or data_format == self.format or is_float_int or is_int_float)
        ):
            return [_invalid_type(path, self.format, data_format)]
        if not ("number" in types or "integer" in types) and self.format and isinstance(data, (str, list)):
            return []
        if not (schema_type in types or is_float_int or is_int_float):
            return [_invalid_type(path, ",".join(types), schema_type)]
        return []

    # -- schema_props.go ----------------------------------------------------------------------

    def _junctors(self, data: Any, path: str) -> list[OpenAPIError]:
        errs: list[OpenAPIError] = []
        any_of = [s for s in self.schema.get("anyOf") or [] if isinstance(s, dict)]
        if any_of:
            results = [SchemaValidator(s).validate(data, path) for s in any_of]
            if not any(not r for r in results):
                errs.append(_composite(f"{_go_quote(path)} must validate at least one schema (anyOf)"))
                errs += _fewest(results)
        one_of = [s for s in self.schema.get("oneOf") or [] if isinstance(s, dict)]
        if one_of:
            results = [SchemaValidator(s).validate(data, path) for s in one_of]
            valid = sum(1 for r in results if not r)
            if valid != 1:
                detail = "Found none valid" if valid == 0 else f"Found {valid} valid alternatives"
                errs.append(_composite(f"{_go_quote(path)} must validate one and only one schema (oneOf). {detail}"))
                if valid == 0:
                    errs += _fewest(results)
        all_of = [s for s in self.schema.get("allOf") or [] if isinstance(s, dict)]
        if all_of:
            valid = 0
            for sub in all_of:
                result = SchemaValidator(sub).validate(data, path)
                valid += not result
                errs += result
            if valid != len(all_of):
                detail = ". None validated" if valid == 0 else ""
                errs.append(_composite(f"{_go_quote(path)} must validate all the schemas (allOf){detail}"))
        not_schema = self.schema.get("not")
        if isinstance(not_schema, dict) and not SchemaValidator(not_schema).validate(data, path):
            errs.append(_composite(f"{_go_quote(path)} must not validate the schema (not)"))
        return errs

    # -- validator.go: strings, numbers, enum ----------------------------------------------------

    def _string(self, data: str, path: str) -> list[OpenAPIError]:
        max_length = self.schema.get("maxLength")
        if isinstance(max_length, int) and len(data) > max_length:
            message = f"{path} in {IN} should be at most {max_length} chars long"
            return [OpenAPIError(TOO_LONG, path, message, data, valid=max_length)]
        min_length = self.schema.get("minLength")
        if isinstance(min_length, int) and len(data) < min_length:
            return [OpenAPIError(OTHER, path, f"{path} in {IN} should be at least {min_length} chars long", data)]
        pattern = self.schema.get("pattern")
        if isinstance(pattern, str) and pattern:
            try:
                matched = regexp.compile(pattern)(data)
            except regexp.RegexpError as exc:
                message = f"{path} in {IN} should match '{pattern}, but pattern is invalid: {exc}'"
                return [OpenAPIError(OTHER, path, message, data)]
            if not matched:
                return [OpenAPIError(OTHER, path, f"{path} in {IN} should match '{pattern}'", data)]
        return []

    def _number(self, data: int | float, path: str) -> list[OpenAPIError]:
        errs: list[OpenAPIError] = []
        multiple_of = self.schema.get("multipleOf")
        if _is_number(multiple_of):
            errs += _multiple_of(path, data, multiple_of)
        minimum = self.schema.get("minimum")
        if _is_number(minimum):
            exclusive = bool(self.schema.get("exclusiveMinimum"))
            bound = int(minimum) if isinstance(data, int) else float(minimum)
            if (data <= bound) if exclusive else (data < bound):
                word = "greater than" if exclusive else "greater than or equal to"
                errs.append(OpenAPIError(OTHER, path, f"{path} in {IN} should be {word} {go_number(bound)}", data))
        maximum = self.schema.get("maximum")
        if _is_number(maximum):
            exclusive = bool(self.schema.get("exclusiveMaximum"))
            bound = int(maximum) if isinstance(data, int) else float(maximum)
            if (data >= bound) if exclusive else (data > bound):
                word = "less than" if exclusive else "less than or equal to"
                errs.append(OpenAPIError(OTHER, path, f"{path} in {IN} should be {word} {go_number(bound)}", data))
        return errs

    def _enum(self, data: Any, path: str) -> list[OpenAPIError]:
        enum = self.schema.get("enum")
        if not isinstance(enum, list) or not enum:
            return []
        if any(_enum_equal(data, e) for e in enum):
            return []
        return [OpenAPIError(ENUM, path, f"{path} in {IN} should be one of {go_list(enum)}", data, list(enum))]

    # -- slice_validator.go -------------------------------------------------------------------------

    def _slice(self, data: list[Any], path: str) -> list[OpenAPIError]:
        errs: list[OpenAPIError] = []
        items = self.schema.get("items")
        if isinstance(items, dict):
            item_validator = SchemaValidator(items)
            for i, item in enumerate(data):
                errs += item_validator.validate(item, f"{path}[{i}]")
        size = len(data)
        min_items = self.schema.get("minItems")
        if isinstance(min_items, int) and size < min_items:
            errs.append(OpenAPIError(OTHER, path, f"{path} in {IN} should have at least {min_items} items", size))
        max_items = self.schema.get("maxItems")
        if isinstance(max_items, int) and size > max_items:
            message = f"{path} in {IN} should have at most {max_items} items"
            errs.append(OpenAPIError(MAX_ITEMS, path, message, size, valid=max_items))
        if self.schema.get("uniqueItems"):
            for i, item in enumerate(data):
                if any(json_equal(item, other) for other in data[:i]):
                    errs.append(OpenAPIError(OTHER, path, f"{path} in {IN} shouldn't contain duplicates"))
                    break
        return errs

    # -- object_validator.go ------------------------------------------------------------------------

    def _object(self, data: dict[str, Any], path: str) -> list[OpenAPIError]:
        size = len(data)
        min_properties = self.schema.get("minProperties")
        if isinstance(min_properties, int) and size < min_properties:
            message = f"{path} in {IN} should have at least {min_properties} properties"
            return [OpenAPIError(OTHER, path, message, size)]
        max_properties = self.schema.get("maxProperties")
        if isinstance(max_properties, int) and size > max_properties:
            message = f"{path} in {IN} should have at most {max_properties} properties"
            return [OpenAPIError(TOO_MANY_PROPERTIES, path, message, size, valid=max_properties)]
        errs: list[OpenAPIError] = []
        properties: dict[str, Any] = self.schema.get("properties") or {}
        additional = self.schema.get("additionalProperties")
        if additional is False:
            for name in data:
                if name not in properties:
                    errs.append(OpenAPIError(OTHER, path, f"{path}.{name} in {IN} is a forbidden property", name))
        elif isinstance(additional, dict):
            additional_validator = SchemaValidator(additional)
            for name, value in data.items():
                if name not in properties:
                    errs += additional_validator.validate(value, f"{path}.{name}")
        for name, prop in properties.items():
            if name in data and isinstance(prop, dict):
                errs += SchemaValidator(prop).validate(data[name], f"{path}.{name}" if path else name)
        for name in self.schema.get("required") or []:
            if name not in data:
                errs.append(OpenAPIError(REQUIRED, f"{path}.{name}", f"{path}.{name} in {IN} is required"))
        return errs


def _fewest(results: list[list[OpenAPIError]]) -> list[OpenAPIError]:
    """The failures of the alternative that came closest (kube-openapi picks the best match count)."""
    return sorted(results, key=len)[0]


def _composite(message: str) -> OpenAPIError:
    return OpenAPIError(COMPOSITE, "", message)


def _multiple_of(path: str, data: int | float, factor: int | float) -> list[OpenAPIError]:
    if factor < 0:
        message = f"factor MultipleOf declared for {path} must be positive: {go_number(factor)}"
        return [OpenAPIError(OTHER, path, message, factor)]
    if isinstance(data, int) and float(factor).is_integer() and factor:
        if data % int(factor):
            return [OpenAPIError(OTHER, path, f"{path} in {IN} should be a multiple of {int(factor)}", data)]
        return []
    if factor == 0:
        return []
    quotient = (1 / factor * data) if factor < 1 else (data / factor)
    if not float(quotient).is_integer():
        return [OpenAPIError(OTHER, path, f"{path} in {IN} should be a multiple of {go_number(float(factor))}", data)]
    return []


def _enum_equal(data: Any, candidate: Any) -> bool:
    """basicCommonValidator: equal after converting the value to the enum member's Go type."""
    if _is_number(data) and _is_number(candidate):
        return int(data) == candidate if isinstance(candidate, int) else float(data) == candidate
    return json_equal(data, candidate)


def to_field_errors(results: list[OpenAPIError], base_path: str | None = None) -> list[FieldError]:
    """kubeOpenAPIResultToFieldErrors: each result as the field error upstream reports.

    ``base_path`` prefixes the paths (the default of a schema is validated under ``...default``);
    None stands for upstream's nil path, which prints as ``<nil>`` when nothing else names the field.
    """
    errs: list[FieldError] = []
    for result in results:
        if result.code == COMPOSITE:
            errs.append(fe.invalid(base_path if base_path is not None else "<nil>", "", result.message))
            continue
        name = result.name
        if name and name != ".":
            relative = name.removeprefix(".")
            path = f"{base_path}.{relative}" if base_path else relative
        else:
            path = base_path if base_path is not None else "<nil>"
        value = "" if result.value is None else result.value
        if result.code == REQUIRED:
            errs.append(fe.required(path))
        elif result.code == ENUM:
            supported = [v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for v in result.values]
            errs.append(fe.not_supported(path, field_value(result.value), supported))
        elif result.code == TOO_LONG:
            errs.append(fe.too_long(path, result.valid if result.valid is not None else -1))
        elif result.code in (MAX_ITEMS, TOO_MANY_PROPERTIES):
            errs.append(fe.too_many(path, int(value), result.valid if result.valid is not None else -1))
        elif result.code == INVALID_TYPE:
            errs.append(fe.type_invalid(path, field_value(value), result.message))
        else:
            errs.append(fe.invalid(path, field_value(value), result.message))
    return errs


def validate_custom_resource(schema: dict[str, Any] | None, obj: Any, base_path: str | None = None) -> list[FieldError]:
    """ValidateCustomResource: every schema violation of ``obj``, as field errors."""
    if schema is None:
        return []
    return to_field_errors(SchemaValidator(schema).validate(obj), base_path)
