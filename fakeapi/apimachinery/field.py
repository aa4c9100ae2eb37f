"""Field errors, as in k8s.io/apimachinery/pkg/util/validation/field/errors.go.

Validation returns a list of these instead of stopping at the first problem; an
``Invalid`` Status carries them all as causes.

A bad value is shown as ErrorBody shows it since Kubernetes 1.34: a string quoted (``%q``), a
number or bool as is, anything else as encoding/json.Marshal writes it (a map with its keys
sorted, a struct with its fields in declaration order: see ``marshalled``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from fakeapi.apimachinery.gofmt import go_json, go_quote


class ErrorType(Enum):
    """The error types of field.ErrorType: (cause reason, text shown in messages)."""

    NOT_FOUND = ("FieldValueNotFound", "Not found")
    REQUIRED = ("FieldValueRequired", "Required value")
    DUPLICATE = ("FieldValueDuplicate", "Duplicate value")
    INVALID = ("FieldValueInvalid", "Invalid value")
    NOT_SUPPORTED = ("FieldValueNotSupported", "Unsupported value")
    FORBIDDEN = ("FieldValueForbidden", "Forbidden")
    TOO_LONG = ("FieldValueTooLong", "Too long")
    TOO_MANY = ("FieldValueTooMany", "Too many")
    INTERNAL = ("InternalError", "Internal error")
    TYPE_INVALID = ("FieldValueTypeInvalid", "Invalid value")

    @property
    def reason(self) -> str:
        return self.value[0]

    @property
    def text(self) -> str:
        return self.value[1]


# Types whose message never shows the offending value (ErrorBody in errors.go).
_VALUE_OMITTED = {ErrorType.REQUIRED, ErrorType.FORBIDDEN, ErrorType.TOO_LONG, ErrorType.INTERNAL}
_OMIT = object()


class Raw(str):
    """A bad value shown as is, without quotes (one rendered already, such as ``marshalled``'s)."""


def marshalled(value: Any) -> Raw:
    """A bad value of a Go struct type: json.Marshal of it. ``value`` holds the struct's fields in its
    declaration order, under their JSON names (Go's own field names for an internal type, which has no
    JSON tags), zero values included where Go's field has no ``omitempty``."""
    return Raw(go_json(value))


def _render_value(value: Any) -> str:
    """Render a bad value the way Go's ErrorBody does (%q for strings, %v for scalars, JSON otherwise)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, str):
        return go_quote(value)
    return go_json(value, sort_keys=True)


@dataclass(frozen=True)
class FieldError:
    """One validation failure at a field path such as ``metadata.name`` or ``spec.containers[0].image``."""

    type: ErrorType
    field: str
    bad_value: Any = _OMIT
    detail: str = ""

    def body(self) -> str:
        """The message without the field path (field.Error.ErrorBody)."""
        if self.type in _VALUE_OMITTED or self.bad_value is _OMIT:
            text = self.type.text
        else:
            text = f"{self.type.text}: {_render_value(self.bad_value)}"
        if self.detail:
            text += f": {self.detail}"
        return text

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}" if self.field else self.body()

    def cause(self) -> dict[str, str]:
        """The StatusCause this error becomes inside an Invalid Status."""
        return {"reason": self.type.reason, "message": self.body(), "field": self.field}


def not_found(path: str, value: Any) -> FieldError:
    return FieldError(ErrorType.NOT_FOUND, path, value)


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(ErrorType.REQUIRED, path, detail=detail)


def duplicate(path: str, value: Any) -> FieldError:
    return FieldError(ErrorType.DUPLICATE, path, value)


def invalid(path: str, value: Any, detail: str = "") -> FieldError:
    return FieldError(ErrorType.INVALID, path, value, detail)


def not_supported(path: str, value: Any, supported: list[str]) -> FieldError:
    detail = "supported values: " + ", ".join(go_quote(str(s)) for s in supported) if supported else ""
    return FieldError(ErrorType.NOT_SUPPORTED, path, value, detail)


# apimachinery's FieldImmutableErrorMsg (ValidateImmutableField's detail).
IMMUTABLE_ERROR_MSG = "field is immutable"


def forbidden(path: str, detail: str) -> FieldError:
    return FieldError(ErrorType.FORBIDDEN, path, detail=detail)


def too_long(path: str, max_length: int) -> FieldError:
    return FieldError(ErrorType.TOO_LONG, path, detail=f"may not be more than {max_length} bytes")


def too_many(path: str, actual: int, max_items: int) -> FieldError:
    return FieldError(ErrorType.TOO_MANY, path, actual, f"must have at most {max_items} items")


def type_invalid(path: str, value: Any, detail: str) -> FieldError:
    return FieldError(ErrorType.TYPE_INVALID, path, value, detail)


def internal(path: str, detail: str) -> FieldError:
    return FieldError(ErrorType.INTERNAL, path, detail=detail)


def aggregate_message(errors: list[FieldError]) -> str:
    """utilerrors.NewAggregate(...).Error(): one error alone, several in brackets."""
    if len(errors) == 1:
        return str(errors[0])
    return "[" + ", ".join(str(e) for e in errors) + "]"
