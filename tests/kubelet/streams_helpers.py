"""What the log, exec, attach and port-forward tests share: running pods, a local TCP server, raw TLS connections."""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from fakeapi.certs.tls import client_ssl_context
from fakeapi.pytest_plugin.kube_tools import ToolRunner
from fakeapi.server.instance import FakeAPIServer


def run_pod(kubectl: ToolRunner, name: str, *args: str) -> None:
    """``kubectl run`` a pod (nginx unless ``args`` say otherwise) and wait until it is Ready."""
    image = [] if any(a.startswith("--image") for a in args) else ["--image=nginx:1.27"]
    kubectl("run", name, *image, *args)
    kubectl("wait", "--for=condition=Ready", f"pod/{name}", "--timeout=30s")


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(b"echo:" + data)


@contextmanager
def echo_server() -> Iterator[tuple[str, int]]:
    """A local TCP server that answers every chunk with ``echo:`` and the chunk; yields its address."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield str(host), int(port)
    finally:
        server.shutdown()
        server.server_close()


def tls_connection(server: FakeAPIServer, *, as_admin: bool = True) -> ssl.SSLSocket:
    """A raw TLS connection to the server (as its admin, unless told not to present the admin's certificate)."""
    context = client_ssl_context(server.ca.cert_pem, server.admin_cert if as_admin else None)
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    return context.wrap_socket(raw, server_hostname="localhost")


def send_head(connection: ssl.SSLSocket, method: str, path: str, headers: dict[str, str]) -> None:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", *(f"{k}: {v}" for k, v in headers.items())]
    connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())


def read_head(connection: ssl.SSLSocket) -> tuple[int, dict[str, str], bytes]:
    """The status, headers (lower-cased names) and whatever of the body came with them."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers, rest
