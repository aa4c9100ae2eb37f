"""The protobuf form of ``/openapi/v2``: gnostic's ``openapi.v2.Document``.

kube-openapi's handler.go ``ToProtoBinary`` parses the Swagger JSON with gnostic-models'
``openapi_v2.ParseDocument`` (the compiler generated from the OpenAPI 2.0 JSON schema,
openapiv2/OpenAPIv2.go) and marshals the result with ``proto.Marshal``; client-go's
``OpenAPISchema`` unmarshals exactly that. This module writes the same message from the JSON
document, with the field numbers and types of the compiled ``OpenAPIv2.proto`` descriptor
(``gnostic_descriptors.binpb``, built by scripts/build_proto_descriptors.py):

- a JSON key maps to the field of the same name in snake case (``operationId`` ->
  ``operation_id``, ``$ref`` -> ``_ref``); ``x-`` keys become ``vendor_extension`` entries;
- messages whose one field is ``repeated Named<T> additional_properties`` are JSON maps, as are
  ``Paths`` (``path``) and ``Responses`` (``response_code``);
- the ``oneof`` wrappers pick their case as gnostic's matching does (``$ref`` makes a
  ``JsonReference``, ``in`` selects the parameter kind, ``type: file`` a ``FileSchema``...);
- ``Any`` (vendor extensions, ``default``, ``enum``, ``example``) holds the value as YAML text,
  as compiler.Marshal writes it: go-yaml v3, block style, four-space indentation;
- a key the message does not have is an error, as gnostic's "has invalid property".

The bytes are written here rather than through ``protobuf`` message objects: the document
repeats the same parameters, responses and media type lists hundreds of times, and encoding
each shared object once is what keeps the encoding in the tens of milliseconds.
"""

from __future__ import annotations

import importlib.resources
import json
import re
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_DESCRIPTOR_SET = "gnostic_descriptors.binpb"
_PACKAGE = "openapi.v2."


# -- YAML of Any values ---------------------------------------------------------------------------

_INDENT = "    "
# Plain scalars go-yaml would read back as another type, so it double-quotes them.
_RESOLVES_TO_OTHER = re.compile(
    r"^(?:|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|<<"
    r"|[-+]?(?:0|[1-9][0-9_]*|0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+)"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|\d{4}-\d\d?-\d\d?(?:[Tt ].*)?)$"
)
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def _plain_allowed(text: str) -> bool:
    """Whether go-yaml's emitter may write a string without quotes in block context."""
    if text[0] in _INDICATORS and not (text[0] in "-?:" and len(text) > 1 and text[1] not in " \t"):
        return False
    if text[0] in " \t" or text[-1] in " \t":
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return all(char.isprintable() for char in text)


def _yaml_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    text = str(value)
    if _RESOLVES_TO_OTHER.match(text):
        return json.dumps(text, ensure_ascii=False)
    if _plain_allowed(text):
        return text
    if all(char.isprintable() for char in text):
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def _yaml_lines(value: Any, indent: str, out: list[str]) -> None:
    """Block-style lines of a mapping or sequence value, each prefixed with ``indent``."""
    if isinstance(value, dict):
        for key, item in value.items():
            head = f"{indent}{_yaml_scalar(key)}:"
            _yaml_entry(head, item, indent + _INDENT, out)
    else:
        for item in value:
            head = f"{indent}-"
            if isinstance(item, dict) and item:
                # A mapping in a sequence starts on the dash's line, its keys aligned after "- ".
                first = True
                for key, sub in item.items():
                    prefix = f"{indent}- " if first else f"{indent}  "
                    _yaml_entry(f"{prefix}{_yaml_scalar(key)}:", sub, indent + "  " + _INDENT, out)
                    first = False
            else:
                _yaml_entry(head, item, indent + _INDENT, out)


def _yaml_entry(head: str, value: Any, child_indent: str, out: list[str]) -> None:
    """``head`` (``key:`` or ``-``) and its value: inline if scalar, else on the following lines."""
    if isinstance(value, dict | list) and value:
        out.append(head)
        _yaml_lines(value, child_indent, out)
    elif isinstance(value, str) and _literal_ok(value):
        out.append(f"{head} {_literal_header(value)}".lstrip())
        out.extend(_literal_lines(value, child_indent))
    else:
        empty = "{}" if isinstance(value, dict) else "[]" if isinstance(value, list) else None
        out.append(f"{head} {empty if empty is not None else _yaml_scalar(value)}")


def to_yaml(value: Any) -> str:
    """The YAML gnostic's compiler.Marshal writes for a JSON value."""
    if isinstance(value, dict | list) and value:
        lines: list[str] = []
        _yaml_lines(value, "", lines)
        return "\n".join(lines) + "\n"
    if isinstance(value, dict):
        return "{}\n"
    if isinstance(value, list):
        return "[]\n"
    if isinstance(value, str) and _literal_ok(value):
        return "\n".join([_literal_header(value), *_literal_lines(value, _INDENT)]) + "\n"
    return _yaml_scalar(value) + "\n"


def _literal_ok(text: str) -> bool:
    """Whether a multi-line string fits a plain literal block (else it is written double-quoted)."""
    lines = text.split("\n")
    return (
        len(lines) > 1
        and not text.endswith("\n\n")
        and not text.startswith((" ", "\t"))
        and all(line.isprintable() for line in lines)
    )


def _literal_header(text: str) -> str:
    """A literal block scalar's indicator: ``|`` keeps one final line break, ``|-`` strips it."""
    return "|" if text.endswith("\n") else "|-"


def _literal_lines(text: str, indent: str) -> list[str]:
    return [f"{indent}{line}" if line else "" for line in text.rstrip("\n").split("\n")]


# -- JSON -> openapi.v2 wire format ---------------------------------------------------------------

_LEN, _VARINT, _I64 = 2, 0, 1
_TYPE_DOUBLE, _TYPE_INT64, _TYPE_BOOL, _TYPE_STRING, _TYPE_MESSAGE = 1, 3, 8, 9, 11
_LABEL_REPEATED = 3


def _varint(value: int) -> bytes:
    if 0 <= value < 0x80:
        return _SMALL_VARINTS[value]
    if value < 0:
        value += 1 << 64
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_SMALL_VARINTS = [bytes((n,)) for n in range(0x80)]


def _json_key(field_name: str) -> str:
    """The JSON key of a field: ``operation_id`` -> ``operationId``, ``_ref`` -> ``$ref``."""
    if field_name == "_ref":
        return "$ref"
    head, *rest = field_name.split("_")
    return head + "".join(part.title() for part in rest)


@dataclass(frozen=True, slots=True)
class _Field:
    number: int
    type: int
    repeated: bool
    message: str  # the message type's short name, for message fields
    # proto3 leaves out a zero scalar unless it is a list element or a oneof case (which has presence).
    keeps_zero: bool
    tag: bytes  # the encoded key for this field's wire type


def _scalar(field: _Field, value: Any) -> bytes:
    """One scalar value of a field, with its tag (nothing for a zero value proto3 omits)."""
    kind = field.type
    if not value and not field.keeps_zero:
        return b""
    if kind == _TYPE_STRING:
        data = value.encode() if type(value) is str else str(value).encode()
        return field.tag + _varint(len(data)) + data
    if kind == _TYPE_BOOL:
        return field.tag + (b"\x01" if value else b"\x00")
    if kind == _TYPE_INT64:
        return field.tag + _varint(int(value))
    return field.tag + struct.pack("<d", float(value))


@dataclass(frozen=True, slots=True)
class _MessageType:
    name: str
    fields: dict[str, _Field]  # by field name
    by_key: dict[str, _Field]  # by JSON key
    # Paths, Responses and the Named<T> maps: where their entries and extensions go.
    entries: _Field | None
    extensions: _Field | None


_MAP_ENTRIES = {"Paths": "path", "Responses": "response_code"}


class DocumentEncoder:
    """Encodes Swagger 2.0 JSON documents as ``openapi.v2.Document`` protobuf bytes.

    The field numbers and types come from the compiled descriptor; the bytes are written here
    (in field-number order, as Go's proto.Marshal writes them), which lets a sub-object that
    the document holds in several places be encoded once. Definitions are long-lived (the same
    schema dicts on every rebuild), so their encodings are kept between calls.
    """

    def __init__(self) -> None:
        # Imported here: protobuf costs tens of milliseconds, which only a client asking for the
        # protobuf document should pay.
        from google.protobuf import descriptor_pb2

        data = importlib.resources.files(__package__).joinpath(_DESCRIPTOR_SET).read_bytes()
        self._types: dict[str, _MessageType] = {}
        for file in descriptor_pb2.FileDescriptorSet.FromString(data).file:
            if file.package != _PACKAGE.rstrip("."):
                continue
            for message in file.message_type:
                fields = {}
                for f in message.field:
                    wire = {_TYPE_STRING: _LEN, _TYPE_MESSAGE: _LEN, _TYPE_DOUBLE: _I64}.get(f.type, _VARINT)
                    fields[f.name] = _Field(
                        f.number,
                        f.type,
                        f.label == _LABEL_REPEATED,
                        f.type_name.rsplit(".", 1)[-1],
                        f.label == _LABEL_REPEATED or f.HasField("oneof_index"),
                        _varint(f.number << 3 | wire),
                    )
                entries_name = _MAP_ENTRIES.get(message.name)
                if entries_name is None and set(fields) == {"additional_properties"}:
                    entries_name = "additional_properties"
                self._types[message.name] = _MessageType(
                    message.name,
                    fields,
                    {_json_key(name): f for name, f in fields.items() if name != "vendor_extension"},
                    fields[entries_name] if entries_name else None,
                    fields.get("vendor_extension"),
                )
        self._oneofs: dict[str, Callable[[Any], str]] = {
            "AdditionalPropertiesItem": lambda v: "boolean" if isinstance(v, bool) else "schema",
            "ParametersItem": lambda v: "json_reference" if "$ref" in v else "parameter",
            "Parameter": lambda v: "body_parameter" if v.get("in") == "body" else "non_body_parameter",
            "NonBodyParameter": lambda v: _NON_BODY_CASES[v.get("in", "")],
            "SchemaItem": lambda v: "file_schema" if v.get("type") == "file" else "schema",
            "ResponseValue": lambda v: "json_reference" if "$ref" in v else "response",
            "SecurityDefinitionsItem": _security_case,
        }
        # (id, message type) -> (the object, its encoding); the object is held so its id stays
        # unique. _kept outlives a call (definitions), _memo does not.
        self._kept: dict[tuple[int, str], tuple[object, bytes]] = {}
        self._memo: dict[tuple[int, str], tuple[object, bytes]] = {}
        self._keep: set[tuple[int, str]] = set()
        self._lock = threading.Lock()

    def encode(self, document: dict[str, Any]) -> bytes:
        """The ``openapi.v2.Document`` of a Swagger 2.0 document."""
        with self._lock:
            definitions = document.get("definitions") or {}
            self._keep = {(id(schema), "Schema") for schema in definitions.values()}
            try:
                data = self._message("Document", document)
            finally:
                self._memo = {}
            # Forget definitions no longer served (a removed custom resource).
            self._kept = {key: value for key, value in self._kept.items() if key in self._keep}
            return data

    def _message(self, name: str, value: Any) -> bytes:
        key = (id(value), name)
        cached = self._kept.get(key) or self._memo.get(key)
        if cached is not None:
            return cached[1]
        data = self._encode(self._types[name], value)
        (self._kept if key in self._keep else self._memo)[key] = (value, data)
        return data

    def _encode(self, message: _MessageType, value: Any) -> bytes:
        name, fields = message.name, message.fields
        if name == "Any":
            return _scalar(fields["yaml"], to_yaml(value))
        if name in ("TypeItem", "StringArray"):
            field = fields["value"]
            return b"".join(_scalar(field, item) for item in ([value] if isinstance(value, str) else value))
        if name == "ItemsItem":
            return self._field(fields["schema"], [value])
        case = self._oneofs.get(name)
        if case is not None:
            return self._field(fields[case(value)], value)
        extensions, entries = message.extensions, message.entries
        pieces: list[tuple[int, bytes]] = []
        if entries is not None:
            for key, item in value.items():
                target = extensions if extensions is not None and key.startswith("x-") else entries
                pieces.append((target.number, self._named(target, key, item)))
        else:
            by_key = message.by_key
            for key, item in value.items():
                known = by_key.get(key)
                if known is not None:
                    pieces.append((known.number, self._field(known, item)))
                elif extensions is not None and key.startswith("x-"):
                    pieces.append((extensions.number, self._named(extensions, key, item)))
                else:
                    # gnostic's compiler refuses the document the same way.
                    raise ValueError(f"{name} has invalid property: {key}")
        pieces.sort(key=_first)
        return b"".join([data for _, data in pieces])

    def _field(self, field: _Field, value: Any) -> bytes:
        values = value if field.repeated else (value,)
        if field.type != _TYPE_MESSAGE:
            return b"".join([_scalar(field, item) for item in values])
        out = []
        tag, message = field.tag, field.message
        for item in values:
            data = self._message(message, item)
            out.append(tag + _varint(len(data)) + data)
        return b"".join(out)

    def _named(self, field: _Field, key: str, value: Any) -> bytes:
        """One ``Named<T>`` {name, value} entry of a repeated field, with its tag."""
        entry_fields = self._types[field.message].fields
        data = _scalar(entry_fields["name"], key) + self._field(entry_fields["value"], value)
        return field.tag + _varint(len(data)) + data


def _first(piece: tuple[int, bytes]) -> int:
    return piece[0]


_NON_BODY_CASES = {
    "header": "header_parameter_sub_schema",
    "formData": "form_data_parameter_sub_schema",
    "query": "query_parameter_sub_schema",
    "path": "path_parameter_sub_schema",
}


def _security_case(value: dict[str, Any]) -> str:
    kind = value.get("type")
    if kind == "basic":
        return "basic_authentication_security"
    if kind == "apiKey":
        return "api_key_security"
    flows = {
        "implicit": "oauth2_implicit_security",
        "password": "oauth2_password_security",
        "application": "oauth2_application_security",
        "accessCode": "oauth2_access_code_security",
    }
    return flows[value.get("flow", "")]
