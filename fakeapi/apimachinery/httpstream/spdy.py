"""SPDY/3.1 streams, server side (apimachinery util/httpstream/spdy over moby/spdystream's framing).

kubectl and client-go speak SPDY for port-forward (directly after an ``Upgrade: SPDY/3.1``, or
tunneled in the binary messages of a ``SPDY/3.1+portforward.k8s.io`` WebSocket) and for exec
and attach when their WebSocket upgrade fails. A :class:`Session` reads frames from a byte
stream: each SYN_STREAM the client opens is answered with a SYN_REPLY and handed to the
caller's handler; DATA frames feed the stream's reader, a FIN ends it, RST_STREAM resets it;
PINGs the client sends are echoed, as spdystream does; SETTINGS, WINDOW_UPDATE and unknown
control frames are read and ignored (spdystream does not do flow control either). Header
blocks are zlib streams primed with the SPDY/3 dictionary, one context per direction, so every
block is decompressed in order, HEADERS frames' too. A frame that breaks the framing ends the
session, not the server.
"""

from __future__ import annotations

import contextlib
import struct
import threading
import zlib
from collections.abc import Callable
from typing import Protocol

from fakeapi.endpoints.http import Connection, Request, ResponseWriter, switch_protocols, write_bytes

HEADER_SPDY_31 = "SPDY/3.1"
HEADER_PROTOCOL_VERSION = "X-Stream-Protocol-Version"
HEADER_ACCEPTED_PROTOCOL_VERSIONS = "X-Accepted-Stream-Protocol-Versions"

VERSION = 3
TYPE_SYN_STREAM = 1
TYPE_SYN_REPLY = 2
TYPE_RST_STREAM = 3
TYPE_PING = 6
TYPE_GOAWAY = 7
TYPE_HEADERS = 8
FLAG_FIN = 0x01
RST_CANCEL = 5
# Outgoing DATA frames carry at most this much (the framing allows 16 MiB; smaller frames interleave better).
MAX_DATA_FRAME_BYTES = 32 * 1024

# The SPDY/3 header compression dictionary (draft 3, section 2.6.10.1): length-prefixed names, then a tail.
_DICTIONARY_WORDS = [
    "options",
    "head",
    "post",
    "put",
    "delete",
    "trace",
    "accept",
    "accept-charset",
    "accept-encoding",
    "accept-language",
    "accept-ranges",
    "age",
    "allow",
    "authorization",
    "cache-control",
    "connection",
    "content-base",
    "content-encoding",
    "content-language",
    "content-length",
    "content-location",
    "content-md5",
    "content-range",
    "content-type",
    "date",
    "etag",
    "expect",
    "expires",
    "from",
    "host",
    "if-match",
    "if-modified-since",
    "if-none-match",
    "if-range",
    "if-unmodified-since",
    "last-modified",
    "location",
    "max-forwards",
    "pragma",
    "proxy-authenticate",
    "proxy-authorization",
    "range",
    "referer",
    "retry-after",
    "server",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "vary",
    "via",
    "warning",
    "www-authenticate",
    "method",
    "get",
    "status",
]
_DICTIONARY_LAST_WORDS = ("200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin")
_DICTIONARY_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
    "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)
HEADER_DICTIONARY = (
    b"".join(struct.pack("!I", len(word)) + word.encode() for word in (*_DICTIONARY_WORDS, *_DICTIONARY_LAST_WORDS))
    + _DICTIONARY_TAIL.encode()
)


class ByteStream(Protocol):
    """What a session runs over: the upgraded connection, or a WebSocket tunnel."""

    def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes as soon as some arrived; b"" at the end."""
        ...

    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class FramingError(Exception):
    """The peer broke SPDY's framing: the session ends."""


Headers = dict[str, list[str]]


class Stream:
    """One SPDY stream the client opened: its headers, what it sends, and writes back to it."""

    def __init__(self, session: Session, stream_id: int, headers: Headers, remote_done: bool) -> None:
        self.session = session
        self.id = stream_id
        self.headers = headers
        self._data = bytearray()
        self._remote_done = remote_done
        self._local_done = False
        self._ready = threading.Condition()

    def header(self, name: str) -> str:
        """The first value of a header (SPDY names are lower-case)."""
        values = self.headers.get(name.lower()) or [""]
        return values[0]

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all until the end when negative), blocking until some came or the stream ended."""
        with self._ready:
            if size < 0:
                self._ready.wait_for(lambda: self._remote_done)
            else:
                self._ready.wait_for(lambda: self._remote_done or bool(self._data))
            count = len(self._data) if size < 0 else min(size, len(self._data))
            chunk = bytes(self._data[:count])
            del self._data[:count]
            return chunk

    def write(self, data: bytes) -> None:
        """Send ``data`` in DATA frames; ConnectionError once the session is gone."""
        for start in range(0, len(data), MAX_DATA_FRAME_BYTES):
            self.session.send_data(self.id, data[start : start + MAX_DATA_FRAME_BYTES], fin=False)

    def close(self) -> None:
        """Half-close: a DATA frame with FIN (once); the client may go on sending."""
        if self._local_done:
            return
        self._local_done = True
        with contextlib.suppress(ConnectionError, OSError):
            self.session.send_data(self.id, b"", fin=True)

    def reset(self) -> None:
        """RST_STREAM (CANCEL): both directions end now."""
        self._local_done = True
        self.remote_finished()
        with contextlib.suppress(ConnectionError, OSError):
            self.session.send_control(TYPE_RST_STREAM, 0, struct.pack("!II", self.id, RST_CANCEL))

    def feed(self, data: bytes) -> None:
        with self._ready:
            if not self._remote_done:
                self._data += data
                self._ready.notify_all()

    def remote_finished(self) -> None:
        with self._ready:
            self._remote_done = True
            self._ready.notify_all()


class Session:
    """A server-side SPDY/3.1 connection: ``serve()`` reads frames until the client goes away."""

    def __init__(self, transport: ByteStream, on_stream: Callable[[Stream], None]) -> None:
        self._transport = transport
        self._on_stream = on_stream
        self._buffer = bytearray()
        self._write_lock = threading.Lock()
        self._compressor = zlib.compressobj(zlib.Z_BEST_COMPRESSION, zdict=HEADER_DICTIONARY)
        self._decompressor = zlib.decompressobj(zdict=HEADER_DICTIONARY)
        self.streams: dict[int, Stream] = {}
        self._last_stream_id = 0
        self.closed = False

    # -- reading ----------------------------------------------------------------------------

    def serve(self) -> None:
        """Read and dispatch frames until the end of the transport or a framing error; then every stream ends."""
        try:
            while (frame := self._read_frame()) is not None:
                self._dispatch(*frame)
        except (FramingError, zlib.error, struct.error, ConnectionError, OSError):
            pass
        finally:
            self.closed = True
            for stream in list(self.streams.values()):
                stream.remote_finished()

    def _read_frame(self) -> tuple[bool, int, int, bytes] | None:
        """(control, type or stream id, flags, payload), or None at a clean end between frames."""
        head = self._read_exact(8)
        if head is None:
            return None
        first, flags_length = struct.unpack("!II", head)
        payload = self._read_exact(flags_length & 0xFFFFFF)
        if payload is None:
            raise FramingError("closed inside a frame")
        control = bool(first & 0x80000000)
        if control and (first >> 16) & 0x7FFF != VERSION:
            raise FramingError("unsupported SPDY version")
        return control, (first & 0xFFFF) if control else first & 0x7FFFFFFF, flags_length >> 24, payload

    def _read_exact(self, size: int) -> bytes | None:
        while len(self._buffer) < size:
            data = self._transport.read(65536)
            if not data:
                return None
            self._buffer += data
        chunk = bytes(self._buffer[:size])
        del self._buffer[:size]
        return chunk

    def _dispatch(self, control: bool, kind: int, flags: int, payload: bytes) -> None:
        if not control:
            stream = self.streams.get(kind)
            if stream is not None:
                if payload:
                    stream.feed(payload)
                if flags & FLAG_FIN:
                    stream.remote_finished()
            return
        if kind == TYPE_SYN_STREAM:
            self._syn_stream(flags, payload)
        elif kind == TYPE_RST_STREAM:
            stream_id = struct.unpack("!I", payload[:4])[0] & 0x7FFFFFFF
            reset = self.streams.pop(stream_id, None)
            if reset is not None:
                reset.remote_finished()
        elif kind == TYPE_PING:
            (ping_id,) = struct.unpack("!I", payload[:4])
            if ping_id & 1:  # the client's pings are odd: echo them (the server's own would be even)
                self.send_control(TYPE_PING, 0, payload[:4])
        elif kind == TYPE_GOAWAY:
            raise FramingError("the client went away")
        elif kind in (TYPE_SYN_REPLY, TYPE_HEADERS):
            # Headers the server has no use for, decompressed all the same to keep the zlib context in step.
            self._decode_headers(payload[4:])

    def _syn_stream(self, flags: int, payload: bytes) -> None:
        if len(payload) < 10:
            raise FramingError("short SYN_STREAM")
        stream_id = struct.unpack("!I", payload[:4])[0] & 0x7FFFFFFF
        headers = self._decode_headers(payload[10:])
        if stream_id <= self._last_stream_id or not stream_id & 1:
            raise FramingError("stream IDs of a client must be odd and increasing")
        self._last_stream_id = stream_id
        stream = Stream(self, stream_id, headers, remote_done=bool(flags & FLAG_FIN))
        self.streams[stream_id] = stream
        # connection.go newSpdyStream: every accepted stream gets an empty reply.
        self.send_control(TYPE_SYN_REPLY, 0, struct.pack("!I", stream_id) + self._encode_headers({}))
        self._on_stream(stream)

    def _decode_headers(self, block: bytes) -> Headers:
        data = self._decompressor.decompress(block)
        headers: Headers = {}
        (count,) = struct.unpack_from("!I", data, 0)
        offset = 4
        for _ in range(count):
            (name_length,) = struct.unpack_from("!I", data, offset)
            name = data[offset + 4 : offset + 4 + name_length].decode("latin-1").lower()
            offset += 4 + name_length
            (value_length,) = struct.unpack_from("!I", data, offset)
            value = data[offset + 4 : offset + 4 + value_length].decode("latin-1")
            offset += 4 + value_length
            if offset > len(data):
                raise FramingError("header block overruns its frame")
            headers.setdefault(name, []).extend(value.split("\x00"))
        return headers

    # -- writing ----------------------------------------------------------------------------

    def _encode_headers(self, headers: Headers) -> bytes:
        block = struct.pack("!I", len(headers))
        for name, values in headers.items():
            value = "\x00".join(values).encode("latin-1")
            block += (
                struct.pack("!I", len(name)) + name.lower().encode("latin-1") + struct.pack("!I", len(value)) + value
            )
        with self._write_lock:
            return self._compressor.compress(block) + self._compressor.flush(zlib.Z_SYNC_FLUSH)

    def send_control(self, kind: int, flags: int, payload: bytes) -> None:
        head = struct.pack("!HHI", 0x8000 | VERSION, kind, (flags << 24) | len(payload))
        self._write(head + payload)

    def send_data(self, stream_id: int, data: bytes, *, fin: bool) -> None:
        head = struct.pack("!II", stream_id & 0x7FFFFFFF, ((FLAG_FIN if fin else 0) << 24) | len(data))
        self._write(head + data)

    def _write(self, frame: bytes) -> None:
        if self.closed:
            raise ConnectionResetError("the SPDY session is closed")
        with self._write_lock:
            self._transport.write(frame)

    def close(self) -> None:
        """End the session: the transport closes, ``serve`` returns."""
        self.closed = True
        self._transport.close()


def negotiate_protocol(client_protocols: list[str], server_protocols: list[str]) -> str | None:
    """httpstream's negotiateProtocol: the first protocol the client offers that the server speaks."""
    return next((p for p in client_protocols if p in server_protocols), None)


def plain_text_error(
    w: ResponseWriter, status: int, message: str, headers: list[tuple[str, str]] | None = None
) -> None:
    """Go's ``http.Error``: the message and a newline as plain text (the kubelet's refusals reach clients so)."""
    write_bytes(
        w,
        status,
        (message + "\n").encode(),
        "text/plain; charset=utf-8",
        [("X-Content-Type-Options", "nosniff"), *(headers or [])],
    )


def _go_header_repr(req: Request) -> str:
    """A request's headers as Go's ``%#v`` prints an http.Header (keys sorted, as fmt sorts map keys)."""
    grouped: dict[str, list[str]] = {}
    for name, value in req.headers.items():
        grouped.setdefault("-".join(part.capitalize() for part in name.split("-")), []).append(value)
    entries = ", ".join(
        f'"{name}":[]string{{{", ".join(f"{chr(34)}{v}{chr(34)}" for v in values)}}}'
        for name, values in sorted(grouped.items())
    )
    return f"http.Header{{{entries}}}"


def upgrade(req: Request, w: ResponseWriter, server_protocols: list[str]) -> tuple[Connection, str] | None:
    """Handshake and UpgradeResponse: agree on a stream protocol, answer 101 and take the connection.

    None when refused (already answered): no ``X-Stream-Protocol-Version`` (400), none the
    server speaks (403 naming both sides' lists), or no ``Upgrade: SPDY/3.1`` (400).
    """
    client_protocols = [
        p.strip() for v in req.headers.get_all(HEADER_PROTOCOL_VERSION) for p in v.split(",") if p.strip()
    ]
    if not client_protocols:
        plain_text_error(w, 400, f"unable to upgrade: {HEADER_PROTOCOL_VERSION} is required")
        return None
    protocol = negotiate_protocol(client_protocols, server_protocols)
    if protocol is None:
        message = (
            "unable to upgrade: unable to negotiate protocol: "
            f"client supports [{' '.join(client_protocols)}], server accepts [{' '.join(server_protocols)}]"
        )
        accepted = [(HEADER_ACCEPTED_PROTOCOL_VERSIONS, p) for p in server_protocols]
        plain_text_error(w, 403, message, accepted)
        return None
    if HEADER_SPDY_31.lower() not in req.headers.get("Upgrade").lower():
        plain_text_error(w, 400, f"unable to upgrade: missing upgrade headers in request: {_go_header_repr(req)}")
        return None
    headers = [("Connection", "Upgrade"), ("Upgrade", HEADER_SPDY_31), (HEADER_PROTOCOL_VERSION, protocol)]
    return switch_protocols(w, headers), protocol
