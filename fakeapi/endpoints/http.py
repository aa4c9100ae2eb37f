"""The narrow seam between HTTP transports and the handler chain.

A transport (the HTTPS server, or an in-process adapter) turns what it received into a
:class:`Request` and gives the chain a :class:`ResponseWriter`; filters and handlers never
see sockets. This is the role http.Handler / http.ResponseWriter play in Go. A filter that
changes part of an answer wraps the writer in a :class:`ResponseWriterWrapper`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote

from fakeapi.apimachinery.gofmt import go_quote
from fakeapi.apimachinery.jsonutil import encode_json
from fakeapi.endpoints.request import RequestContext, RequestInfo

# A "%" that does not start two hex digits: url.unescape's EscapeError.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class PathEscapeError(ValueError):
    """A request path with a broken %-escape (Go's url.EscapeError, whose text this has)."""


def unescape_path(raw: str) -> str:
    """The decoded path of a request target's path, as Go's URL.Path holds it (``%3A`` is ``:``).

    Clients escape what they put in a path (the Python client escapes every ``:`` of
    ``system:basic-user``); routing, names and authorization all read the decoded path, as
    kube-apiserver's do. A ``%2F`` becomes a ``/`` that splits the path, as it does upstream.

    Raises:
        PathEscapeError: A ``%`` is not followed by two hex digits.
    """
    if "%" not in raw:
        return raw
    bad = _BAD_ESCAPE.search(raw)
    if bad is not None:
        raise PathEscapeError(f"invalid URL escape {go_quote(raw[bad.start() : bad.start() + 3])}")
    return unquote(raw, errors="replace")


def unescape_path_leniently(raw: str) -> str:
    """unescape_path for the in-process transports: a path with a broken escape is routed as sent (to a 404)."""
    try:
        return unescape_path(raw)
    except PathEscapeError:
        return raw


class Headers:
    """Case-insensitive, multi-valued request headers.

    Every filter looks headers up, so they are indexed by lower-cased name once.
    """

    def __init__(self, items: Iterable[tuple[str, str]] = ()) -> None:
        self._items: list[tuple[str, str]] = [(k, v) for k, v in items]
        self._index: dict[str, list[str]] = {}
        for key, value in self._items:
            self._index.setdefault(key.lower(), []).append(value)

    def get(self, name: str, default: str = "") -> str:
        values = self._index.get(name.lower())
        return values[0] if values else default

    def get_all(self, name: str) -> list[str]:
        return list(self._index.get(name.lower(), ()))

    def remove(self, name: str) -> None:
        lowered = name.lower()
        if self._index.pop(lowered, None) is not None:
            self._items = [(k, v) for k, v in self._items if k.lower() != lowered]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def names(self) -> list[str]:
        """The header names present, lower-cased."""
        return list(self._index)

    @classmethod
    def of(cls, mapping: Mapping[str, str]) -> Headers:
        return cls(mapping.items())


@dataclass
class Request:
    method: str
    path: str
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    # DER-encoded client certificate chain leaf, when the client presented one over TLS.
    peer_certificate: bytes | None = None
    remote_addr: str = ""
    context: RequestContext | None = None
    # The Audit-Id the audit-id filter gave the request (the client's, or a new one).
    audit_id: str = ""
    _query: dict[str, list[str]] | None = None

    @property
    def query(self) -> dict[str, list[str]]:
        if self._query is None:
            self._query = parse_qs(self.query_string, keep_blank_values=True)
        return self._query

    def query_param(self, name: str, default: str = "") -> str:
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def info(self) -> RequestInfo:
        assert self.context is not None, "the request-info filter runs before every handler"
        return self.context.request_info


class ResponseWriter(Protocol):
    """What a handler writes its answer to."""

    def write_head(self, status: int, headers: list[tuple[str, str]]) -> None:
        """Send the status line and headers; without a Content-Length the body is streamed (chunked)."""
        ...

    def write(self, data: bytes) -> None:
        """Send body bytes (one chunk when streaming). Raises ConnectionError when the client is gone."""
        ...

    @property
    def head_written(self) -> bool: ...


class ResponseWriterWrapper:
    """A ResponseWriter that passes everything to the one it wraps; filters override what they change.

    ``client_gone`` and ``on_client_gone`` are passed on too, where the wrapped writer has them (the
    watch handler asks).
    """

    def __init__(self, inner: ResponseWriter) -> None:
        self._inner = inner

    def write_head(self, status: int, headers: list[tuple[str, str]]) -> None:
        self._inner.write_head(status, headers)

    def write(self, data: bytes) -> None:
        self._inner.write(data)

    @property
    def head_written(self) -> bool:
        return self._inner.head_written

    def client_gone(self) -> bool:
        check = getattr(self._inner, "client_gone", None)
        return bool(check()) if check is not None else False

    def on_client_gone(self, callback: Callable[[], None]) -> None:
        register = getattr(self._inner, "on_client_gone", None)
        if register is not None:
            register(callback)

    def hijack(self) -> Connection:
        return hijack(self._inner)


class Connection(Protocol):
    """A connection a handler took over to speak an upgraded protocol (WebSocket, SPDY) on it."""

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes as soon as some arrived; b"" once the peer closed."""
        ...

    def write(self, data: bytes) -> None:
        """Send all of ``data`` (safe from several threads); ConnectionError when the peer is gone."""
        ...

    def close(self) -> None: ...

    def close_after_refusal(self) -> None:
        """Close after refusing what the peer sent: what it still sends is read for a moment first,
        since closing with unread bytes resets the connection and the peer could lose the refusal.
        Only from the thread that reads."""
        ...


class HijackNotSupportedError(Exception):
    """The transport cannot hand its connection over (the in-process adapters have none)."""


def hijack(w: ResponseWriter) -> Connection:
    """Take over the connection under ``w``, as Go's ``http.Hijacker``; HijackNotSupportedError where there is none."""
    take = getattr(w, "hijack", None)
    if take is None:
        raise HijackNotSupportedError("the transport does not support connection upgrades")
    connection: Connection = take()
    return connection


def _transport(w: ResponseWriter) -> Any:
    """The transport's own writer under the filters' wrappers."""
    inner: Any = w
    while isinstance(inner, ResponseWriterWrapper):
        inner = inner._inner
    return inner


def can_hijack(w: ResponseWriter) -> bool:
    """Whether the transport under ``w`` can hand its connection over."""
    return callable(getattr(_transport(w), "hijack", None))


class WouldBlock(Exception):
    """A write that would have waited for the client to read. The same bytes must be written
    again before anything else (TLS may have sent part of them and resumes where it stopped)."""


class StreamWrites(Protocol):
    """A transport that can write a stream from a thread of its own, without waiting on the client."""

    def nonblocking(self) -> AbstractContextManager[None]:
        """Writes made within (through the writer and its wrappers) raise WouldBlock instead of waiting."""
        ...

    def dispatch(self, job: Callable[[], None]) -> None:
        """Run ``job`` soon on the transport's dispatch thread, shared by every stream; it must not block."""
        ...


def stream_writes(w: ResponseWriter) -> StreamWrites | None:
    """The transport under ``w`` if it writes streams from its dispatch thread (the HTTPS server does)."""
    transport = _transport(w)
    if callable(getattr(transport, "dispatch", None)) and callable(getattr(transport, "nonblocking", None)):
        writes: StreamWrites = transport
        return writes
    return None


def switch_protocols(w: ResponseWriter, headers: list[tuple[str, str]]) -> Connection:
    """Answer 101 Switching Protocols with ``headers`` (through the filters, so audit sees it) and take the connection."""
    w.write_head(101, headers)
    return hijack(w)


Handler = Callable[[Request, ResponseWriter], None]


def write_bytes(
    w: ResponseWriter,
    status: int,
    body: bytes,
    content_type: str,
    extra_headers: list[tuple[str, str]] | None = None,
) -> None:
    headers = [("Content-Type", content_type), ("Content-Length", str(len(body))), *(extra_headers or [])]
    w.write_head(status, headers)
    if body:
        w.write(body)


def encode_json_body(obj: Any) -> bytes:
    """A response body as apimachinery's JSON serializer writes it: ``json.NewEncoder(w).Encode``, so with a newline.

    (runtime/serializer/json/json.go Serializer.doEncode; every object, list and Status a
    handler negotiates goes through it, where /version and the OpenAPI documents are marshalled.)
    """
    return encode_json(obj) + b"\n"


def write_json(w: ResponseWriter, status: int, obj: Any, extra_headers: list[tuple[str, str]] | None = None) -> None:
    """Writes ``obj`` as the serializer does (see ``encode_json_body``)."""
    write_bytes(w, status, encode_json_body(obj), "application/json", extra_headers)
