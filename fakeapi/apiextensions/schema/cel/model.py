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

Strings of format ``date-time``, ``date`` and ``duration`` are parsed as kube-openapi's strfmt
parses them into google.protobuf.Timestamp and Duration messages, which the binding takes at
any depth. One that does not parse stays a string, where upstream's value is an error
(``Invalid date-time formatted string ...``) that a rule reading it fails with.
"""

from __future__ import annotations

import base64
import datetime
import functools
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


_STRING_FORMAT_TYPES = {
    "byte": "bytes",
    "date": "google.protobuf.Timestamp",
    "date-time": "google.protobuf.Timestamp",
    "duration": "google.protobuf.Duration",
}


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
        return _STRING_FORMAT_TYPES.get(str(s.raw.get("format") or ""), "string")
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
    if s.type == "number" or (s.type == "string" and s.raw.get("format") in _STRING_FORMAT_TYPES):
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
    """A string of format ``fmt`` as CEL sees it; the text itself when it does not parse."""
    if fmt == "byte":
        try:
            return base64.b64decode(text)
        except ValueError:
            return text
    if fmt in ("date-time", "date", "duration"):
        # Only short texts are kept (timestamps and durations are, but for absurd ones).
        return _time_value(text, fmt) if len(text) <= 64 else _time_value.__wrapped__(text, fmt)
    return text


@functools.lru_cache(maxsize=4096)
def _time_value(text: str, fmt: str) -> Any:
    """A timestamp or duration, as its protobuf message; the text itself when it does not parse.

    The binding takes messages (as CEL timestamps and durations) at any depth of a list or map,
    where it refuses datetime and timedelta values. Values are kept, by text (an object's are
    converted again on each update, and for each node with rules above them), and so must
    never be changed.
    """
    try:
        if fmt == "date-time":
            return parse_date_time(text)
        if fmt == "date":
            return parse_date(text)
        return parse_duration(text)
    except ValueError:
        return text


def _timestamp(seconds: int, nanos: int) -> Any:
    from google.protobuf import timestamp_pb2

    return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)


def _duration(nanoseconds: int) -> Any:
    from google.protobuf import duration_pb2

    # Seconds and nanos of a duration share its sign.
    seconds = abs(nanoseconds) // _NANOS_PER_SECOND
    nanos = abs(nanoseconds) % _NANOS_PER_SECOND
    sign = -1 if nanoseconds < 0 else 1
    return duration_pb2.Duration(seconds=sign * seconds, nanos=sign * nanos)


_NANOS_PER_SECOND = 1_000_000_000
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()

# What strfmt.ParseDateTime (kube-openapi's) accepts: Go's time.Parse with the layouts
# 2006-01-02T15:04:05.000000Z07:00, ...05.000Z07:00, time.RFC3339, time.RFC3339Nano and (in
# UTC) 2006-01-02T15:04:05. Parsing, Go takes a fraction of any length after the seconds,
# by "." or ",", whatever the layout (beyond nanoseconds, digits are dropped); the zone is "Z"
# or an offset, and an hour may have one digit.
_DATE_TIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{1,2}):([0-9]{2}):([0-9]{2})(?:[.,]([0-9]+))?(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def _epoch_seconds(year: int, month: int, day: int) -> int:
    """Seconds from the epoch to the day's midnight UTC; ValueError for a day that does not exist."""
    return (datetime.date(year, month, day).toordinal() - _EPOCH_ORDINAL) * 86400


def parse_date_time(text: str) -> Any:
    """strfmt.ParseDateTime, as a google.protobuf.Timestamp."""
    match = _DATE_TIME.fullmatch(text)
    if match is None:
        raise ValueError(f"invalid date-time {text!r}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"invalid date-time {text!r}")
    fraction, zone = match.group(7) or "", match.group(8) or "Z"
    offset = 0
    if zone != "Z":
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 24 or zone_minutes > 60:
            raise ValueError(f"invalid date-time {text!r}")
        offset = (zone_hours * 60 + zone_minutes) * 60 * (-1 if zone[0] == "-" else 1)
    seconds = _epoch_seconds(year, month, day) + hour * 3600 + minute * 60 + second - offset
    return _timestamp(seconds, int(fraction[:9].ljust(9, "0")))


def parse_date(text: str) -> Any:
    """A ``date`` (time.Parse with strfmt.RFC3339FullDate, 2006-01-02), as a google.protobuf.Timestamp."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", text)
    if match is None:
        raise ValueError(f"invalid date {text!r}")
    return _timestamp(_epoch_seconds(*(int(g) for g in match.groups())), 0)


_GO_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")
_UNIT_NANOS = {
    "ns": 1,
    "us": 1_000,
    "\u00b5s": 1_000,
    "\u03bcs": 1_000,
    "ms": 1_000_000,
    "s": _NANOS_PER_SECOND,
    "m": 60 * _NANOS_PER_SECOND,
    "h": 3600 * _NANOS_PER_SECOND,
}
_MAX_GO_DURATION = (1 << 63) - 1


def parse_go_duration_nanos(text: str) -> int:
    """time.ParseDuration (``1h30m``, ``-1.5s``), in nanoseconds."""
    sign, body = (-1, text[1:]) if text[:1] == "-" else (1, text[1:] if text[:1] == "+" else text)
    if body == "0":
        return 0
    if not body:
        raise ValueError(f"time: invalid duration {text!r}")
    total, position = 0, 0
    while position < len(body):
        part = _GO_DURATION_PART.match(body, position)
        if part is None or not (part.group(1) or part.group(2)):
            raise ValueError(f"time: invalid duration {text!r}")
        whole, fraction, unit = part.group(1) or "0", part.group(2) or "", _UNIT_NANOS[part.group(3)]
        # As Go: the fraction scaled by the unit, truncated to whole nanoseconds.
        total += int(whole) * unit + (int(fraction) * unit // 10 ** len(fraction) if fraction else 0)
        if total > _MAX_GO_DURATION + (sign < 0):
            raise ValueError(f"time: invalid duration {text!r}")
        position = part.end()
    return sign * total


# strfmt.ParseDuration's fallback: "<n> <unit>" terms, units by name (scala's duration syntax).
_WORDS_VALID = re.compile(r"[\t\n\f\r ]*(?:[0-9]+[\t\n\f\r ]*[A-Za-z\u00b5]+[\t\n\f\r ]*)+")
_WORDS_TERM = re.compile(r"([0-9]+)[\t\n\f\r ]*([A-Za-z\u00b5]+)")
_WORD_UNITS = (
    (("ns", "nano"), 1),
    (("us", "\u00b5s", "micro"), 1_000),
    (("ms", "milli"), 1_000_000),
    (("s", "sec"), _NANOS_PER_SECOND),
    (("m", "min"), 60 * _NANOS_PER_SECOND),
    (("h", "hr", "hour"), 3600 * _NANOS_PER_SECOND),
    (("d", "day"), 86400 * _NANOS_PER_SECOND),
    (("w", "wk", "week"), 7 * 86400 * _NANOS_PER_SECOND),
)


def parse_duration_nanos(text: str) -> int:
    """strfmt.ParseDuration, in nanoseconds: a Go duration, else terms such as ``3 days 4 hours``."""
    try:
        return parse_go_duration_nanos(text)
    except ValueError:
        pass
    if not _WORDS_VALID.fullmatch(text):
        raise ValueError(f"unable to parse {text} as duration")
    total, matched = 0, False
    for factor, word in _WORDS_TERM.findall(text):
        unit = word.lower()
        for variants, nanos in _WORD_UNITS:
            for i, variant in enumerate(variants):
                # The last spelling of a unit may begin a longer word ("hours", "seconds").
                if (i == len(variants) - 1 and unit.startswith(variant)) or variant == unit:
                    matched = True
                    total += int(factor) * nanos
    if not matched:
        raise ValueError(f"unable to parse {text} as duration")
    # time.Duration is an int64 of nanoseconds: Go's sum wraps around.
    return (total + (1 << 63)) % (1 << 64) - (1 << 63)


def parse_duration(text: str) -> Any:
    """strfmt.ParseDuration, as a google.protobuf.Duration."""
    return _duration(parse_duration_nanos(text))


# -- size estimates (common/schemas.go) ------------------------------------------------------------


# apiserver/pkg/cel/limits.go: the sizes of dates, date-times and durations in JSON.
MAX_DURATION_SIZE_JSON = 32
MAX_DATETIME_SIZE_JSON = 32
MIN_DURATION_SIZE_JSON = 3
JSON_DATE_SIZE = 12
MIN_DATETIME_SIZE_JSON = 21
_MIN_FORMAT_SIZES = {"duration": MIN_DURATION_SIZE_JSON, "date": JSON_DATE_SIZE, "date-time": MIN_DATETIME_SIZE_JSON}
_MAX_FORMAT_SIZES = {"duration": MAX_DURATION_SIZE_JSON, "date": JSON_DATE_SIZE, "date-time": MAX_DATETIME_SIZE_JSON}


def _has_decl_type(s: Structural) -> bool:
    """Whether SchemaDeclType gives values of ``s`` a CEL type: not a property of no type, nor a list or
    map of such values (CEL does not see those fields, and they add nothing to an object's size)."""
    if s.int_or_string:
        return True
    if s.type == "array":
        return s.items is not None and _has_decl_type(s.items)
    if s.type == "object" and s.additional_properties_schema is not None:
        return _has_decl_type(s.additional_properties_schema)
    return s.type in ("object", "string", "boolean", "number", "integer")


def min_serialized_size(s: Structural | None) -> int:
    """The fewest bytes a value of this schema takes in JSON (its DeclType's MinSerializedSize).

    An object takes ``{}`` and, for each required property without a default, its name, its
    smallest value and 4 more bytes (quotes, colon, comma).
    """
    if s is None or s.int_or_string or not s.type:
        return 1
    if s.type == "string":
        return _MIN_FORMAT_SIZES.get(str(s.raw.get("format") or ""), 2)
    if s.type == "boolean":
        return 4
    if s.type in ("integer", "number"):
        return 1
    if s.type == "object" and s.additional_properties_schema is None:
        required = s.raw.get("required") or []
        size = 2
        for name, prop in s.properties.items():
            if name in required and prop.raw.get("default") is None and _has_decl_type(prop):
                size += len(name.encode()) + min_serialized_size(prop) + 4
        return size
    return 2  # "[]" or "{}"


def max_elements(s: Structural | None) -> int:
    """The most elements (bytes, items, properties) a value of this schema can hold in one request
    (its DeclType's MaxElements, schemas.go); what the cost estimator sizes a value by.

    A ``maxLength`` counts characters, each up to 4 bytes long: the estimate is 4 times it. A
    string of an enumeration is as long as its longest value; dates, date-times and durations
    have their fixed JSON sizes. Objects of properties, booleans and numbers have 0 elements; a
    value typed ``dyn`` (no type, or unknown fields) is as large as a request.
    """
    if s is None or (is_dynamic(s) and not s.int_or_string):
        return MAX_REQUEST_SIZE_BYTES
    if s.int_or_string or s.type == "string":
        fmt = "" if s.int_or_string else str(s.raw.get("format") or "")
        if fmt in _MAX_FORMAT_SIZES:
            return _MAX_FORMAT_SIZES[fmt]
        if s.raw.get("maxLength") is not None:
            return max(int(s.raw["maxLength"]), 0) * (1 if fmt == "byte" else 4)
        enum = s.raw.get("enum")
        if enum and fmt != "byte" and not s.int_or_string:
            return max((len(v.encode()) for v in enum if isinstance(v, str)), default=0)
        return MAX_REQUEST_SIZE_BYTES - 2
    if s.type == "array":
        if s.raw.get("maxItems") is not None:
            return max(int(s.raw["maxItems"]), 0)
        return (MAX_REQUEST_SIZE_BYTES - 2) // (min_serialized_size(s.items) + 1)
    if s.type == "object" and s.additional_properties_schema is not None:
        if s.raw.get("maxProperties") is not None:
            return max(int(s.raw["maxProperties"]), 0)
        return (MAX_REQUEST_SIZE_BYTES - 2) // (min_serialized_size(s.additional_properties_schema) + 6)
    return 0


def max_cardinality(s: Structural) -> int:
    """How many times a value of this schema can occur in one request (compilation.go maxCardinality):
    the cardinality of rules below a list or map with no ``maxItems``/``maxProperties``."""
    return MAX_REQUEST_SIZE_BYTES // (min_serialized_size(s) + 1)
