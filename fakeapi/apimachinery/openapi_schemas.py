"""OpenAPI schemas of the built-in Kubernetes types, and a checker that decodes like kube-apiserver.

The schemas are the ``$defs`` that the ``kubernetes-validate`` package ships per Kubernetes release
(``kubernetes-json-schema/v1.37.0-local/_definitions.json``). They serve three purposes:

- :attr:`SchemaRegistry.definitions` is the raw material for the OpenAPI v2/v3 documents and for
  strategic merge patch (``x-kubernetes-patch-merge-key`` and friends).
- :meth:`SchemaRegistry.validate` reports what kube-apiserver's typed JSON decoding would reject,
  and the schema's required fields.
- :meth:`SchemaRegistry.unknown_fields` reports what ``fieldValidation=Strict``/``Warn`` would name.

Real kube-apiserver does not validate built-in objects against OpenAPI: it decodes the body into Go
structs with sigs.k8s.io/json (a fork of encoding/json) and validates the Go values. A wrong JSON
type therefore fails *decoding*, which is a 400 BadRequest, while validation errors are a 422
Invalid. This module keeps the two apart and follows:

- sigs.k8s.io/json ``internal/golang/encoding/json/decode.go``: which JSON value fits which Go type,
  the ``json: cannot unmarshal <value> into Go struct field <Struct>.<path> of type <type>`` text
  (the path holds struct field names only: no list indexes, no map keys), and that an error
  returned by a custom ``UnmarshalJSON`` aborts decoding and wins over errors saved earlier;
- its ``kubernetes_patch.go``: strict errors ``unknown field "spec.containers[0].foo"`` (list indexes
  as ``[i]``, map keys as ``.key``), at most 100 of them;
- the custom decoders of ``intstr.IntOrString``, ``resource.Quantity`` (``ParseQuantity``),
  ``metav1.Time``/``MicroTime`` (Go's ``time.Parse``) and ``[]byte`` fields (base64), whose error
  texts are reproduced;
- kube-openapi's ``required`` lists, reported as ``field.required`` errors at upstream field paths
  (``spec.containers[0].name``, map keys as ``data[key]``).

Callers wrap the results as apiserver/pkg/endpoints/handlers does: a decode error becomes
``<Kind> in version "<version>" cannot be handled as a <Kind>: <error>`` (rest.go
``transformDecodeError``); unknown fields become ``strict decoding error: unknown field "a",
unknown field "b"`` (apimachinery ``runtime.NewStrictDecodingError``) or one ``unknown field "a"``
warning each (``addStrictDecodingWarnings``).

The schema's only ``enum`` lists are on ``apiVersion`` and ``kind``, which kubernetes-validate adds;
they are not checked here, since a body of another kind fails in the handler, not in validation.

Each definition is compiled once, on first use, into a tree of small check closures; a walk over
an object then costs one closure call per JSON value.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from fakeapi.apimachinery import field
from fakeapi.apimachinery.converter import from_unstructured_error
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.jsonutil import json_value_kind
from fakeapi.apimachinery.quantity import canonical_quantity
from fakeapi.apimachinery.schema import GroupVersionKind

# One step of a path: a struct field name, a list index, or a map key (:class:`_MapKey`).
_Segment = str | int
_Path = tuple[_Segment, ...]


class _MapKey(str):
    """A map key in a path; Go paths leave it out, upstream field paths write it as ``[key]``."""

    __slots__ = ()


# sigs.k8s.io/json stops collecting strict errors at this many (saveStrictError).
_MAX_STRICT_ERRORS = 100


class _Findings:
    """What one walk over an object found, in document order (Go decodes keys in body order)."""

    __slots__ = (
        "conversion_errors",
        "field_errors",
        "nulls_at",
        "quantities_at",
        "returned",
        "saved",
        "unknown",
        "unknown_at",
    )

    def __init__(self) -> None:
        # Errors a custom UnmarshalJSON returns abort Go's decode and win over saved ones.
        self.returned: list[str] = []
        # Errors Go's decoder saves (d.saveError) while it goes on decoding.
        self.saved: list[str] = []
        # The same type errors in the unstructured converter's words (a strategic merge patch's).
        self.conversion_errors: list[str] = []
        self.field_errors: list[FieldError] = []
        self.unknown: list[str] = []
        # (mapping, key) of every unknown field, for pruning; not capped like the messages.
        self.unknown_at: list[tuple[dict[str, Any], str]] = []
        # (container, key or index, zero) of every null that decoding turns into a Go zero value;
        # _OMITTED for a struct field, which the Go value then leaves out or writes as its zero.
        self.nulls_at: list[tuple[Any, Any, Any]] = []
        # (path, key or index) of every quantity that parsed: decoding keeps it in canonical form.
        self.quantities_at: list[tuple[_Path, _Segment]] = []

    def mismatch(
        self,
        value: str,
        parent: _Path,
        seg: _Segment | None,
        owner: str,
        go_type: str,
        returned: bool = False,
    ) -> None:
        """Record Go's UnmarshalTypeError for a JSON ``value`` ("string", "number 1.5"...)."""
        # Go's error path lists struct field names only: list indexes and map keys are left out.
        go_field = ".".join(s for s in (*parent, seg) if type(s) is str)
        if not go_field:
            # The value being decoded is itself of the wrong type: Go names no field then.
            message = f"json: cannot unmarshal {value} into Go value of type {go_type}"
        else:
            message = f"json: cannot unmarshal {value} into Go struct field {owner}.{go_field} of type {go_type}"
        (self.returned if returned else self.saved).append(message)

    def type_mismatch(
        self,
        value: Any,
        parent: _Path,
        seg: _Segment | None,
        owner: str,
        go_type: str,
        described: str | None = None,
    ) -> None:
        """Record a JSON ``value`` that does not fit ``go_type``, as encoding/json and the converter each say it."""
        self.mismatch(described or json_value_kind(value), parent, seg, owner, go_type)
        conversion = from_unstructured_error(value, go_type)
        if conversion is not None:
            self.conversion_errors.append(conversion)

    def unknown_field(self, path: _Path, key: str) -> None:
        if len(self.unknown) < _MAX_STRICT_ERRORS:
            self.unknown.append(_strict_path((*path, key)))


def _field_path(path: _Path) -> str:
    """Upstream field.Path text: ``spec.containers[0].name``, ``data[key]``."""
    out = ""
    for seg in path:
        if type(seg) is int or isinstance(seg, _MapKey):
            out += f"[{seg}]"
        else:
            out += f".{seg}" if out else str(seg)
    return out


def _strict_path(path: _Path) -> str:
    """sigs.k8s.io/json's strict error path: ``spec.containers[0].name``, ``properties.spec.type``."""
    out = ""
    for seg in path:
        if type(seg) is int:
            out += f"[{seg}]"
        else:
            out += f".{seg}" if out else str(seg)
    return out


def _int_mismatch(value: Any, low: int, high: int) -> str | None:
    """Why ``value`` is no Go integer in [low, high], in UnmarshalTypeError's words, or None.

    Go parses the literal with strconv.ParseInt, so ``1.0`` and ``1e3`` fail like ``1.5`` does.
    The literal is rendered from the Python value: the request's own spelling is gone by now.
    """
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return None if low <= value <= high else f"number {value}"
    if isinstance(value, float):
        return f"number {value!r}"
    return json_value_kind(value)


# A check gets the value, the path of its parent, its own path segment (None for the root), and the
# name of the Go struct that holds the field (for UnmarshalTypeError). Parent and segment are kept
# apart so that a scalar that fits never builds a path.
_Check = Callable[[Any, _Path, _Segment | None, str, _Findings], None]


# A struct field decoded from null holds its zero value: left out of the stored object, where the
# Go encoder (apimachinery/gojson.py) writes the zero of a field that has no omitempty.
_OMITTED = object()
# The zero of a type whose null stays null: a nil slice, map, pointer or []byte, a zero Time.
_NULL = None


@dataclass(frozen=True, slots=True)
class _Node:
    """A compiled schema: its check, its Go type name, whether it is a struct, and the JSON of its zero value."""

    check: _Check
    go_type: str
    is_struct: bool = False
    zero: Any = _NULL


def _accept(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
    """Any JSON value fits (runtime.RawExtension, apiextensions JSON...)."""


def _string_check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
    if value is not None and not isinstance(value, str):
        out.type_mismatch(value, parent, seg, owner, "string")


def _bool_check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
    if value is not None and not isinstance(value, bool):
        out.type_mismatch(value, parent, seg, owner, "bool")


def _float_check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
        out.type_mismatch(value, parent, seg, owner, "float64")


def _int_node(go_type: str, bits: int, signed: bool = True) -> _Node:
    low, high = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)

    def check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
        # Most integers fit: test that first, without the bool/float dispatch.
        if value is None or (type(value) is int and low <= value <= high):
            return
        problem = _int_mismatch(value, low, high)
        if problem is not None:
            out.type_mismatch(value, parent, seg, owner, go_type, described=problem)

    return _Node(check, go_type, zero=0)


_STRING = _Node(_string_check, "string", zero="")
_BOOL = _Node(_bool_check, "bool", zero=False)
_FLOAT64 = _Node(_float_check, "float64", zero=0)
_INT32 = _int_node("int32", 32)
_INT64 = _int_node("int64", 64)
_UINT8 = _int_node("uint8", 8, signed=False)


def _array_node(item: _Node) -> _Node:
    go_type = f"[]{item.go_type}"
    item_check = item.check
    # A null element decodes to the item type's zero value: a zero struct (which still lacks its
    # required fields), "" for a string, 0 for a number; a nil slice or map stays null.
    zero = item.zero

    def check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
        if value is None:
            return
        if not isinstance(value, list):
            out.type_mismatch(value, parent, seg, owner, go_type)
            return
        path = parent if seg is None else (*parent, seg)
        for index, element in enumerate(value):
            if element is None and zero is not _NULL:
                out.nulls_at.append((value, index, zero))
                element = zero
            item_check(element, path, index, owner, out)

    return _Node(check, go_type)


def _map_node(item: _Node, go_type: str) -> _Node:
    item_check = item.check
    zero = item.zero

    def check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
        if value is None:
            return
        if not isinstance(value, dict):
            out.type_mismatch(value, parent, seg, owner, go_type)
            return
        path = parent if seg is None else (*parent, seg)
        for key, element in value.items():
            if element is None and zero is not _NULL:
                out.nulls_at.append((value, key, zero))
                element = zero
            item_check(element, path, _MapKey(key), owner, out)

    return _Node(check, go_type)


# ----- []byte: Go's encoding/json decodes a JSON string into []byte with base64.StdEncoding.

_BASE64_ALPHABET = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
_NEWLINES = frozenset(b"\r\n")
_PAD = ord("=")


def _base64_error(text: str) -> str | None:
    """base64.StdEncoding.Decode's error for ``text`` (``illegal base64 data at input byte N``), or None.

    Decoding goes in quanta of four characters, skipping CR and LF; the byte offset reported for
    each kind of damage is the one Go's decodeQuantum reports.
    """
    src = text.encode()
    end = len(src)
    si = 0
    while si < end:
        count = 0  # characters of the current quantum, newlines not counted
        while count < 4:
            if si == end:
                # Input that stops inside a quantum: StdEncoding wants padding.
                return None if count == 0 else f"illegal base64 data at input byte {si - count}"
            char = src[si]
            si += 1
            if char in _BASE64_ALPHABET:
                count += 1
                continue
            if char in _NEWLINES:
                continue
            if char != _PAD or count < 2:
                return f"illegal base64 data at input byte {si - 1}"
            if count == 2:
                # "xx=" must be followed by a second "=".
                while si < end and src[si] in _NEWLINES:
                    si += 1
                if si == end:
                    return f"illegal base64 data at input byte {end}"
                if src[si] != _PAD:
                    return f"illegal base64 data at input byte {si - 1}"
                si += 1
            while si < end and src[si] in _NEWLINES:
                si += 1
            # Padding ends the data: anything after it is garbage.
            return f"illegal base64 data at input byte {si}" if si < end else None
    return None


def _bytes_check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
    if value is None:
        return
    if isinstance(value, str):
        problem = _base64_error(value)
        if problem is not None:
            # A plain error saved by the decoder: no struct/field context is added to it.
            out.saved.append(problem)
    elif isinstance(value, list):
        # encoding/json also fills a []byte from a JSON array of small integers.
        _BYTES_AS_ARRAY.check(value, parent, seg, owner, out)
    else:
        out.type_mismatch(value, parent, seg, owner, "[]uint8")


_BYTES_AS_ARRAY = _array_node(_UINT8)
_BYTES = _Node(_bytes_check, "[]uint8")


# ----- intstr.IntOrString: a JSON string, or anything else decoded into its int32.


def _int_or_string_check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
    if value is None or isinstance(value, str):
        return
    problem = _int_mismatch(value, -(1 << 31), (1 << 31) - 1)
    if problem is not None:
        # UnmarshalJSON returns the inner json.Unmarshal error; the outer decoder adds its context.
        out.mismatch(problem, parent, seg, owner, "int32", returned=True)


# ----- resource.Quantity: UnmarshalJSON strips the quotes and runs ParseQuantity on the raw text.

_QUANTITY_FORMAT = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
_ERR_FORMAT_WRONG = f"quantities must match the regular expression '{_QUANTITY_FORMAT}'"
_ERR_NUMERIC = "unable to parse numeric part of quantity"
_ERR_SUFFIX = "unable to parse quantity's suffix"
_DIGITS = frozenset("0123456789")
_SUFFIX_LETTERS = frozenset("eEinumkKMGTP")
_DECIMAL_SUFFIXES = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_GO_INT = re.compile(r"[+-]?[0-9]+")
# strings.TrimSpace trims unicode.IsSpace characters; Python's str.strip() trims a few more.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"


def _quantity_error(text: str) -> str | None:
    """resource.ParseQuantity's error for ``text``, or None when it parses.

    The scan is that of parseQuantityString: sign, digits, optional fraction, then a suffix made of
    suffix letters and an optional signed exponent. The suffix must be a known SI or binary suffix
    or a decimal exponent (``e3``).
    """
    if not text:
        return _ERR_FORMAT_WRONG
    end = len(text)
    pos = 1 if text[0] in "+-" else 0
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end and text[pos] == ".":
        pos += 1
        while pos < end and text[pos] in _DIGITS:
            pos += 1
    number_end = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        return _ERR_FORMAT_WRONG
    suffix = text[number_end:]
    if suffix in _DECIMAL_SUFFIXES:
        base, exponent = 10, _DECIMAL_SUFFIXES[suffix]
    elif suffix in _BINARY_SUFFIXES:
        base, exponent = 2, _BINARY_SUFFIXES[suffix]
    elif len(suffix) > 1 and suffix[0] in "eE" and _GO_INT.fullmatch(suffix[1:]):
        base, exponent = 10, int(suffix[1:])
        if not -(1 << 63) <= exponent < 1 << 63:
            return _ERR_SUFFIX
    else:
        return _ERR_SUFFIX
    if not any(char in _DIGITS for char in text[:number_end]):
        # A number without digits ("+", ".") is zero on ParseQuantity's fast path; the slow path
        # (inf.Dec.SetString) rejects it. The slow path is taken for large binary suffixes and
        # for decimal exponents below nano.
        slow = 15 - 1 - exponent * 3 // 10 - 1 < 0 if base == 2 else exponent < -9
        if slow:
            return _ERR_NUMERIC
    return None


def _quantity_check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
    if value is None:
        return
    if isinstance(value, str):
        problem = _quantity_error(value.strip(_GO_SPACE))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        # Every JSON number literal matches the quantity grammar.
        problem = None
    else:
        # true, false, {...} and [...] all fail ParseQuantity's first scan.
        problem = _ERR_FORMAT_WRONG
    if problem is not None:
        out.returned.append(problem)
    elif seg is not None:
        out.quantities_at.append((parent, seg))


def _canonicalize_quantities(obj: dict[str, Any], found: list[tuple[_Path, _Segment]]) -> None:
    """Quantity.UnmarshalJSON then MarshalJSON: each quantity as its canonical string (``0.5`` is
    ``"500m"``, ``1.5Gi`` is ``"1536Mi"``, a number a string)."""
    for parent, key in found:
        container: Any = obj
        for step in parent:
            container = container[step]
        value = container[key]
        # A null decoded to the zero quantity was already replaced; anything else here parsed.
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            container[key] = canonical_quantity(value)


# ----- metav1.Time and MicroTime: UnmarshalJSON decodes a string, then time.Parse(layout, s).

_RFC3339 = "2006-01-02T15:04:05Z07:00"
_RFC3339_MICRO = "2006-01-02T15:04:05.000000Z07:00"
_DATE_TIME_CHUNKS = (("", "2006"), ("-", "01"), ("-", "02"), ("T", "15"), (":", "04"), (":", "05"))
# (prefix, layout element) pairs, as Go's nextStdChunk splits each layout.
_LAYOUT_CHUNKS = {
    _RFC3339: (*_DATE_TIME_CHUNKS, ("", "Z07:00")),
    _RFC3339_MICRO: (*_DATE_TIME_CHUNKS, ("", ".000000"), ("", "Z07:00")),
}
# element -> (name in "<name> out of range", lowest, highest). Days are checked once the month is known.
_TIME_RANGES = {
    "01": ("month", 1, 12),
    "15": ("hour", 0, 23),
    "04": ("minute", 0, 59),
    "05": ("second", 0, 59),
}
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _go_quote(text: str) -> str:
    """The time package's quote(): control and non-ASCII characters as ``\\xNN`` UTF-8 bytes."""
    out = ['"']
    for char in text:
        if char < " " or char >= "\x80":
            out.extend(f"\\x{byte:02x}" for byte in char.encode("utf-8", "surrogatepass"))
        else:
            out.append("\\" + char if char in '"\\' else char)
    out.append('"')
    return "".join(out)


def _is_digit(text: str, index: int) -> bool:
    return index < len(text) and "0" <= text[index] <= "9"


def _getnum(text: str, fixed: bool) -> tuple[int | None, str]:
    """Go's getnum: one or two leading digits (exactly two when fixed), and the rest."""
    if not _is_digit(text, 0):
        return None, text
    if not _is_digit(text, 1):
        return (None, text) if fixed else (int(text[0]), text[1:])
    return int(text[:2]), text[2:]


def _time_element(element: str, text: str, layout: str) -> tuple[int | None, str, str]:
    """Parse one layout element at the start of ``text``.

    Returns:
        The parsed number (None when the text does not fit the element), the rest of the text,
        and the name of the value that is out of range ("" when none is).
    """
    if element == "2006":
        if len(text) < 4 or not all(_is_digit(text, i) for i in range(4)):
            return None, text, ""
        return int(text[:4]), text[4:], ""
    if element == ".000000":
        # The layout asks for exactly six fraction digits after a period or comma.
        # Go's atoi takes a sign, hence the odd "fractional second out of range" for ".-12345".
        digits = text[1:7]
        if len(text) < 7 or text[0] not in ".," or not _GO_INT.fullmatch(digits):
            return None, text, ""
        fraction = int(digits)
        return fraction, text[7:], "fractional second" if fraction < 0 else ""
    if element == "Z07:00":
        if text[:1] == "Z":
            return 0, text[1:], ""
        if len(text) < 6 or text[3] != ":":
            return None, text, ""
        hours, _ = _getnum(text[1:3], True)
        minutes = _getnum(text[4:6], True)[0] if hours is not None else None
        # Go tests hour then minute, and the later test overwrites the earlier one's verdict.
        out_of_range = ""
        if (hours or 0) > 24:
            out_of_range = "time zone offset hour"
        if (minutes or 0) > 60:
            out_of_range = "time zone offset minute"
        if out_of_range or hours is None or minutes is None or text[0] not in "+-":
            return None, text[6:], out_of_range
        return 0, text[6:], ""
    # "01", "02", "15", "04", "05": two digits, except that the hour may have one.
    number, rest = _getnum(text, fixed=element != "15")
    if number is None:
        return None, text, ""
    if element in _TIME_RANGES:
        name, lowest, highest = _TIME_RANGES[element]
        if not lowest <= number <= highest:
            return number, rest, name
    if element == "05" and layout == _RFC3339 and len(rest) >= 2 and rest[0] in ".," and _is_digit(rest, 1):
        # Parse accepts a fraction of any length after the seconds even when the layout has none.
        end = 2
        while _is_digit(rest, end):
            end += 1
        rest = rest[end:]
    return number, rest, ""


def _cannot_parse(value: str, layout: str, value_element: str, layout_element: str) -> str:
    """time.ParseError's text when a piece of the value does not fit a piece of the layout."""
    return (
        f"parsing time {_go_quote(value)} as {_go_quote(layout)}: "
        f"cannot parse {_go_quote(value_element)} as {_go_quote(layout_element)}"
    )


# Every write carries the same few timestamps (creationTimestamp, managedFields times of this second).
@functools.lru_cache(maxsize=1024)
def _time_error(value: str, layout: str) -> str | None:
    """time.Parse(layout, value)'s error text, or None when the value parses."""
    rest = value
    parsed: dict[str, int] = {}
    for prefix, element in _LAYOUT_CHUNKS[layout]:
        if not rest.startswith(prefix):
            return _cannot_parse(value, layout, rest, prefix)
        rest = rest[len(prefix) :]
        number, remainder, out_of_range = _time_element(element, rest, layout)
        if out_of_range:
            return f"parsing time {_go_quote(value)}: {out_of_range} out of range"
        if number is None:
            return _cannot_parse(value, layout, rest, element)
        parsed[element] = number
        rest = remainder
    if rest:
        return f"parsing time {_go_quote(value)}: extra text: {_go_quote(rest)}"
    year, month, day = parsed["2006"], parsed["01"], parsed["02"]
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not 1 <= day <= (29 if month == 2 and leap else _DAYS_IN_MONTH[month]):
        return f"parsing time {_go_quote(value)}: day out of range"
    return None


def _time_node(go_type: str, layout: str) -> _Node:
    def check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
        if value is None:
            return
        if not isinstance(value, str):
            # UnmarshalJSON's json.Unmarshal into a string fails; the outer decoder adds its context.
            out.mismatch(json_value_kind(value), parent, seg, owner, "string", returned=True)
            return
        problem = _time_error(value, layout)
        if problem is not None:
            out.returned.append(problem)

    return _Node(check, go_type)


def _go_type_name(definition: str) -> str:
    """``io.k8s.api.core.v1.PodSpec`` -> ``v1.PodSpec``: reflect.Type.String() of the Go type."""
    package, _, name = definition.rpartition(".")
    return f"{package.rpartition('.')[2]}.{name}"


_META = "io.k8s.apimachinery.pkg.apis.meta.v1."
# Definitions whose Go types decode themselves (UnmarshalJSON) instead of being plain structs.
_CUSTOM_DECODERS: dict[str, _Node] = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": _Node(_int_or_string_check, "intstr.IntOrString", zero=0),
    "io.k8s.apimachinery.pkg.api.resource.Quantity": _Node(_quantity_check, "resource.Quantity", zero="0"),
    _META + "Time": _time_node("v1.Time", _RFC3339),
    _META + "MicroTime": _time_node("v1.MicroTime", _RFC3339_MICRO),
    # Both keep the raw JSON, whatever it is: nothing inside is typed or unknown.
    "io.k8s.apimachinery.pkg.runtime.RawExtension": _Node(_accept, "runtime.RawExtension"),
    _META + "FieldsV1": _Node(_accept, "v1.FieldsV1"),
}
_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_QUANTITY_REF = "#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"
# Packages whose Quantity maps are the named type v1.ResourceList (map[ResourceName]Quantity).
_RESOURCE_LIST_PACKAGES = ("io.k8s.api.core.v1.", "io.k8s.api.node.v1.")


@dataclass(frozen=True)
class ValidationResult:
    """What :meth:`SchemaRegistry.validate` found.

    Attributes:
        type_errors: Decode errors, which kube-apiserver answers with 400 BadRequest. Go stops at
            one: ``type_errors[0]`` is the one it reports (an error returned by a custom decoder
            such as IntOrString's comes before the plain type errors that Go had saved).
        field_errors: Missing required fields, for a 422 Invalid.
    """

    type_errors: list[str]
    field_errors: list[FieldError]


@dataclass(frozen=True)
class DecodeResult:
    """What :meth:`SchemaRegistry.decode` found.

    Attributes:
        type_errors: Decode errors (400), ``type_errors[0]`` being the one Go reports.
        unknown_fields: Paths of the fields the kind does not have, in body order, as strict
            decoding writes them (``spec.containers[0].foo``), at most 100.
        conversion_errors: The plain type errors as runtime.DefaultUnstructuredConverter words
            them (what a strategic merge patch reports); none for the custom decoders' errors.
    """

    type_errors: list[str]
    unknown_fields: list[str]
    conversion_errors: list[str]


def _schema_directory() -> Path:
    """kubernetes-validate's schema folder, found without importing the package.

    Importing kubernetes_validate pulls in jsonschema and about a hundred other modules
    (some 50 ms), none of which fakeapi uses: only its data files are needed.
    """
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError("the kubernetes-validate package is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "kubernetes-json-schema"


class SchemaRegistry:
    """The OpenAPI definitions of one Kubernetes release, indexed by GroupVersionKind.

    Instances are read-only after construction (compiled checks are added under a lock), so one
    instance can serve every server in the process: use :meth:`for_version`.
    """

    _by_version: ClassVar[dict[str, SchemaRegistry]] = {}
    _by_version_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, definitions: dict[str, Any]) -> None:
        """Index ``definitions``, a ``$defs`` mapping of definition name to JSON schema."""
        self._definitions = definitions
        self._by_gvk: dict[GroupVersionKind, str] = {}
        for name, schema in definitions.items():
            for gvk in schema.get("x-kubernetes-group-version-kind", ()):
                self._by_gvk.setdefault(GroupVersionKind(gvk["group"], gvk["version"], gvk["kind"]), name)
        self._nodes: dict[str, _Node] = {}
        self._compile_lock = threading.Lock()

    @classmethod
    def for_version(cls, version: str) -> SchemaRegistry:
        """The registry for a Kubernetes release, loaded once per process.

        Args:
            version: ``major.minor``, such as ``"1.37"``.

        Returns:
            The same registry on every call for that release.

        Raises:
            LookupError: kubernetes-validate has no schemas for that release.
        """
        registry = cls._by_version.get(version)
        if registry is not None:
            return registry
        with cls._by_version_lock:
            registry = cls._by_version.get(version)
            if registry is None:
                resource = _schema_directory() / f"v{version}.0-local" / "_definitions.json"
                if not resource.is_file():
                    raise LookupError(f"kubernetes-validate has no schemas for Kubernetes {version}")
                registry = cls(json.loads(resource.read_bytes())["$defs"])
                cls._by_version[version] = registry
            return registry

    @property
    def definitions(self) -> Mapping[str, dict[str, Any]]:
        """The raw ``$defs``, keyed by definition name (``io.k8s.api.core.v1.ConfigMap``). Do not mutate."""
        return MappingProxyType(self._definitions)

    def definition_for(self, gvk: GroupVersionKind) -> tuple[str, dict[str, Any]] | None:
        """The definition of a kind, found by its ``x-kubernetes-group-version-kind``.

        Args:
            gvk: The kind, such as ``GroupVersionKind("", "v1", "ConfigMap")``.

        Returns:
            The definition name (``io.k8s.api.core.v1.ConfigMap``) and its schema, or None.
        """
        name = self._by_gvk.get(gvk)
        return None if name is None else (name, self._definitions[name])

    def validate(self, obj: dict[str, Any], gvk: GroupVersionKind, *, prune: bool = False) -> ValidationResult:
        """Check ``obj`` as kube-apiserver's decoder would, and for the schema's required fields.

        Args:
            obj: The request body, decoded from JSON.
            gvk: The kind to check it against.
            prune: Also change ``obj`` in place as decoding into the Go type does: every field the
                kind does not have is dropped (built-in objects never keep unknown fields, whatever
                fieldValidation), and every null becomes the Go zero value (a null field is left
                out; a null string in a list or map becomes ``""``, a null number ``0``).

        Returns:
            Every decode error and every missing required field; nothing for a kind without a schema.
        """
        findings = self._walk(obj, gvk)
        if findings is None:
            return ValidationResult([], [])
        if prune:
            for mapping, key in findings.unknown_at:
                mapping.pop(key, None)
            for container, key, zero in findings.nulls_at:
                if zero is _OMITTED:
                    container.pop(key, None)
                else:
                    # A fresh zero struct for each null: the stored object shares no dict.
                    container[key] = {} if isinstance(zero, dict) else zero
            if not findings.returned:
                _canonicalize_quantities(obj, findings.quantities_at)
        return ValidationResult(findings.returned + findings.saved, findings.field_errors)

    def decode(self, obj: dict[str, Any], gvk: GroupVersionKind) -> DecodeResult:
        """What decoding ``obj`` into the Go type of ``gvk`` finds: its errors, then unknown fields.

        Maps, RawExtension and FieldsV1 take any key. Nothing is reported inside a value of the
        wrong JSON type, since the decoder skips it; and kube-apiserver drops strict errors when
        decoding fails, so look at ``type_errors`` first. A kind without a schema here (a custom
        resource) is checked for its metadata only, which is always an ObjectMeta
        (GetObjectMetaWithOptions in the custom resource decoder).

        Args:
            obj: The request body, decoded from JSON.
            gvk: The kind to check it against.
        """
        findings = self._walk(obj, gvk)
        if findings is None:
            findings = self._walk_definition(obj.get("metadata"), _OBJECT_META)
            return DecodeResult(findings.returned + findings.saved, [], findings.conversion_errors)
        return DecodeResult(findings.returned + findings.saved, findings.unknown, findings.conversion_errors)

    def _walk(self, obj: dict[str, Any], gvk: GroupVersionKind) -> _Findings | None:
        name = self._by_gvk.get(gvk)
        return None if name is None else self._walk_definition(obj, name)

    def _walk_definition(self, obj: Any, name: str) -> _Findings:
        node = self._nodes.get(name)
        if node is None:
            with self._compile_lock:
                pending: dict[str, _Node] = {}
                node = self._compile_definition(name, pending)
                # Published only when complete: a check still being built may have no fields yet.
                self._nodes.update(pending)
        findings = _Findings()
        node.check(obj, (), None, "", findings)
        return findings

    def _compile_definition(self, name: str, pending: dict[str, _Node]) -> _Node:
        node = self._nodes.get(name) or pending.get(name)
        if node is not None:
            return node
        node = _CUSTOM_DECODERS.get(name)
        if node is None:
            schema = self._definitions[name]
            if "properties" in schema or "object" in schema.get("type", ()):
                return self._compile_struct(name, schema, pending)
            # Only apiextensions' JSON and JSONSchemaPropsOr* have no type: they take any value.
            node = _Node(_accept, _go_type_name(name))
        pending[name] = node
        return node

    def _compile_struct(self, name: str, schema: dict[str, Any], pending: dict[str, _Node]) -> _Node:
        struct_name = name.rpartition(".")[2]
        go_type = _go_type_name(name)
        required = tuple(schema.get("required", ()))
        fields: dict[str, _Check] = {}

        def check(value: Any, parent: _Path, seg: _Segment | None, owner: str, out: _Findings) -> None:
            if value is None:
                return
            if not isinstance(value, dict):
                out.type_mismatch(value, parent, seg, owner, go_type)
                return
            path = parent if seg is None else (*parent, seg)
            # A null required field decodes to the Go zero value, as an absent one does.
            for key in required:
                if value.get(key) is None:
                    out.field_errors.append(field.required(_field_path((*path, key)), ""))
            for key, item in value.items():
                field_check = fields.get(key)
                if field_check is None:
                    out.unknown_field(path, key)
                    out.unknown_at.append((value, key))
                elif item is None:
                    out.nulls_at.append((value, key, _OMITTED))
                else:
                    field_check(item, path, key, struct_name, out)

        # Registered before the fields are compiled, so that recursive types find themselves.
        node = pending[name] = _Node(check, go_type, is_struct=True, zero={})
        for key, prop in schema.get("properties", {}).items():
            fields[key] = self._compile_schema(prop, name, pending).check
        return node

    def _compile_schema(self, schema: dict[str, Any], owner: str, pending: dict[str, _Node]) -> _Node:
        """Compile a property schema of definition ``owner``."""
        ref = schema.get("$ref")
        if ref is not None:
            return self._compile_definition(ref.rpartition("/")[2], pending)
        types = schema.get("type")
        kind = types if isinstance(types, str) else next((t for t in types or () if t != "null"), None)
        fmt = schema.get("format")
        if kind == "array":
            return _array_node(self._compile_schema(schema.get("items", {}), owner, pending))
        values = schema.get("additionalProperties")
        if kind == "object" and isinstance(values, dict):
            item = self._compile_schema(values, owner, pending)
            if values.get("$ref") == _QUANTITY_REF and owner.startswith(_RESOURCE_LIST_PACKAGES):
                return _map_node(item, "v1.ResourceList")
            return _map_node(item, f"map[string]{item.go_type}")
        if kind == "string":
            return _BYTES if fmt == "byte" else _STRING
        if kind == "integer":
            return _INT64 if fmt == "int64" else _INT32
        if kind == "number":
            return _FLOAT64
        if kind == "boolean":
            return _BOOL
        return _Node(_accept, "interface {}")
