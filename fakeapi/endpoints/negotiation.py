"""Content negotiation (k8s.io/apiserver/pkg/endpoints/handlers/negotiation).

Responses are JSON (or YAML when asked); ``as=Table`` and ``as=PartialObjectMetadata[List]``
transform the object; protobuf is accepted in request bodies but never produced, so an Accept
header that offers nothing else gets 406.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from fakeapi.apimachinery import errors, safeyaml

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
SUPPORTED_OUTPUT = [JSON, YAML]
SUPPORTED_INPUT = [JSON, YAML, PROTOBUF]


@dataclass(frozen=True)
class MediaType:
    type: str
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str) -> str:
        return next((v for k, v in self.params if k == name), "")


@dataclass(frozen=True)
class Output:
    """What to send back: the serialization and an optional transformation (Table, PartialObjectMetadata)."""

    media_type: str = JSON
    transform: str = ""  # "", "Table", "PartialObjectMetadata", "PartialObjectMetadataList"
    # The meta.k8s.io version of the transformed kind (v1, or v1beta1 as older clients ask).
    transform_version: str = "v1"


def parse_media_type(text: str) -> MediaType:
    main, *raw_params = text.split(";")
    params = []
    for raw in raw_params:
        key, _, value = raw.strip().partition("=")
        if key:
            params.append((key.strip().lower(), value.strip().strip('"')))
    return MediaType(main.strip().lower(), tuple(params))


def parse_accept(header: str) -> list[MediaType]:
    return [parse_media_type(part) for part in header.split(",") if part.strip()]


_TRANSFORMS = {"Table", "PartialObjectMetadata", "PartialObjectMetadataList"}


@functools.lru_cache(maxsize=256)
def negotiate_output(accept_header: str, *, allow_transforms: bool = True) -> Output:
    """Pick the first media range in the Accept header the server can produce."""
    if not accept_header.strip():
        return Output()
    for media in parse_accept(accept_header):
        if media.param("q") == "0":
            continue
        as_kind = media.param("as")
        if as_kind:
            if (
                allow_transforms
                and as_kind in _TRANSFORMS
                and media.param("g") == "meta.k8s.io"
                and media.param("v") in ("v1", "v1beta1")
                and media.type in (JSON, YAML, "*/*")
            ):
                return Output(YAML if media.type == YAML else JSON, as_kind, media.param("v"))
            continue
        if media.type in (JSON, "application/*", "*/*", "application/json-patch+json"):
            return Output(JSON)
        if media.type in (YAML, "text/yaml"):
            return Output(YAML)
    raise errors.new_not_acceptable(SUPPORTED_OUTPUT)


def request_content_type(header: str) -> str:
    """The media type of a request body; anything after ``;`` is ignored, as upstream does."""
    return header.split(";", 1)[0].strip().lower()


# RFC 2045 tokens and quoted strings, as Go's mime package reads them.
_MIME_TOKEN = r"[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+"
_MIME_VALUE = rf'(?:{_MIME_TOKEN}|"(?:[^"\\]|\\.)*")'
_MEDIA_TYPE = re.compile(
    rf"\s*{_MIME_TOKEN}(?:/{_MIME_TOKEN})?\s*(?:;\s*{_MIME_TOKEN}\s*=\s*{_MIME_VALUE}\s*)*(?:;\s*)?"
)


def media_type_parses(header: str) -> bool:
    """Whether mime.ParseMediaType reads the header: a type (and subtype), then ``name=value``
    parameters (a trailing ``;`` is allowed). NegotiateInputSerializer answers 415 for one it cannot."""
    return _MEDIA_TYPE.fullmatch(header) is not None


def decode_payload(body: bytes, content_type: str) -> Any:
    """A body read by its media type, without any check of what it holds (JSON, YAML or protobuf).

    For the request and audit logs, which note what a body was; the handlers decode and check
    bodies themselves.

    Raises:
        Exception: Whatever the decoder raises for a body it cannot read.
    """
    media_type = content_type.split(";", 1)[0].strip().lower()
    if "protobuf" in media_type:
        from fakeapi.apimachinery.protobuf import decode_object

        return decode_object(body)
    if "yaml" in media_type:
        # The handlers' own loader: a body that aliases its way to a huge document is refused here too.
        return safeyaml.load(body)
    return json.loads(body)


# Browsers and command-line HTTP tools get indented JSON unless they say otherwise (negotiate.go isPrettyPrint).
_PRETTY_AGENTS = ("curl", "Wget", "Mozilla/5.0")
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\],:]|[^"{}\[\],:]+')


def is_pretty_print(pretty: str | None, user_agent: str) -> bool:
    """isPrettyPrint: a non-empty ``pretty`` query parameter decides (strconv.ParseBool, false if it cannot
    parse); without one, curl, Wget and browsers get pretty output."""
    if pretty:
        return pretty in _TRUE
    return user_agent.startswith(_PRETTY_AGENTS)


def indent_json(body: bytes) -> bytes:
    """json.MarshalIndent(obj, "", "  ") of the object a compact encoding holds: the same bytes indented, two
    spaces a level, empty objects and arrays kept as ``{}`` and ``[]``, and no newline at the end."""
    tokens = _JSON_TOKEN.findall(body.rstrip(b"\n"))
    out: list[bytes] = []
    depth = 0
    closing = {b"{": b"}", b"[": b"]"}
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token in closing:
            if i + 1 < len(tokens) and tokens[i + 1] == closing[token]:
                out.append(token + closing[token])
                i += 2
                continue
            depth += 1
            out.append(token + b"\n" + b"  " * depth)
        elif token in (b"}", b"]"):
            depth -= 1
            out.append(b"\n" + b"  " * depth + token)
        elif token == b",":
            out.append(b",\n" + b"  " * depth)
        elif token == b":":
            out.append(b": ")
        else:
            out.append(token)
        i += 1
    return b"".join(out)
