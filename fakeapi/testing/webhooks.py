"""Webhooks written in Python, served over HTTPS from the test process.

``WebhookServer`` listens on 127.0.0.1 with a certificate issued by a CA (the fake cluster's, so
``caBundle`` is that CA) and routes each path to a Python callable:

- ``admission(path, review)``: ``review`` takes the AdmissionReview's ``request`` and returns
  its ``response`` without the uid (``{"allowed": False, "status": {"message": "..."}}``); a
  ``patch`` given as a list of operations is sent as a base64 JSONPatch, as kube-apiserver wants;
- ``conversion(path, convert)``: ``convert`` takes one object and the desired apiVersion and
  returns the converted object; an exception becomes a Failure result with its message;
- ``raw(path, answer)``: ``answer`` takes the request body and returns status, content type and
  body, for tests of what a broken webhook does.

``admission_configuration`` and ``conversion_client_config`` write the ``clientConfig`` that
points at a path, so a test needs no certificate handling of its own.
"""

from __future__ import annotations

import base64
import json
import socket
import ssl
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fakeapi.certs.pki import CertificateAuthority, KeyPair
from fakeapi.certs.tls import server_ssl_context

AdmissionHandler = Callable[[dict[str, Any]], dict[str, Any]]
ConversionHandler = Callable[[dict[str, Any], str], dict[str, Any]]
RawHandler = Callable[[bytes], tuple[int, str, bytes]]


class _Handler(BaseHTTPRequestHandler):
    server: _WebhookHTTPServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        route = self.server.routes.get(self.path.partition("?")[0])
        if route is None:
            status, content_type, payload = 404, "text/plain", b"no webhook at this path"
        else:
            status, content_type, payload = route(body)
        self.server.calls.append((self.path, body))
        # One write for status, headers and body: no Nagle delay between them.
        head = (
            f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        self.wfile.write(head.encode() + payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test reads ``calls`` instead."""


class _WebhookHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.context = context
        self.routes: dict[str, RawHandler] = {}
        self.calls: list[tuple[str, bytes]] = []

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            request.do_handshake()
        except (OSError, ssl.SSLError):
            return
        super().finish_request(request, client_address)


def _json_answer(payload: dict[str, Any]) -> tuple[int, str, bytes]:
    return 200, "application/json", json.dumps(payload).encode()


def _admission_route(review_handler: AdmissionHandler) -> RawHandler:
    def route(body: bytes) -> tuple[int, str, bytes]:
        review = json.loads(body)
        request = review.get("request") or {}
        response = dict(review_handler(request))
        patch = response.get("patch")
        if isinstance(patch, list):
            response["patch"] = base64.b64encode(json.dumps(patch).encode()).decode()
            response.setdefault("patchType", "JSONPatch")
        response["uid"] = request.get("uid")
        return _json_answer({"apiVersion": review.get("apiVersion"), "kind": "AdmissionReview", "response": response})

    return route


def _conversion_route(convert: ConversionHandler) -> RawHandler:
    def route(body: bytes) -> tuple[int, str, bytes]:
        review = json.loads(body)
        request = review.get("request") or {}
        response: dict[str, Any] = {"uid": request.get("uid")}
        try:
            response["convertedObjects"] = [
                convert(obj, str(request.get("desiredAPIVersion"))) for obj in request.get("objects") or []
            ]
            response["result"] = {"status": "Success"}
        except Exception as err:
            response["result"] = {"status": "Failure", "message": str(err)}
        return _json_answer({"apiVersion": review.get("apiVersion"), "kind": "ConversionReview", "response": response})

    return route


class WebhookServer:
    """An HTTPS server of Python webhooks on 127.0.0.1, with a certificate from ``ca``."""

    def __init__(self, ca: CertificateAuthority, *, hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> None:
        self.ca = ca
        self.hosts = hosts
        serving = ca.issue_serving_cert(*hosts, common_name="webhook")
        self._server = _WebhookHTTPServer(_serving_context(serving))
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def ca_bundle(self) -> str:
        """The base64 PEM for ``caBundle``."""
        return base64.b64encode(self.ca.cert_pem).decode()

    @property
    def calls(self) -> list[tuple[str, bytes]]:
        """Every request served: its path (with the query) and body."""
        return self._server.calls

    def url(self, path: str) -> str:
        return f"https://127.0.0.1:{self.port}{path}"

    def admission(self, path: str, review: AdmissionHandler) -> dict[str, Any]:
        """Serve an admission webhook at ``path``; returns its ``clientConfig``."""
        self._server.routes[path] = _admission_route(review)
        return self.client_config(path)

    def conversion(self, path: str, convert: ConversionHandler) -> dict[str, Any]:
        """Serve a conversion webhook at ``path``; returns its ``clientConfig``."""
        self._server.routes[path] = _conversion_route(convert)
        return self.client_config(path)

    def raw(self, path: str, answer: RawHandler) -> dict[str, Any]:
        """Serve ``answer``'s bytes at ``path``; returns its ``clientConfig``."""
        self._server.routes[path] = answer
        return self.client_config(path)

    def client_config(self, path: str) -> dict[str, Any]:
        return {"url": self.url(path), "caBundle": self.ca_bundle}

    def start(self) -> WebhookServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name="fakeapi-webhooks", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> WebhookServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serving_context(serving: KeyPair) -> ssl.SSLContext:
    """A serving context that asks for no client certificate (kube-apiserver presents none by default)."""
    context = server_ssl_context(serving, serving.cert_pem)
    context.verify_mode = ssl.CERT_NONE
    return context
