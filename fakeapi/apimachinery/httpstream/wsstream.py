"""WebSocket streams (apimachinery util/httpstream/wsstream, and the RFC 6455 framing of golang.org/x/net/websocket).

``accept`` answers a WebSocket upgrade on a connection the HTTP server hands over (101, then
frames); a handshake x/net/websocket refuses is answered as it does: 400 for a bad key or
version, 405 for a method other than GET, 403 (empty body) when none of the client's
subprotocols is served. :class:`WebSocket` reads whole messages (fragments joined, pings
answered, a close echoed) and writes unfragmented ones; a frame that breaks the protocol
(unmasked, oversized, a bad opcode) ends the connection with a close frame, never the server.

:class:`ChannelConn` is wsstream's ``Conn``: the ``channel.k8s.io`` family of subprotocols,
whose binary messages start with a channel byte (base64 ones with the channel as an ASCII digit,
the rest base64-encoded), and ``v5.channel.k8s.io``'s close signal (channel 255 followed by the
number of the channel the peer will not write to again).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import struct
import threading
from dataclasses import dataclass, field

from fakeapi.endpoints.http import Connection, Request, ResponseWriter, switch_protocols, write_bytes

WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
# x/net/websocket's DefaultMaxPayloadBytes.
MAX_MESSAGE_BYTES = 32 << 20

OPCODE_CONTINUATION = 0x0
OPCODE_TEXT = 0x1
OPCODE_BINARY = 0x2
OPCODE_CLOSE = 0x8
OPCODE_PING = 0x9
OPCODE_PONG = 0xA

CLOSE_NORMAL = 1000
CLOSE_PROTOCOL_ERROR = 1002
CLOSE_TOO_BIG = 1009

CHANNEL_PROTOCOL = "channel.k8s.io"
BASE64_CHANNEL_PROTOCOL = "base64.channel.k8s.io"
# v5.channel.k8s.io: a message on this channel closes the peer's writing end of another channel.
CLOSE_SIGNAL_CHANNEL = 255


def is_websocket_request(req: Request) -> bool:
    """IsWebSocketRequest: ``Upgrade: websocket`` with ``upgrade`` among the Connection tokens."""
    if req.headers.get("Upgrade").lower() != "websocket":
        return False
    tokens = {t.strip().lower() for v in req.headers.get_all("Connection") for t in v.split(",")}
    return "upgrade" in tokens


def requested_protocols(req: Request) -> list[str]:
    """The subprotocols the client offers, in its order of preference."""
    return [p.strip() for v in req.headers.get_all("Sec-WebSocket-Protocol") for p in v.split(",") if p.strip()]


def negotiate(requested: list[str], served: list[str]) -> str | None:
    """wsstream's handshake: the first offered protocol that is served ("" stands for none offered)."""
    return next((p for p in requested or [""] if p in served), None)


class HandshakeRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check_handshake(req: Request) -> str:
    """The Sec-WebSocket-Accept value for a valid hybi-13 handshake, or HandshakeRefused as x/net/websocket answers."""
    if req.method != "GET":
        raise HandshakeRefused(405, "bad method")
    key = req.headers.get("Sec-WebSocket-Key").strip()
    if req.headers.get("Sec-WebSocket-Version").strip() != "13":
        raise HandshakeRefused(400, "missing or bad WebSocket Version")
    if not key:
        raise HandshakeRefused(400, "mismatch challenge/response")
    return base64.b64encode(hashlib.sha1((key + WEBSOCKET_GUID).encode()).digest()).decode()


def refuse(w: ResponseWriter, status: int) -> None:
    """x/net/websocket's refusal: the status line and no body."""
    write_bytes(w, status, b"", "text/plain; charset=utf-8")


def accept(req: Request, w: ResponseWriter, served: list[str]) -> WebSocket | None:
    """Answer the upgrade with the first offered protocol that is served; None when the handshake was refused."""
    try:
        accept_key = check_handshake(req)
    except HandshakeRefused as exc:
        refuse(w, exc.status)
        return None
    protocol = negotiate(requested_protocols(req), served)
    if protocol is None:
        refuse(w, 403)
        return None
    headers = [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept_key)]
    if protocol:
        headers.append(("Sec-WebSocket-Protocol", protocol))
    return WebSocket(switch_protocols(w, headers), protocol)


class _ProtocolError(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


class WebSocket:
    """The server's end of a WebSocket: whole messages in, unfragmented messages out (writes from any thread)."""

    def __init__(self, connection: Connection, protocol: str) -> None:
        self.connection = connection
        self.protocol = protocol
        self._buffer = bytearray()
        self._write_lock = threading.Lock()
        self.closed = False

    def receive(self) -> tuple[int, bytes] | None:
        """The next text or binary message as (opcode, payload); None once the connection closed."""
        try:
            return self._receive()
        except _ProtocolError as exc:
            self.close(exc.code, str(exc), refusal=True)
            return None
        except (ConnectionError, OSError):
            self.closed = True
            return None

    def _receive(self) -> tuple[int, bytes] | None:
        message = bytearray()
        message_opcode = None
        while not self.closed:
            header = self._read_exact(2)
            if header is None:
                self.closed = True
                return None
            fin, opcode = header[0] & 0x80, header[0] & 0x0F
            if header[0] & 0x70:
                raise _ProtocolError(CLOSE_PROTOCOL_ERROR, "reserved bits set")
            if not header[1] & 0x80:
                raise _ProtocolError(CLOSE_PROTOCOL_ERROR, "client frames must be masked")
            length = header[1] & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._require(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._require(8))[0]
            if opcode >= 0x8 and (length > 125 or not fin):
                raise _ProtocolError(CLOSE_PROTOCOL_ERROR, "bad control frame")
            if len(message) + length > MAX_MESSAGE_BYTES:
                raise _ProtocolError(CLOSE_TOO_BIG, "message too big")
            mask = self._require(4)
            payload = _unmask(self._require(length), mask)
            if opcode == OPCODE_CLOSE:
                self.close(CLOSE_NORMAL)
                return None
            if opcode == OPCODE_PING:
                self._send_frame(OPCODE_PONG, payload)
                continue
            if opcode == OPCODE_PONG:
                continue
            if opcode == OPCODE_CONTINUATION:
                if message_opcode is None:
                    raise _ProtocolError(CLOSE_PROTOCOL_ERROR, "continuation without a message")
            elif opcode in (OPCODE_TEXT, OPCODE_BINARY):
                if message_opcode is not None:
                    raise _ProtocolError(CLOSE_PROTOCOL_ERROR, "new message inside a fragmented one")
                message_opcode = opcode
            else:
                raise _ProtocolError(CLOSE_PROTOCOL_ERROR, "unknown opcode")
            message += payload
            if fin:
                return message_opcode, bytes(message)
        return None

    def _read_exact(self, size: int) -> bytes | None:
        while len(self._buffer) < size:
            data = self.connection.read(max(65536, size - len(self._buffer)))
            if not data:
                return None
            self._buffer += data
        chunk = bytes(self._buffer[:size])
        del self._buffer[:size]
        return chunk

    def _require(self, size: int) -> bytes:
        data = self._read_exact(size)
        if data is None:
            raise ConnectionResetError("closed inside a frame")
        return data

    def send(self, opcode: int, payload: bytes) -> None:
        """Send one message; ConnectionError once the connection is gone."""
        if self.closed:
            raise ConnectionResetError("the websocket is closed")
        self._send_frame(opcode, payload)

    def _send_frame(self, opcode: int, payload: bytes) -> None:
        length = len(payload)
        if length < 126:
            head = struct.pack("!BB", 0x80 | opcode, length)
        elif length < 1 << 16:
            head = struct.pack("!BBH", 0x80 | opcode, 126, length)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, length)
        with self._write_lock:
            self.connection.write(head + payload)

    def close(self, code: int = CLOSE_NORMAL, reason: str = "", *, refusal: bool = False) -> None:
        """Send a close frame (once) and stop both directions; a ``refusal`` (of a frame the reader
        could not accept, the rest of which may still be arriving) lingers before it closes."""
        if self.closed:
            return
        self.closed = True
        with contextlib.suppress(ConnectionError, OSError):
            self._send_frame(OPCODE_CLOSE, struct.pack("!H", code) + reason.encode()[:120])
        if refusal:
            self.connection.close_after_refusal()
        else:
            self.connection.close()


def _unmask(data: bytes, mask: bytes) -> bytes:
    """XOR the payload with the repeated 4-byte key, as one big-integer operation."""
    if not data:
        return data
    key = (mask * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(key, "big")).to_bytes(len(data), "big")


class _Pipe:
    """A channel's incoming bytes, read by one thread as another feeds them."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._closed = False
        self._ready = threading.Condition()

    def feed(self, data: bytes) -> None:
        with self._ready:
            if not self._closed:
                self._data += data
                self._ready.notify_all()

    def close(self) -> None:
        with self._ready:
            self._closed = True
            self._ready.notify_all()

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all until the end when negative), blocking until some came or the end."""
        with self._ready:
            if size < 0:
                self._ready.wait_for(lambda: self._closed)
            else:
                self._ready.wait_for(lambda: self._closed or bool(self._data))
            count = len(self._data) if size < 0 else min(size, len(self._data))
            chunk = bytes(self._data[:count])
            del self._data[:count]
            return chunk


@dataclass
class ChannelConn:
    """wsstream.Conn: numbered channels over one WebSocket, binary or base64, with v5's close signal."""

    websocket: WebSocket
    # Which channels the peer may write to (the others' messages are dropped, as IgnoreChannel's).
    readable: frozenset[int]
    base64: bool = False
    close_signal: bool = False
    _pipes: dict[int, _Pipe] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._pipes = {channel: _Pipe() for channel in self.readable}

    def reader(self, channel: int) -> _Pipe:
        return self._pipes[channel]

    def serve(self) -> None:
        """Read messages until the connection closes, feeding each readable channel (then ending them all)."""
        try:
            while (message := self.websocket.receive()) is not None:
                _, data = message
                if not data:
                    continue
                channel, payload = data[0], data[1:]
                if self.base64:
                    channel -= ord("0")
                    try:
                        payload = base64.b64decode(payload, validate=True)
                    except (binascii.Error, ValueError):
                        continue
                if self.close_signal and channel == CLOSE_SIGNAL_CHANNEL:
                    if payload and payload[0] in self._pipes:
                        self._pipes[payload[0]].close()
                    continue
                pipe = self._pipes.get(channel)
                if pipe is None:
                    continue
                pipe.feed(payload)
        finally:
            for pipe in self._pipes.values():
                pipe.close()

    def write(self, channel: int, data: bytes) -> None:
        """Send ``data`` on ``channel``; ConnectionError once the peer is gone."""
        if self.base64:
            self.websocket.send(OPCODE_TEXT, bytes([ord("0") + channel]) + base64.b64encode(data))
        else:
            self.websocket.send(OPCODE_BINARY, bytes([channel]) + data)
