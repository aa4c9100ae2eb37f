"""Exec and attach over SPDY/3.1 (kubelet/pkg/cri/streaming/remotecommand/httpstream.go).

What clients use when their WebSocket upgrade fails (kubectl's fallback) or by choice (older
clients). The stream protocol is negotiated from ``X-Stream-Protocol-Version`` among
``v4.channel.k8s.io``, ``v3.channel.k8s.io``, ``v2.channel.k8s.io`` and ``channel.k8s.io``;
the client then opens one stream per standard stream it asked for, named by its
``streamType`` header (``error`` from v2 on, ``resize`` with a TTY from v3 on). Once they are
all open (within 30 s, else ``timed out waiting for client to create streams``), the session
runs: stdin ends when the client closes its stream, and the end is reported on the error
stream as a JSON Status (v4) or a failure's message (older).
"""

from __future__ import annotations

import json
import threading

from fakeapi.apimachinery.httpstream import spdy
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.kubelet.container_runtime import Stdin
from fakeapi.kubelet.streaming.remotecommand import (
    ERROR_CHANNEL,
    RESIZE_CHANNEL,
    STDERR_CHANNEL,
    STDIN_CHANNEL,
    STDOUT_CHANNEL,
    Session,
    StreamOptions,
)
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import real_monotonic

# SupportedStreamingProtocols, newest first.
STREAM_PROTOCOLS = ["v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io"]
STREAM_CREATION_TIMEOUT_SECONDS = 30.0
_CHANNEL_OF_TYPE = {
    "stdin": STDIN_CHANNEL,
    "stdout": STDOUT_CHANNEL,
    "stderr": STDERR_CHANNEL,
    "error": ERROR_CHANNEL,
    "resize": RESIZE_CHANNEL,
}


class _NoInput:
    def read(self, size: int = -1) -> bytes:
        return b""


class SpdySession:
    """A remotecommand session over SPDY: one stream per standard stream."""

    def __init__(self, session: spdy.Session, streams: dict[int, spdy.Stream], protocol: str) -> None:
        self._session = session
        self._streams = streams
        self._protocol = protocol
        stdin = streams.get(STDIN_CHANNEL)
        self.stdin: Stdin = stdin if stdin is not None else _NoInput()

    def write(self, channel: int, data: bytes) -> None:
        stream = self._streams.get(channel)
        if stream is not None:
            stream.write(data)

    def write_status(self, status: Object) -> None:
        stream = self._streams.get(ERROR_CHANNEL)
        if stream is None:
            return
        if self._protocol == STREAM_PROTOCOLS[0]:
            stream.write(json.dumps(status, separators=(",", ":")).encode())
        elif status.get("status") != "Success":
            stream.write(str(status.get("message", "")).encode())

    def client_gone(self) -> bool:
        return self._session.closed

    def close(self) -> None:
        for stream in self._streams.values():
            stream.close()
        self._session.close()


def _expected_channels(options: StreamOptions, protocol: str) -> set[int]:
    expected = set()
    if options.stdin:
        expected.add(STDIN_CHANNEL)
    if options.stdout:
        expected.add(STDOUT_CHANNEL)
    if options.stderr:
        expected.add(STDERR_CHANNEL)
    if protocol != "channel.k8s.io":
        expected.add(ERROR_CHANNEL)
    if options.tty and protocol in STREAM_PROTOCOLS[:2]:
        expected.add(RESIZE_CHANNEL)
    return expected


def open_spdy_session(req: Request, w: ResponseWriter, options: StreamOptions) -> Session | None:
    """Upgrade, then wait for the client's streams; None when refused or when the streams never came."""
    upgraded = spdy.upgrade(req, w, STREAM_PROTOCOLS)
    if upgraded is None:
        return None
    connection, protocol = upgraded
    expected = _expected_channels(options, protocol)
    streams: dict[int, spdy.Stream] = {}
    arrived = threading.Condition()

    def on_stream(stream: spdy.Stream) -> None:
        channel = _CHANNEL_OF_TYPE.get(stream.header("streamType"))
        if channel is None:
            stream.reset()
            return
        with arrived:
            streams[channel] = stream
            arrived.notify_all()

    session = spdy.Session(connection, on_stream)
    threading.Thread(target=session.serve, name="exec-spdy-reader", daemon=True).start()
    deadline = real_monotonic() + STREAM_CREATION_TIMEOUT_SECONDS
    with arrived:
        while not expected <= streams.keys() and not session.closed:
            remaining = deadline - real_monotonic()
            if remaining <= 0:
                break
            arrived.wait(min(remaining, 0.2))
    if not expected <= streams.keys():
        if ERROR_CHANNEL in streams and not session.closed:
            streams[ERROR_CHANNEL].write(b"timed out waiting for client to create streams")
        session.close()
        return None
    return SpdySession(session, streams, protocol)
