"""An HTTPS client for the authentication, authorization and certificate tests.

Each request opens a new TLS connection with exactly the trust, client certificate and bearer
token a test chose, so what a request sees is what a fresh client would see after a rotation.
"""

from __future__ import annotations

import http.client
import json
import ssl
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from fakeapi.certs.pki import KeyPair
from fakeapi.certs.tls import client_ssl_context

TIMEOUT = 10.0


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class SecureClient:
    """A client of one server: its URL, the CA bundle it trusts, and how it authenticates."""

    url: str
    ca_pem: bytes
    client_cert: KeyPair | None = None
    token: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def context(self) -> ssl.SSLContext:
        return client_ssl_context(self.ca_pem, self.client_cert)

    def connection(self) -> http.client.HTTPSConnection:
        parts = urlsplit(self.url)
        assert parts.hostname is not None and parts.port is not None
        return http.client.HTTPSConnection(parts.hostname, parts.port, timeout=TIMEOUT, context=self.context())

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Reply:
        all_headers = {"Accept": "application/json", **self.headers, **(headers or {})}
        if self.token is not None:
            all_headers["Authorization"] = f"Bearer {self.token}"
        raw = None
        if body is not None:
            raw = json.dumps(body).encode()
            all_headers["Content-Type"] = "application/json"
        connection = self.connection()
        try:
            connection.request(method, path, body=raw, headers=all_headers)
            response = connection.getresponse()
            return Reply(response.status, dict(response.getheaders()), response.read())
        finally:
            connection.close()

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any, **kwargs: Any) -> Reply:
        return self.request("POST", path, body, **kwargs)
