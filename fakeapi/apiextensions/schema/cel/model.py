"""The CEL type and value of a structural schema node.

Mirrors apiextensions-apiserver/pkg/apiserver/schema/cel/model/schemas.go and
apiserver/pkg/cel/common/{schemas,values}.go: which CEL type ``self`` has at a node, how a
JSON value is seen from CEL (escaped property names, timestamps, durations, bytes, doubles),
and the size estimates the cost estimator multiplies by when a schema sets no
``maxLength``/``maxItems``/``maxProperties``.

Objects with properties are ``map(string, dyn)`` here, where upstream declares an object type
with one typed field per property: a property that does not exist is refused at compile time
by ``compilation.py`` walking the checked tree (``undefined field 'x'``, as cel-go's checker
says), but a property's own type is only checked when the expression runs.
"""

from __future__ import annotations

import base64
import datetime
import re
from typing import Any

from fakeapi.apiextensions.schema.structural import Structural
from fakeapi.cel.environment.base import MAX_REQUEST_SIZE_BYTES
from fakeapi.cel.escaping import escape


def is_object_with_fields(s: Structural) -> bool:
    return s.type == "object" and (bool(s.properties) or s.embedded_resource)


def is_dynamic(s: Structural) -> bool:
    """int-or-string, or an object of unknown fields with no declared ones: typed ``dyn``."""
    return (
        s.int_or_string
        or (s.preserve_unknown_fields and not s.properties and s.additional_properties_schema is None)
        or not s.type
    )


def signature(s: Structural) -> str:
    """The CEL type of ``self`` at ``s`` (SchemaDeclType)."""
    if is_dynamic(s):
        return "dyn"
    if s.type == "array":
        return f"list({signature(s.items)})" if s.items is not None else "list(dyn)"
    if s.type == "object":
        if s.additional_properties_schema is not None and not s.properties:
            return f"map(string, {signature(s.additional_properties_schema)})"
        return "map(string, dyn)"
    if s.type == "string":
        return {"byte": "bytes", "date-time": "google.protobuf.Timestamp", "duration": "google.protobuf.Duration"}.get(
            str(s.raw.get("format") or ""), "string"
        )
    return {"boolean": "bool", "integer": "int", "number": "double"}.get(s.type, "dyn")


def list_type_shape(s: Structural) -> dict[str, Any] | None:
    """What of ``s`` leads to lists of ``x-kubernetes-list-type`` set or map, as library/listtypes.py's
    shape (by the names CEL sees); None when nothing does."""
    if is_dynamic(s):
        return None
    if s.type == "array":
        if s.list_type == "set":
            return {"set": True}
        items = list_type_shape(s.items) if s.items is not None else None
        shape: dict[str, Any] = {"items": items} if items else {}
        if s.list_type == "map":
            shape["map"] = [escape(k) or k for k in s.list_map_keys]
        return shape or None
    if s.type != "object":
        return None
    properties = {}
    for name, prop in s.properties.items():
        escaped, prop_shape = escape(name), list_type_shape(prop)
        if escaped is not None and prop_shape:
            properties[escaped] = prop_shape
    additional = list_type_shape(s.additional_properties_schema) if s.additional_properties_schema else None
    shape = {"properties": properties} if properties else {}
    if additional:
        shape["additional"] = additional
    return shape or None


# -- values ---------------------------------------------------------------------------------------


def _needs_conversion(s: Structural) -> bool:
    if s.type == "number" or (s.type == "string" and s.raw.get("format") in ("byte", "date-time", "duration")):
        return True
    if any(escape(name) != name for name in s.properties):
        return True
    children = [*s.properties.values(), s.items, s.additional_properties_schema]
    return any(c is not None and _needs_conversion(c) for c in children)


class ValueConverter:
    """UnstructuredToVal for one CRD version's schema: JSON values as CEL sees them.

    Most schemas need no conversion at all (no escaped names, numbers or special string
    formats below a node), and their values pass through untouched; which do is worked out once
    per node (kept by identity: the converter lives as long as the schema it serves).
    """

    def __init__(self) -> None:
        self._needs: dict[int, bool] = {}

    def _needs_conversion(self, s: Structural) -> bool:
        needed = self._needs.get(id(s))
        if needed is None:
            needed = self._needs[id(s)] = _needs_conversion(s)
        return needed

    def to_cel(self, value: Any, s: Structural | None) -> Any:
        """The value CEL sees for JSON ``value`` under schema ``s``."""
        if s is None or value is None or not self._needs_conversion(s):
            return value
        if isinstance(value, dict):
            if s.additional_properties_schema is not None and not s.properties:
                return {k: self.to_cel(v, s.additional_properties_schema) for k, v in value.items()}
            out: dict[str, Any] = {}
            for k, v in value.items():
                prop = s.properties.get(k)
                if prop is None:
                    out[k] = self.to_cel(v, s.additional_properties_schema)
                    continue
                escaped = escape(k)
                if escaped is not None:
                    out[escaped] = self.to_cel(v, prop)
            return out
        if isinstance(value, list):
            return [self.to_cel(v, s.items) for v in value]
        if s.type == "number" and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str) and s.type == "string":
            return _string_value(value, str(s.raw.get("format") or ""))
        return value


def _string_value(text: str, fmt: str) -> Any:
    try:
        if fmt == "date-time":
            return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if fmt == "duration":
            return parse_go_duration(text)
        if fmt == "byte":
            return base64.b64decode(text)
    except ValueError:
        return text
    return text


_DURATION_PART = re.compile(r"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_go_duration(text: str) -> datetime.timedelta:
    """time.ParseDuration (``1h30m``, ``-1.5s``)."""
    sign, body = (-1, text[1:]) if text.startswith("-") else (1, text.lstrip("+"))
    if body == "0":
        return datetime.timedelta(0)
    parts = _DURATION_PART.findall(body)
    if not parts or "".join(n + u for n, u in parts) != body:
        raise ValueError(f"time: invalid duration {text!r}")
    return sign * datetime.timedelta(seconds=sum(float(n) * _UNIT_SECONDS[u] for n, u in parts))


# -- size estimates (common/schemas.go) ------------------------------------------------------------


def min_serialized_size(s: Structural | None) -> int:
    """estimateMinSizeJSON: the fewest bytes a value of this schema takes in JSON."""
    if s is None or is_dynamic(s):
        return 1
    if s.type == "string":
        return 2 + int(s.raw.get("minLength") or 0)
    if s.type == "boolean":
        return 4
    if s.type in ("integer", "number"):
        return 1
    return 2  # "[]" or "{}"


def max_elements(s: Structural | None) -> int:
    """The most elements (characters, items, properties) a value of this schema can hold in one request."""
    if s is None:
        return MAX_REQUEST_SIZE_BYTES
    if s.type == "string":
        if s.raw.get("maxLength") is not None:
            return int(s.raw["maxLength"])
        return MAX_REQUEST_SIZE_BYTES - 2
    if s.type == "array":
        if s.raw.get("maxItems") is not None:
            return int(s.raw["maxItems"])
        return (MAX_REQUEST_SIZE_BYTES - 2) // (min_serialized_size(s.items) + 1)
    if s.type == "object":
        if s.raw.get("maxProperties") is not None:
            return int(s.raw["maxProperties"])
        if s.additional_properties_schema is not None:
            return (MAX_REQUEST_SIZE_BYTES - 2) // (min_serialized_size(s.additional_properties_schema) + 4)
        return len(s.properties)
    return 1
