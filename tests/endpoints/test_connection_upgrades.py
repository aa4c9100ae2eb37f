"""The upgraded connections of pods/exec, attach and portforward, byte by byte, and what bad input gets.

Wire formats and refusals are upstream's: golang.org/x/net/websocket (400 for a bad handshake,
403 with no body when no offered subprotocol is served), apimachinery wsstream (a channel byte,
or an ASCII digit and base64 for the base64 protocols), kubelet remotecommand (an empty message
on the first writable channel once the streams are up; the Status on channel 3 as JSON from v4,
a failure's message before), apimachinery httpstream ``Handshake`` (``unable to upgrade: ...``
as plain text), the UpgradeAwareHandler's ``Upgrade request required`` and strategy.go's
``pod <name> does not have a host assigned``. A malformed frame, a SPDY stream of garbage, or a
client that disappears mid-session ends that connection only: the server answers the next
request as before.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import ssl
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest

from fakeapi.apimachinery.httpstream.spdy import HEADER_DICTIONARY
from fakeapi.endpoints.request import UserInfo
from fakeapi.kubelet.container_runtime import ExecRequest, ExecResult
from fakeapi.pytest_plugin.handle import FakeAPI
from tests.kubelet.streams_helpers import read_head, send_head, tls_connection

EXEC_PATH = "/api/v1/namespaces/default/pods/web/exec?command=sh&command=-c&command=exit+3&stdout=true&stderr=true"


def upgrade_websocket(
    connection: ssl.SSLSocket, path: str, protocols: list[str], extra: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    headers = {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        **({"Sec-WebSocket-Protocol": ", ".join(protocols)} if protocols else {}),
        **(extra or {}),
    }
    send_head(connection, "GET", path, headers)
    return read_head(connection)


def send_frame(connection: ssl.SSLSocket, opcode: int, payload: bytes, *, masked: bool = True) -> None:
    head = bytes([0x80 | opcode])
    length = len(payload)
    mask_bit = 0x80 if masked else 0
    if length < 126:
        head += bytes([mask_bit | length])
    else:
        head += bytes([mask_bit | 126]) + struct.pack("!H", length)
    if masked:
        key = os.urandom(4)
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    connection.sendall(head + payload)


class FrameReader:
    """Reads server frames (never masked) from a connection, keeping what came after a frame."""

    def __init__(self, connection: ssl.SSLSocket, leftover: bytes = b"") -> None:
        self.connection = connection
        self.buffer = leftover

    def _exact(self, size: int) -> bytes:
        while len(self.buffer) < size:
            chunk = self.connection.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data

    def frame(self) -> tuple[int, bytes]:
        first, second = self._exact(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._exact(8))[0]
        return first & 0x0F, self._exact(length)

    def frames_until_close(self) -> list[tuple[int, bytes]]:
        frames = []
        while True:
            opcode, payload = self.frame()
            frames.append((opcode, payload))
            if opcode == 0x8:
                return frames


@pytest.fixture
def web(fakeapi: FakeAPI) -> FakeAPI:
    """A running pod ``web`` whose ``sh`` prints on both streams and exits with the code its script names."""

    def shell(request: ExecRequest) -> ExecResult:
        code = int(request.command[-1].split()[-1]) if request.command[-1].startswith("exit") else 0
        return ExecResult(stdout="out\n", stderr="err\n", exit_code=code)

    fakeapi.containers.pods(name="web").on_exec(shell, command="sh")
    fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        }
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        statuses = fakeapi.get("v1", "Pod", "web").get("status", {}).get("containerStatuses") or []
        if statuses and "running" in (statuses[0].get("state") or {}):
            return fakeapi
        time.sleep(0.05)
    raise AssertionError("pod web never ran")


def assert_still_serving(fakeapi: FakeAPI) -> None:
    connection = tls_connection(fakeapi.server)
    with connection:
        send_head(connection, "GET", "/api/v1/namespaces/default/pods/web", {"Connection": "close"})
        status, _, _ = read_head(connection)
    assert status == 200
    fakeapi.check()


def test_v4_exec_on_the_wire(web: FakeAPI) -> None:
    with tls_connection(web.server) as connection:
        status, headers, rest = upgrade_websocket(connection, EXEC_PATH, ["v4.channel.k8s.io"])
        assert (status, headers["sec-websocket-protocol"], headers["upgrade"]) == (
            101,
            "v4.channel.k8s.io",
            "websocket",
        )
        frames = FrameReader(connection, rest).frames_until_close()
    messages = [payload for opcode, payload in frames if opcode == 0x2]
    assert messages[0] == b"\x01"  # the empty message on stdout: the streams are up
    assert b"\x01out\n" in messages and b"\x02err\n" in messages
    status_message = json.loads(messages[-1][1:])
    assert messages[-1][0] == 3
    assert status_message == {
        "metadata": {},
        "status": "Failure",
        "message": "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": "3"}]},
    }


def test_base64_and_pre_v4_protocols(web: FakeAPI) -> None:
    with tls_connection(web.server) as connection:
        status, _, rest = upgrade_websocket(connection, EXEC_PATH, ["v4.base64.channel.k8s.io"])
        assert status == 101
        frames = FrameReader(connection, rest).frames_until_close()
    texts = [payload for opcode, payload in frames if opcode == 0x1]
    assert texts[0] == b"1" and b"1" + base64.b64encode(b"out\n") in texts
    with tls_connection(web.server) as connection:
        status, _, rest = upgrade_websocket(connection, EXEC_PATH, ["channel.k8s.io"])
        frames = FrameReader(connection, rest).frames_until_close()
    # Before v4 the error channel carries a failure's message only.
    assert frames[-2] == (
        0x2,
        b"\x03command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3",
    )


def test_refused_handshakes(web: FakeAPI) -> None:
    with tls_connection(web.server) as connection:
        status, _, body = upgrade_websocket(connection, EXEC_PATH, ["v9.channel.k8s.io"])
    assert (status, body) == (403, b"")
    with tls_connection(web.server) as connection:
        status, _, _ = upgrade_websocket(connection, EXEC_PATH, ["v4.channel.k8s.io"], {"Sec-WebSocket-Version": "8"})
    assert status == 400
    no_upgrade = web.server.request("GET", "/api/v1/namespaces/default/pods/web/exec", query="command=ls&stdout=1")
    assert (no_upgrade.status, no_upgrade.json()["message"]) == (400, "Upgrade request required")
    # The in-process transports have no connection to hand over.
    in_process = web.server.request(
        "GET",
        "/api/v1/namespaces/default/pods/web/exec",
        query="command=ls&stdout=1",
        headers={"Connection": "Upgrade", "Upgrade": "websocket"},
    )
    assert in_process.status == 400
    assert in_process.json()["message"] == "this transport cannot upgrade connections: connect to the server over HTTPS"
    no_streams = web.server.request("POST", "/api/v1/namespaces/default/pods/web/exec", query="command=ls")
    assert no_streams.json()["message"] == "you must specify at least 1 of stdin, stdout, stderr"
    wrong_container = web.server.request("POST", "/api/v1/namespaces/default/pods/web/exec", query="container=db")
    assert wrong_container.json()["message"] == "container db is not valid for pod web"
    assert_still_serving(web)


def test_spdy_refusals_are_plain_text(web: FakeAPI) -> None:
    with tls_connection(web.server) as connection:
        send_head(connection, "POST", EXEC_PATH, {"Connection": "Upgrade", "Upgrade": "SPDY/3.1"})
        status, _, body = read_head(connection)
    assert (status, body) == (400, b"unable to upgrade: X-Stream-Protocol-Version is required\n")
    with tls_connection(web.server) as connection:
        headers = {"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": "v9.channel.k8s.io"}
        send_head(connection, "POST", EXEC_PATH, headers)
        status, _, body = read_head(connection)
    assert status == 403
    assert body == (
        b"unable to upgrade: unable to negotiate protocol: client supports [v9.channel.k8s.io], server accepts "
        b"[v4.channel.k8s.io v3.channel.k8s.io v2.channel.k8s.io channel.k8s.io]\n"
    )
    with tls_connection(web.server) as connection:
        send_head(
            connection,
            "GET",
            "/api/v1/namespaces/default/pods/web/portforward",
            _websocket_headers(["v4.channel.k8s.io"]),
        )
        status, _, body = read_head(connection)
    assert (status, body) == (400, b'query parameter "ports" is required\n')


def test_malformed_frames_end_only_their_connection(web: FakeAPI) -> None:
    # The command reads its input to the end, so only the client's frames can end the session.
    web.containers.pods(name="web").on_exec(lambda request: request.stdin.read(), command="cat")
    # A client frame without a mask breaks RFC 6455: the server closes with 1002 (protocol error).
    with tls_connection(web.server) as connection:
        path = "/api/v1/namespaces/default/pods/web/exec?command=cat&stdin=true&stdout=true"
        status, _, rest = upgrade_websocket(connection, path, ["v5.channel.k8s.io"])
        assert status == 101
        send_frame(connection, 0x2, b"\x00hello", masked=False)
        frames = FrameReader(connection, rest).frames_until_close()
        assert frames[-1][1][:2] == struct.pack("!H", 1002)
    # A frame claiming an absurd length: the connection is closed (1009), nothing is allocated.
    with tls_connection(web.server) as connection:
        status, _, rest = upgrade_websocket(connection, path, ["v5.channel.k8s.io"])
        connection.sendall(bytes([0x82, 0xFF]) + struct.pack("!Q", 1 << 62) + os.urandom(4))
        frames = FrameReader(connection, rest).frames_until_close()
        assert frames[-1][1][:2] == struct.pack("!H", 1009)
    assert_still_serving(web)


def test_garbage_on_a_spdy_session(web: FakeAPI) -> None:
    path = "/api/v1/namespaces/default/pods/web/portforward"
    for garbage in (
        # A SYN_STREAM whose header block is not zlib at all.
        b"\x80\x03\x00\x01\x00\x00\x00\x10" + struct.pack("!IIBB", 1, 0, 0, 0) + b"XXXXXX",
        # SPDY/2, which no Kubernetes client speaks.
        b"\x80\x02\x00\x06\x00\x00\x00\x04ping",
        # A SYN_STREAM too short to name its stream.
        b"\x80\x03\x00\x01\x00\x00\x00\x02ab",
    ):
        with tls_connection(web.server) as connection:
            headers = {
                "Connection": "Upgrade",
                "Upgrade": "SPDY/3.1",
                "X-Stream-Protocol-Version": "portforward.k8s.io",
            }
            send_head(connection, "POST", path, headers)
            status, _, _ = read_head(connection)
            assert status == 101
            connection.sendall(garbage)
            connection.settimeout(10)
            # The session ends: the server closes the connection.
            while connection.recv(65536):
                pass
    assert_still_serving(web)


def test_spdy_port_forward_by_hand(web: FakeAPI) -> None:
    """A SPDY/3.1 client written here: SYN_STREAMs for a port's error and data streams, the server's replies."""
    web.containers.pods(name="web").port_forward(lambda c: c.sendall(b"served " + c.recv(100)), port=9000)
    path = "/api/v1/namespaces/default/pods/web/portforward"
    compressor = zlib.compressobj(zlib.Z_BEST_COMPRESSION, zdict=HEADER_DICTIONARY)

    def syn_stream(stream_id: int, headers: dict[str, str], fin: bool = False) -> bytes:
        block = struct.pack("!I", len(headers))
        for name, value in headers.items():
            block += struct.pack("!I", len(name)) + name.encode() + struct.pack("!I", len(value)) + value.encode()
        payload = (
            struct.pack("!IIBB", stream_id, 0, 0, 0) + compressor.compress(block) + compressor.flush(zlib.Z_SYNC_FLUSH)
        )
        return struct.pack("!HHI", 0x8003, 1, ((1 if fin else 0) << 24) | len(payload)) + payload

    with tls_connection(web.server) as connection:
        headers = {"Connection": "Upgrade", "Upgrade": "SPDY/3.1", "X-Stream-Protocol-Version": "portforward.k8s.io"}
        send_head(connection, "POST", path, headers)
        status, response_headers, rest = read_head(connection)
        assert (status, response_headers["x-stream-protocol-version"]) == (101, "portforward.k8s.io")
        connection.sendall(syn_stream(1, {"streamtype": "error", "port": "9000", "requestid": "0"}, fin=True))
        connection.sendall(syn_stream(3, {"streamtype": "data", "port": "9000", "requestid": "0"}))
        connection.sendall(struct.pack("!II", 3, 5) + b"hello")
        connection.sendall(struct.pack("!HHII", 0x8003, 6, 4, 7))  # a PING from the client (odd id)
        received = rest
        connection.settimeout(10)
        while b"served hello" not in received or struct.pack("!HHII", 0x8003, 6, 4, 7) not in received:
            received += connection.recv(65536)
    # Two SYN_REPLYs, the echoed PING, and the data on stream 3.
    assert received.count(struct.pack("!HH", 0x8003, 2)) == 2
    assert struct.pack("!II", 3, len(b"served hello")) + b"served hello" in received


def test_client_gone_mid_session(web: FakeAPI) -> None:
    started = threading.Event()

    def wait_for_input(request: ExecRequest) -> str:
        started.set()
        return request.stdin.read().decode()

    web.containers.pods(name="web").on_exec(wait_for_input, command="cat")
    path = "/api/v1/namespaces/default/pods/web/exec?command=cat&stdin=true&stdout=true"
    connection = tls_connection(web.server)
    status, _, _ = upgrade_websocket(connection, path, ["v5.channel.k8s.io"])
    assert status == 101
    assert started.wait(10)
    send_frame(connection, 0x2, b"\x00partial")
    connection.close()
    follow = tls_connection(web.server)
    send_head(follow, "GET", "/api/v1/namespaces/default/pods/web/log?follow=true", {})
    assert read_head(follow)[0] == 200
    follow.close()
    assert_still_serving(web)


@pytest.mark.fakeapi(authorization_mode="RBAC")
def test_a_websocket_upgrade_needs_create(web: FakeAPI) -> None:
    token = secrets.token_urlsafe(16)
    web.server.tokens.add(token, UserInfo("reader"))
    web.seed(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "reader", "namespace": "default"},
            "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get"]}],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "reader", "namespace": "default"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [{"kind": "User", "name": "reader", "apiGroup": "rbac.authorization.k8s.io"}],
        },
    )
    with tls_connection(web.server, as_admin=False) as connection:
        status, _, body = upgrade_websocket(
            connection, EXEC_PATH, ["v5.channel.k8s.io"], {"Authorization": f"Bearer {token}"}
        )
    assert status == 403
    assert json.loads(_dechunk(body))["message"] == (
        'pods "web" is forbidden: User "reader" cannot create resource "pods/exec" in API group "" '
        'in the namespace "default"'
    )


@pytest.mark.fakeapi(controllers=["*", "-kubelet", "-scheduler"])
def test_a_pod_without_a_node(fakeapi: FakeAPI) -> None:
    fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "web", "image": "nginx"}]},
        }
    )
    for subresource in ("exec", "attach", "portforward"):
        reply = fakeapi.server.request("POST", f"/api/v1/namespaces/default/pods/web/{subresource}", query="stdout=1")
        assert (reply.status, reply.json()["message"]) == (400, "pod web does not have a host assigned")


def _websocket_headers(protocols: list[str]) -> dict[str, str]:
    return {
        "Connection": "Upgrade",
        "Upgrade": "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
        "Sec-WebSocket-Protocol": ", ".join(protocols),
    }


def _dechunk(body: bytes) -> bytes:
    """The body of a response read raw: as is with a Content-Length, joined when chunked."""
    if not body or body.lstrip().startswith(b"{"):
        return body
    out = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            break
        out, body = out + body[:size], body[size + 2 :]
    return out


def test_streaming_loads_on_first_use() -> None:
    """A bare server start imports none of it: the runtime, the protocols and the kubelet's streaming server."""
    script = """
import sys
from fakeapi import FakeAPIServer, ServerConfig
with FakeAPIServer(ServerConfig(port=0)) as server:
    assert server.request("GET", "/api/v1/namespaces/default/pods").status == 200
    print(sorted(m for m in sys.modules if m.startswith(("fakeapi.kubelet.container_runtime",
        "fakeapi.kubelet.kuberuntime_logs", "fakeapi.kubelet.streaming", "fakeapi.apimachinery.httpstream"))))
"""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
