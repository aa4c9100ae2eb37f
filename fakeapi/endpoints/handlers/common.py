"""What every verb handler shares: the request scope, body decoding, option parsing, responses.

Mirrors handlers/rest.go (RequestScope, transformResponseObject) and the decode steps of
handlers/create.go, including upstream's error texts for bodies it cannot use.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import yaml

from fakeapi.apimachinery import errors, field, safeyaml
from fakeapi.apimachinery.jsonutil import decode_json, json_value_kind
from fakeapi.apimachinery.openapi_schemas import SchemaRegistry
from fakeapi.apimachinery.schema import GroupKind, GroupVersion, GroupVersionKind
from fakeapi.endpoints import negotiation
from fakeapi.endpoints.handlers.table import (
    INCLUDE_OBJECT_POLICIES,
    TableConvertorRegistry,
    is_list,
    to_partial_object_metadata,
    to_table,
)
from fakeapi.endpoints.http import Request, ResponseWriter, encode_json_body, write_bytes
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.resource_spec import ResourceSpec
from fakeapi.registry.rest import WriteOptions
from fakeapi.storage.caching_object import EncodedObjects
from fakeapi.storage.interfaces import Object

FIELD_MANAGER_MAX_LENGTH = 128
FIELD_VALIDATION_DIRECTIVES = ("Ignore", "Warn", "Strict")


@dataclass
class RequestScope:
    """handlers.RequestScope: what a route handler knows about its resource."""

    spec: ResourceSpec
    storage: Any
    # The kind served at this endpoint (Scale for deployments/scale, the resource's kind otherwise).
    kind: GroupVersionKind
    schemas: SchemaRegistry
    # The server's table convertors, asked per request (rest.TableConvertor of the storage upstream).
    table_convertors: TableConvertorRegistry
    subresource: str = ""
    # The encodings the storage keeps of the versions in its watch window (none kept by default).
    encodings: EncodedObjects = dataclass_field(default_factory=EncodedObjects)

    @property
    def context_name(self) -> str:
        return self.spec.resource + (f"/{self.subresource}" if self.subresource else "")


def context_of(req: Request) -> RequestContext:
    assert req.context is not None
    return req.context


def warning_headers(ctx: RequestContext | None) -> list[tuple[str, str]]:
    if ctx is None:
        return []
    return [("Warning", '299 - "' + w.replace('"', '\\"') + '"') for w in ctx.warnings]


def encode(obj: Any, media_type: str, encodings: EncodedObjects | None = None) -> bytes:
    """A response body; JSON from ``encodings`` where they hold the object's (or list items') bytes."""
    if media_type == negotiation.YAML:
        return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True).encode()
    return encode_json_body(obj) if encodings is None else encodings.body(obj)


def write_object(req: Request, w: ResponseWriter, status: int, obj: Object, scope: RequestScope | None = None) -> None:
    """transformResponseObject: negotiate, transform (Table, metadata), encode, add Warning headers."""
    output = negotiation.negotiate_output(req.headers.get("Accept"), allow_transforms=scope is not None)
    if output.transform and scope is not None and obj.get("kind") != "Status":
        _check_list_kind(obj, output.transform, scope)
        obj = transform(obj, output, req, scope)
    body = encode(obj, output.media_type, None if scope is None else scope.encodings)
    write_bytes(
        w, status, _pretty_if_asked(req, body, output.media_type), output.media_type, warning_headers(req.context)
    )


def _check_list_kind(obj: Object, as_kind: str, scope: RequestScope) -> None:
    """asPartialObjectMetadata(List): the kind asked for must match whether the answer is a list (406)."""
    listed = is_list(obj)
    if as_kind == "PartialObjectMetadata" and listed:
        problem = "you requested PartialObjectMetadata, but the requested object is a list"
    elif as_kind == "PartialObjectMetadataList" and not listed:
        problem = "you requested PartialObjectMetadataList, but the requested object is not a list"
    else:
        return
    raise errors.StatusError(406, "NotAcceptable", f"{problem} ({scope.spec.internal_type}{'List' if listed else ''})")


def transform(
    obj: Object, output: negotiation.Output, req: Request, scope: RequestScope, *, no_headers: bool = False
) -> Object:
    """The Table or PartialObjectMetadata form of ``obj``; ``no_headers`` drops a Table's column definitions."""
    if output.transform == "Table":
        # optionsForTransform and ValidateTableOptions; an empty includeObject is Metadata.
        include = req.query_param("includeObject") or "Metadata"
        if include not in INCLUDE_OBJECT_POLICIES:
            detail = field.invalid("includeObject", include, "must be 'Metadata', 'Object', 'None', or empty")
            raise errors.new_bad_request(f"Unable to convert to Table as requested: {detail}")
        convertor = scope.table_convertors.convertor_for(scope.spec.group_resource, scope.kind.group_kind)
        return to_table(obj, convertor, scope.kind, include, no_headers=no_headers, version=output.transform_version)
    return to_partial_object_metadata(obj, output.transform_version)


def write_status_error(req: Request, w: ResponseWriter, err: errors.StatusError) -> None:
    headers = warning_headers(req.context) + list(err.headers.items())
    # responsewriters.ErrorNegotiated: a Status asking for a retry says when in a header too.
    retry_after = err.details.get("retryAfterSeconds")
    if retry_after:
        headers.append(("Retry-After", str(retry_after)))
    try:
        output = negotiation.negotiate_output(req.headers.get("Accept"), allow_transforms=False)
        media_type = output.media_type
    except errors.StatusError:
        media_type = negotiation.JSON
    write_bytes(w, err.code, _pretty_if_asked(req, encode(err.status, media_type), media_type), media_type, headers)


def _pretty_if_asked(req: Request, body: bytes, media_type: str) -> bytes:
    """The JSON serializer's pretty form when isPrettyPrint says so (YAML has no other form)."""
    if media_type != negotiation.JSON:
        return body
    if not negotiation.is_pretty_print(req.query_param("pretty") or None, req.headers.get("User-Agent")):
        return body
    return negotiation.indent_json(body)


# -- request bodies --------------------------------------------------------------------------


def _summarize(body: bytes, limit: int = 30) -> str:
    text = body.decode("utf-8", "replace")
    return text if len(text) <= limit else text[:limit] + " ..."


def decode_body(req: Request, scope: RequestScope, field_validation: str) -> Object:
    """Decode a JSON, YAML or protobuf body into an object of the endpoint's kind (400/415 otherwise).

    A body whose JSON types do not fit the kind fails here, as decoding into the Go type does;
    its unknown and duplicate fields are then refused or reported as ``field_validation`` says.
    """
    obj = parse_body(req, scope.kind.kind)
    # Counted before anything is defaulted into the object: the duplicate check compares with the body.
    keys = _count_keys(obj) if field_validation != "Ignore" and _is_json_body(req) else 0
    check_type_meta(obj, scope.kind)
    decoded = scope.schemas.decode(obj, scope.kind)
    if decoded.type_errors:
        raise errors.new_bad_request("; ".join(decoded.type_errors))
    _check_unknown_fields(req, scope, decoded.unknown_fields, field_validation, keys)
    return obj


# SimpleMetaFactory.Interpret's view of a JSON body, as reflect names its type in decode errors.
_TYPE_META_STRUCT = (
    'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
)


def _unrecognized(expected_kind: str, error: str, body: bytes) -> errors.StatusError:
    """transformDecodeError of a body whose type meta could not be read."""
    return _undecodable(expected_kind, f"couldn't get version/kind; json parse error: {error}", body)


def _undecodable(expected_kind: str, error: str, body: bytes) -> errors.StatusError:
    """transformDecodeError of a body the serializer refused before reading its type meta (YAMLToJSON's errors)."""
    return errors.new_bad_request(
        f"the object provided is unrecognized (must be of type {expected_kind}): {error} ({_summarize(body)})"
    )


_JSON_CONTENT_TYPES = ("", negotiation.JSON)


def _is_json_body(req: Request) -> bool:
    """Whether the body is JSON (no Content-Type reads as JSON, as upstream's decoder defaults)."""
    return negotiation.request_content_type(req.headers.get("Content-Type")) in _JSON_CONTENT_TYPES


def parse_body(req: Request, expected_kind: str) -> Object:
    """Parse the body by its Content-Type; ``expected_kind`` only names the type in error messages.

    A JSON body is read as Go's encoding/json reads it into the type meta first: its errors are
    Go's, and ``null`` is an empty object.
    """
    header = req.headers.get("Content-Type")
    if header and not negotiation.media_type_parses(header):
        raise errors.new_unsupported_media_type(negotiation.SUPPORTED_INPUT)
    content_type = negotiation.request_content_type(header)
    is_json = content_type in _JSON_CONTENT_TYPES
    try:
        if is_json:
            obj = decode_json(req.body)
        elif content_type in (negotiation.YAML, "application/x-yaml", "text/yaml"):
            obj = safeyaml.load(req.body)
        elif content_type == negotiation.PROTOBUF:
            from fakeapi.apimachinery.protobuf import decode_object

            obj = decode_object(req.body)
        else:
            raise errors.new_unsupported_media_type(negotiation.SUPPORTED_INPUT)
    except safeyaml.ExcessiveAliasingError as exc:
        # YAMLToJSON's own error, unwrapped by the serializer.
        raise errors.new_bad_request(f"yaml: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise _undecodable(expected_kind, safeyaml.error_text(exc), req.body) from None
    except (ValueError, RecursionError) as exc:
        raise _unrecognized(
            expected_kind, errors.json_error_text(exc, req.body if is_json else None), req.body
        ) from None
    if obj is None and is_json:
        obj = {}
    if not isinstance(obj, dict):
        if not is_json:
            raise _unrecognized(expected_kind, "expected an object", req.body)
        kind = json_value_kind(obj)
        raise _unrecognized(
            expected_kind, f"json: cannot unmarshal {kind} into Go value of type {_TYPE_META_STRUCT}", req.body
        )
    if is_json:
        for key, value in obj.items():
            if key in ("apiVersion", "kind") and value is not None and not isinstance(value, str):
                error = f"json: cannot unmarshal {json_value_kind(value)} into Go struct field .{key} of type string"
                raise _unrecognized(expected_kind, error, req.body)
    return obj


def check_type_meta(obj: Object, expected: GroupVersionKind) -> None:
    """Default apiVersion/kind from the URL; refuse another group-version or kind (400)."""
    api_version = obj.get("apiVersion") or expected.api_version
    kind = obj.get("kind") or expected.kind
    if not isinstance(api_version, str) or not isinstance(kind, str):
        raise errors.new_bad_request("apiVersion and kind must be strings")
    group_version = GroupVersion.parse(api_version)
    if group_version != expected.group_version:
        raise errors.new_bad_request(
            f"the API version in the data ({api_version}) does not match the expected API version ({expected.api_version})"
        )
    if kind != expected.kind:
        raise errors.new_bad_request(
            f'{kind} in version "{group_version.version}" cannot be handled as a {expected.kind}: '
            f'no kind "{kind}" is registered for the endpoint of kind "{expected.kind}"'
        )
    obj["apiVersion"] = api_version
    obj["kind"] = kind


# -- options ---------------------------------------------------------------------------------


def _options_invalid(options_kind: str, errs: list[field.FieldError]) -> errors.StatusError:
    return errors.new_invalid(GroupKind("meta.k8s.io", options_kind), "", errs)


def parse_dry_run(req: Request, options_kind: str) -> bool:
    values = req.query.get("dryRun") or []
    if any(v != "All" for v in values):
        raise _options_invalid(options_kind, [field.not_supported("dryRun", values, ["All"])])
    return bool(values)


def parse_write_options(req: Request, options_kind: str) -> WriteOptions:
    """CreateOptions / UpdateOptions / PatchOptions from the query, validated as upstream
    (ValidateCreateOptions and its siblings: fieldManager, dryRun, fieldValidation, every error at once)."""
    manager = req.query_param("fieldManager")
    errs = _field_manager_errors(manager)
    dry_run = req.query.get("dryRun") or []
    if any(v != "All" for v in dry_run):
        errs.append(field.not_supported("dryRun", dry_run, ["All"]))
    directive = req.query_param("fieldValidation")
    if directive and directive not in FIELD_VALIDATION_DIRECTIVES:
        errs.append(field.not_supported("fieldValidation", directive, ["", *sorted(FIELD_VALIDATION_DIRECTIVES)]))
    if errs:
        raise _options_invalid(options_kind, errs)
    return WriteOptions(
        dry_run=bool(dry_run),
        field_manager=manager or default_field_manager(req),
        field_validation=directive or "Warn",
    )


def _field_manager_errors(manager: str) -> list[field.FieldError]:
    """ValidateFieldManager: at most 128 characters, every one printable (unicode.IsPrint)."""
    errs = []
    if len(manager) > FIELD_MANAGER_MAX_LENGTH:
        errs.append(field.too_long("fieldManager", FIELD_MANAGER_MAX_LENGTH))
    for index, char in enumerate(manager):
        if not char.isprintable():
            position = len(manager[:index].encode())  # Go ranges over a string's bytes
            errs.append(
                field.invalid("fieldManager", manager, f"invalid character U+{ord(char):04X} (at position {position})")
            )
    return errs


def default_field_manager(req: Request) -> str:
    """The user agent up to the first '/', as managedfields does when no fieldManager is given."""
    return field_manager_from_user_agent(req.headers.get("User-Agent"))


def field_manager_from_user_agent(agent: str) -> str:
    """managedfields' prefixFromUserAgent: the user agent up to its first '/', at most 128 characters."""
    return agent.split("/", 1)[0][:FIELD_MANAGER_MAX_LENGTH] if agent else ""


def parse_int(req: Request, name: str) -> int | None:
    value = req.query_param(name)
    if value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise errors.new_bad_request(f'invalid value for {name}: "{value}"') from None


def parse_bool(req: Request, name: str) -> bool | None:
    value = req.query_param(name)
    if value == "":
        return None if name not in req.query else True
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise errors.new_bad_request(f'invalid value for {name}: "{value}"')


def _check_unknown_fields(
    req: Request, scope: RequestScope, unknown: list[str], directive: str, decoded_keys: int
) -> None:
    """fieldValidation of a create or update: Strict refuses unknown and duplicate fields, Warn warns.

    sigs.k8s.io/json's strict decoding reports both kinds in body order, each message once and at
    most 100; Strict answers them as a decode error (handlers/rest.go transformDecodeError, 400).
    ``decoded_keys`` is how many object keys the parsed body held.
    """
    if directive == "Ignore":
        return
    # Duplicates can only be seen in a JSON body: YAML and protobuf bodies are decoded as parsed.
    is_json = _is_json_body(req)
    if not unknown and not (is_json and _may_repeat_a_key(req.body, decoded_keys)):
        return
    scan = _scan_json_fields(req.body) if is_json else None
    found = [(scan.first_seen.get(path, 0) if scan else 0, f'unknown field "{path}"') for path in unknown]
    if scan is not None:
        # A key the kind does not have is reported as unknown even when named twice.
        unknown_paths = set(unknown)
        found += [(pos, f'duplicate field "{path}"') for pos, path in scan.duplicates if path not in unknown_paths]
    if not found:
        return
    messages = list(dict.fromkeys(message for _, message in sorted(found, key=lambda entry: entry[0])))[:100]
    if directive != "Strict":
        for message in messages:
            context_of(req).add_warning(message)
        return
    kind = scope.kind
    raise errors.new_bad_request(
        f'{kind.kind} in version "{kind.version}" cannot be handled as a {kind.kind}: '
        "strict decoding error: " + ", ".join(messages)
    )


# Every key of a JSON text is a string followed by optional whitespace and a colon.
_KEY_END = re.compile(rb'"[ \t\r\n]*:')


def _may_repeat_a_key(body: bytes, decoded_keys: int) -> bool:
    """False when the JSON ``body`` certainly names no key twice in an object, without parsing it again.

    Each key in the text ends with a match of ``_KEY_END`` (a string value may add more), and a
    repeated key leaves one key fewer in the decoded object than in the text; so as many matches
    as decoded keys means no repeat. Most bodies pass this, and skip the slow scan.
    """
    return len(_KEY_END.findall(body)) != decoded_keys


def _count_keys(value: Any) -> int:
    """How many object keys a decoded JSON value holds, at every depth."""
    count = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            count += len(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return count


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as the key/value pairs of the body, duplicates kept."""


@dataclass
class _FieldScan:
    # Where each field path first appears (a count of keys in body order), and each duplicate.
    first_seen: dict[str, int]
    duplicates: list[tuple[int, str]]


def _scan_json_fields(body: bytes) -> _FieldScan | None:
    """Every field path of a JSON body in order, with the ones an object names twice."""
    try:
        parsed = json.loads(body, object_pairs_hook=_Pairs)
    except (ValueError, RecursionError):
        return None
    scan = _FieldScan({}, [])
    position = 0
    # Depth first in body order: a stack of (path, value, how the value was reached).
    pending: list[tuple[str, Any, str]] = [("", parsed, "root")]
    while pending:
        path, value, reached = pending.pop()
        if reached in ("key", "duplicate"):
            if reached == "duplicate":
                scan.duplicates.append((position, path))
            else:
                scan.first_seen.setdefault(path, position)
            position += 1
        if isinstance(value, _Pairs):
            seen: set[str] = set()
            children = []
            for key, item in value:
                children.append((f"{path}.{key}" if path else key, item, "duplicate" if key in seen else "key"))
                seen.add(key)
            pending.extend(reversed(children))
        elif isinstance(value, list):
            pending.extend(reversed([(f"{path}[{i}]", item, "item") for i, item in enumerate(value)]))
    return scan
