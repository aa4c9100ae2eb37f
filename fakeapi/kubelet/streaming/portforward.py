"""Port-forward (kubelet/pkg/cri/streaming/portforward, and the API server's WebSocket tunnel).

Three ways in, one forwarder:

- SPDY/3.1 after ``Upgrade: SPDY/3.1`` with ``X-Stream-Protocol-Version: portforward.k8s.io``
  (httpstream.go): the client opens an error stream and a data stream per connection, paired by
  their ``requestID`` header and naming the ``port``;
- the same SPDY session tunneled in the binary messages of a WebSocket whose subprotocol is
  ``SPDY/3.1+portforward.k8s.io`` (the API server's streamtunnel.go, client-go's
  tunneling_connection.go): what kubectl 1.37 tries first, falling back to plain SPDY when the
  upgrade fails;
- WebSocket ``v4.channel.k8s.io`` / ``v4.base64.channel.k8s.io`` with ``?ports=`` (websocket.go,
  what the ``kubernetes`` client's ``portforward`` speaks): a data and an error channel per port,
  each first carrying the port as a little-endian uint16.

Where a connection leads is the container runtime's port-forward rule for the pod and port: a
local address to connect to, or a callable that serves the connection. With no rule, or a
refused connection, the error stream carries the kubelet's ``error forwarding port <p> to pod
<sandbox>, uid : ...`` with containerd's ``connection refused`` text, as for a port nothing listens on.
"""

from __future__ import annotations

import contextlib
import hashlib
import socket
import struct
import threading
from dataclasses import dataclass
from typing import Protocol

from fakeapi.apimachinery.httpstream import spdy
from fakeapi.apimachinery.httpstream.wsstream import (
    OPCODE_BINARY,
    ChannelConn,
    WebSocket,
    accept,
    is_websocket_request,
    requested_protocols,
)
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.kubelet.container_runtime import ContainerRuntime
from fakeapi.storage.interfaces import Object

PORT_FORWARD_PROTOCOL = "portforward.k8s.io"
TUNNELING_PREFIX = "SPDY/3.1+"
TUNNEL_PROTOCOL = TUNNELING_PREFIX + PORT_FORWARD_PROTOCOL
V4_BINARY_PROTOCOL = "v4.channel.k8s.io"
V4_BASE64_PROTOCOL = "v4.base64.channel.k8s.io"
STREAM_TYPE_ERROR = "error"
STREAM_TYPE_DATA = "data"
CONNECT_TIMEOUT_SECONDS = 10.0


class DataStream(Protocol):
    def read(self, size: int = -1) -> bytes: ...

    def write(self, data: bytes) -> None: ...


@dataclass
class _Forwarded:
    """A ForwardedConnection for a test's callable: the pod, the port, and the stream's two ends."""

    pod: Object
    port: int
    stream: DataStream

    def recv(self, size: int) -> bytes:
        return self.stream.read(size)

    def sendall(self, data: bytes) -> None:
        self.stream.write(data)


def serve_port_forward(req: Request, w: ResponseWriter, pod: Object, runtime: ContainerRuntime) -> None:
    """Upgrade as the client asks, then forward each connection until the client leaves."""
    forwarder = _Forwarder(pod, runtime)
    try:
        if is_websocket_request(req):
            if TUNNEL_PROTOCOL in requested_protocols(req):
                websocket = accept(req, w, [TUNNEL_PROTOCOL])
                if websocket is not None:
                    _serve_spdy(_TunnelingConnection(websocket), forwarder)
                return
            ports = _v4_ports(req, w)
            if ports is not None:
                websocket = accept(req, w, ["", V4_BINARY_PROTOCOL, V4_BASE64_PROTOCOL])
                if websocket is not None:
                    _serve_websocket(websocket, ports, forwarder)
            return
        upgraded = spdy.upgrade(req, w, [PORT_FORWARD_PROTOCOL])
        if upgraded is not None:
            _serve_spdy(upgraded[0], forwarder)
    finally:
        forwarder.close()


class _Forwarder:
    """PortForward of the CRI: leads one stream to the target of the runtime's rule for the port."""

    def __init__(self, pod: Object, runtime: ContainerRuntime) -> None:
        self._pod = pod
        self._runtime = runtime
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        uid = (pod.get("metadata") or {}).get("uid", "")
        # The CRI names the pod by its sandbox ID: derived from the uid here, 64 hex digits as containerd's.
        self.sandbox = hashlib.sha256(f"sandbox/{uid}".encode()).hexdigest()

    def forward(self, port: int, stream: DataStream) -> str | None:
        """Serve one connection to ``port``; the kubelet's error text when it fails."""
        target = self._runtime.forward_target(self._pod, port)
        try:
            if target is None:
                raise ConnectionRefusedError
            if callable(target):
                target(_Forwarded(self._pod, port, stream))
                return None
            self._pump(socket.create_connection(target, timeout=CONNECT_TIMEOUT_SECONDS), stream)
            return None
        except ConnectionRefusedError:
            return self._error(port, self._refused(port))
        except (ConnectionError, OSError) as exc:
            return self._error(port, str(exc))
        except Exception as exc:  # a test's callable failed: the forward fails as a runtime's would
            return self._error(port, f"{type(exc).__name__}: {exc}")

    def _error(self, port: int, cause: str) -> str:
        return f"error forwarding port {port} to pod {self.sandbox}, uid : {cause}"

    def _refused(self, port: int) -> str:
        """containerd's text for a port nothing in the pod's network namespace listens on."""
        netns = hashlib.sha256(f"netns/{self.sandbox}".encode()).hexdigest()
        namespace = f"/var/run/netns/cni-{netns[:8]}-{netns[8:12]}-{netns[12:16]}-{netns[16:20]}-{netns[20:32]}"
        return (
            f'failed to execute portforward in network namespace "{namespace}": failed to connect to '
            f'localhost:{port} inside namespace "{self.sandbox}", IPv4: dial tcp4 127.0.0.1:{port}: connect: '
            f"connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused "
        )

    def _pump(self, connection: socket.socket, stream: DataStream) -> None:
        """Copy both ways until the target closes; the client's end of input half-closes the target."""
        connection.settimeout(None)
        with self._lock:
            self._sockets.add(connection)

        def upstream() -> None:
            with contextlib.suppress(OSError):
                while data := stream.read(65536):
                    connection.sendall(data)
                connection.shutdown(socket.SHUT_WR)

        threading.Thread(target=upstream, name="portforward-upstream", daemon=True).start()
        try:
            with contextlib.suppress(OSError):
                while chunk := connection.recv(65536):
                    stream.write(chunk)
        finally:
            with self._lock:
                self._sockets.discard(connection)
            connection.close()

    def close(self) -> None:
        """The client left: every connection it had to a target closes."""
        with self._lock:
            sockets, self._sockets = list(self._sockets), set()
        for connection in sockets:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


# -- SPDY -------------------------------------------------------------------------------------


class _TunnelingConnection:
    """client-go's TunnelingConnection, server side: SPDY's bytes in the binary messages of a WebSocket."""

    def __init__(self, websocket: WebSocket) -> None:
        self._websocket = websocket

    def read(self, limit: int) -> bytes:
        # One message at a time; the SPDY session buffers what it does not use yet.
        while (message := self._websocket.receive()) is not None:
            opcode, payload = message
            if opcode != OPCODE_BINARY:
                self._websocket.close()
                return b""
            if payload:
                return payload
        return b""

    def write(self, data: bytes) -> None:
        self._websocket.send(OPCODE_BINARY, data)

    def close(self) -> None:
        self._websocket.close()


def _serve_spdy(transport: spdy.ByteStream, forwarder: _Forwarder) -> None:
    """httpStreamHandler: pair each request's error and data streams, forward each pair in its own thread."""
    pairs: dict[str, dict[str, spdy.Stream]] = {}
    lock = threading.Lock()

    def on_stream(stream: spdy.Stream) -> None:
        kind = stream.header("streamType")
        # Clients before request IDs opened the error stream, then the data stream two IDs later.
        request_id = stream.header("requestID") or str(stream.id if kind == STREAM_TYPE_ERROR else stream.id - 2)
        if kind not in (STREAM_TYPE_ERROR, STREAM_TYPE_DATA):
            stream.reset()
            return
        with lock:
            pair = pairs.setdefault(request_id, {})
            pair[kind] = stream
            complete = len(pair) == 2
            if complete:
                del pairs[request_id]
        if complete:
            threading.Thread(target=_forward_pair, args=(forwarder, pair), name="portforward-pair", daemon=True).start()

    session = spdy.Session(transport, on_stream)
    session.serve()


def _forward_pair(forwarder: _Forwarder, pair: dict[str, spdy.Stream]) -> None:
    data, error = pair[STREAM_TYPE_DATA], pair[STREAM_TYPE_ERROR]
    try:
        # As the kubelet, a port that does not parse is port 0 (which nothing serves).
        port = int(data.header("port")) if data.header("port").isdigit() else 0
        message = forwarder.forward(port, data)
        if message is not None:
            error.write(message.encode())
    except (ConnectionError, OSError):
        pass
    finally:
        data.close()
        error.close()


# -- WebSocket v4 -----------------------------------------------------------------------------


def _v4_ports(req: Request, w: ResponseWriter) -> list[int] | None:
    """NewV4Options: the ``ports`` query parameter, each 1-65535; a 400 with the kubelet's text otherwise."""
    values = req.query.get("ports") or []
    problem = None
    ports: list[int] = []
    if not values:
        problem = 'query parameter "ports" is required'
    for value in values:
        if not value:
            problem = 'query parameter "ports" cannot be empty'
            break
        for part in value.split(","):
            if not part.isdigit() or int(part) > 65535:
                problem = f'unable to parse "{value}" as a port: strconv.ParseUint: parsing "{part}": invalid syntax'
                break
            if int(part) < 1:
                problem = f'port "{value}" must be > 0'
                break
            ports.append(int(part))
    if problem is not None:
        spdy.plain_text_error(w, 400, problem)
        return None
    return ports


@dataclass
class _ChannelStream:
    """One port's data channel as a stream: reads what the client sent on it, writes back on it."""

    conn: ChannelConn
    channel: int

    def read(self, size: int = -1) -> bytes:
        return self.conn.reader(self.channel).read(size)

    def write(self, data: bytes) -> None:
        self.conn.write(self.channel, data)


def _serve_websocket(websocket: WebSocket, ports: list[int], forwarder: _Forwarder) -> None:
    """handleWebSocketStreams: announce each port on its two channels, forward them all, then close."""
    conn = ChannelConn(
        websocket,
        frozenset(2 * i for i in range(len(ports))),
        base64=websocket.protocol == V4_BASE64_PROTOCOL,
    )
    reader = threading.Thread(target=conn.serve, name="portforward-websocket-reader", daemon=True)
    reader.start()
    try:
        for index, port in enumerate(ports):
            announcement = struct.pack("<H", port)
            conn.write(2 * index, announcement)
            conn.write(2 * index + 1, announcement)
        workers = [
            threading.Thread(target=_forward_channel, args=(forwarder, conn, index, port), daemon=True)
            for index, port in enumerate(ports)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    except (ConnectionError, OSError):
        pass
    finally:
        websocket.close()
        reader.join(5)


def _forward_channel(forwarder: _Forwarder, conn: ChannelConn, index: int, port: int) -> None:
    message = forwarder.forward(port, _ChannelStream(conn, 2 * index))
    if message is not None:
        with contextlib.suppress(ConnectionError, OSError):
            conn.write(2 * index + 1, message.encode())
