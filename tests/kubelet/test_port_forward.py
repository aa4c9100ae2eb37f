"""``kubectl port-forward`` and the ``kubernetes`` client's ``portforward`` to where a test leads the pod's ports.

kubectl 1.37 tunnels SPDY through a ``SPDY/3.1+portforward.k8s.io`` WebSocket first
(client-go tools/portforward/tunneling_dialer.go, the API server's streamtunnel.go) and speaks
plain SPDY/3.1 when that upgrade fails (``KUBECTL_PORT_FORWARD_WEBSOCKETS=false`` forces it);
the ``kubernetes`` client speaks ``v4.channel.k8s.io`` (kubelet portforward/websocket.go: a data
and an error channel per port, each opened with the port as a little-endian uint16). A port
nothing serves fails as in kubelet portforward/httpstream.go: ``error forwarding port <p> to pod
<sandbox>, uid : ...`` on the error stream, which kubectl logs while it keeps forwarding.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from kubernetes import client
from kubernetes.stream import portforward

from fakeapi.pytest_plugin.handle import FakeAPI
from fakeapi.pytest_plugin.kube_tools import ToolRunner
from tests.kubelet.streams_helpers import echo_server, run_pod


@contextmanager
def kubectl_port_forward(kubectl: ToolRunner, *args: str, websockets: bool = True) -> Iterator[int]:
    """Run ``kubectl port-forward <args>`` with a local port of its choosing; yields that port."""
    if not websockets:
        kubectl = kubectl.with_env(KUBECTL_PORT_FORWARD_WEBSOCKETS="false")
    forwarding = subprocess.Popen(
        kubectl.command("port-forward", *args),
        env=kubectl.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert forwarding.stdout is not None
        line = forwarding.stdout.readline()
        assert line.startswith("Forwarding from 127.0.0.1:"), line
        yield int(line.split(":")[1].split()[0])
    finally:
        forwarding.terminate()
        forwarding.wait(timeout=10)


def exchange(port: int, message: bytes) -> bytes:
    """Send ``message`` through the local end and return the first answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(message)
        return connection.recv(65536)


@pytest.mark.parametrize("websockets", [True, False], ids=["websocket-tunnel", "spdy"])
@pytest.mark.kubectl
def test_kubectl_port_forward_reaches_a_local_server(fakeapi: FakeAPI, kubectl: ToolRunner, websockets: bool) -> None:
    run_pod(kubectl, "web")
    with echo_server() as address:
        fakeapi.containers.pods(name="web").port_forward(address, port=80)
        with kubectl_port_forward(kubectl, "pod/web", ":80", websockets=websockets) as local:
            # Each local connection is a new pair of streams on the one session.
            assert exchange(local, b"first") == b"echo:first"
            assert exchange(local, b"second") == b"echo:second"
            with socket.create_connection(("127.0.0.1", local), timeout=10) as connection:
                for chunk in (b"a" * 70_000, b"b"):
                    connection.sendall(chunk)
                received = b""
                while len(received) < len(b"echo:") * 2 + 70_001:
                    received += connection.recv(65536)
                assert received.count(b"a") == 70_000 and received.endswith(b"b")


@pytest.mark.kubectl
def test_a_callable_serves_forwarded_connections(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    def greet(connection: Any) -> None:
        name = connection.recv(1024).decode()
        connection.sendall(f"hello {name} from {connection.pod['metadata']['name']}:{connection.port}".encode())

    run_pod(kubectl, "web")
    fakeapi.containers.pods().port_forward(greet, port=8080)
    with kubectl_port_forward(kubectl, "pod/web", ":8080") as local:
        assert exchange(local, b"ann") == b"hello ann from web:8080"


@pytest.mark.kubectl
def test_a_port_nothing_serves(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    run_pod(kubectl, "web")
    with (
        kubectl_port_forward(kubectl, "pod/web", ":81") as local,
        socket.create_connection(("127.0.0.1", local), timeout=10) as connection,
    ):
        connection.sendall(b"anyone?")
        # kubectl closes the local connection once the error stream says why.
        assert connection.recv(1024) == b""


def test_kubernetes_client_portforward(fakeapi: FakeAPI, k8s_client: Any) -> None:
    fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "web"},
            "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]},
        }
    )
    core = client.CoreV1Api(k8s_client)
    with echo_server() as address:
        fakeapi.containers.pods(name="web").port_forward(address, port=80)
        forwarded = portforward(core.connect_get_namespaced_pod_portforward, "web", "default", ports="80,81")
        try:
            connection = forwarded.socket(80)
            connection.settimeout(10)
            connection.sendall(b"ping")
            assert connection.recv(1024) == b"echo:ping"
            connection.close()
            # Port 81 leads nowhere: its error channel says so, as the kubelet writes it.
            deadline = time.monotonic() + 10
            while forwarded.error(81) is None and time.monotonic() < deadline:
                time.sleep(0.05)
            error = forwarded.error(81)
            assert error is not None and error.startswith("error forwarding port 81 to pod ")
            assert "connect: connection refused" in error
        finally:
            forwarded.close()
