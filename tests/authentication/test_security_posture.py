"""Bad credentials, hostile clients and key hygiene: refused, answered as upstream, nothing left behind."""

from __future__ import annotations

import os
import socket
import ssl
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from secure_client import TIMEOUT, SecureClient

from fakeapi.certs import dynamic_tlsconfig
from fakeapi.certs.pki import CertificateAuthority
from fakeapi.endpoints.http import Headers, Request, ResponseWriter
from fakeapi.endpoints.request import RequestContext, RequestInfo, UserInfo
from fakeapi.server.filters.authentication import with_authentication
from fakeapi.server.instance import FakeAPIServer, ServerConfig

UNAUTHORIZED = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": "Unauthorized",
    "reason": "Unauthorized",
    "code": 401,
}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(ServerConfig()) as running:
        yield running
    running.check()


@pytest.fixture(scope="module")
def anonymous_server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(ServerConfig(allow_anonymous=True)) as running:
        yield running
    running.check()


def serving(server: FakeAPIServer) -> bool:
    """The server still answers an ordinary request."""
    return SecureClient(server.url, server.rotation.trust_bundle, server.admin_cert).get("/version").status == 200


def test_no_credentials_is_401_unauthorized(server: FakeAPIServer) -> None:
    reply = SecureClient(server.url, server.rotation.trust_bundle).get("/api/v1/namespaces")
    assert reply.status == 401
    assert reply.json() == UNAUTHORIZED


def test_anonymous_when_enabled_but_a_bad_credential_still_fails(anonymous_server: FakeAPIServer) -> None:
    client = SecureClient(anonymous_server.url, anonymous_server.rotation.trust_bundle)
    review = client.post(
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert review.status == 201
    assert review.json()["status"]["userInfo"] == {"username": "system:anonymous", "groups": ["system:unauthenticated"]}
    bad = SecureClient(anonymous_server.url, anonymous_server.rotation.trust_bundle, token="forged")
    assert bad.get("/version").status == 401


@pytest.mark.parametrize(
    "token",
    [
        "x" * 60_000,
        "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2t1YmVybmV0ZXMuZGVmYXVsdC5zdmMuY2x1c3Rlci5sb2NhbCJ9.",
        "a.b.c",
        "\u00e9t\u00e9",
    ],
    ids=["huge", "alg-none", "three-dots", "non-ascii"],
)
def test_forged_and_garbage_tokens_are_401_and_harmless(server: FakeAPIServer, token: str) -> None:
    raw = token.encode("utf-8").decode("latin-1")
    reply = SecureClient(server.url, server.rotation.trust_bundle, token=raw).get("/api")
    assert reply.status == 401
    assert reply.json() == UNAUTHORIZED
    assert serving(server)


def test_authentication_removes_the_credentials_before_the_handlers(server: FakeAPIServer) -> None:
    seen: list[list[tuple[str, str]]] = []

    def director(req: Request, w: ResponseWriter) -> None:
        seen.append(req.headers.items())

    chain = with_authentication(director, server.authenticator, server.api_audiences)
    headers = Headers.of(
        {
            "Authorization": f"Bearer {server.admin_token}",
            "X-Remote-User": "mallory",
            "X-Remote-Extra-Scope": "all",
            "Accept": "*/*",
        }
    )
    req = Request("GET", "/api", headers=headers)
    req.context = RequestContext(RequestInfo(path="/api", verb="get"))
    chain(req, None)  # type: ignore[arg-type]
    assert seen == [[("Accept", "*/*")]]
    assert req.context.user == UserInfo("kubernetes-admin", ("system:masters", "system:authenticated"))


def test_a_client_certificate_from_an_unknown_ca_is_refused(server: FakeAPIServer) -> None:
    stranger = CertificateAuthority.create("kubernetes-ca").issue_client_cert("kubernetes-admin", ["system:masters"])
    with pytest.raises((ssl.SSLError, ConnectionError)):
        SecureClient(server.url, server.rotation.trust_bundle, stranger).get("/api/v1/secrets")
    assert serving(server)


def test_a_serving_certificate_is_no_client_certificate(server: FakeAPIServer) -> None:
    as_client = server.ca.issue_serving_cert("kubernetes-admin")
    try:
        reply = SecureClient(server.url, server.rotation.trust_bundle, as_client).get("/api/v1/secrets")
    except (ssl.SSLError, ConnectionError):
        pass  # refused at the handshake: OpenSSL checks the purpose too
    else:
        assert reply.status == 401
    assert serving(server)


def _tls(server: FakeAPIServer) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT)
    context = SecureClient(server.url, server.rotation.trust_bundle, server.admin_cert).context()
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_slow_and_silent_clients_do_not_hold_up_others(server: FakeAPIServer) -> None:
    silent = [socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) for _ in range(5)]
    half_written = [_tls(server) for _ in range(5)]
    try:
        for connection in half_written:
            connection.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        assert serving(server)
    finally:
        for connection in [*silent, *half_written]:
            connection.close()
    assert serving(server)


def _status_line(connection: ssl.SSLSocket) -> bytes:
    return connection.recv(65536).split(b"\r\n", 1)[0]


def test_headers_are_limited_by_their_total_size_as_go_limits_them(server: FakeAPIServer) -> None:
    # http.DefaultMaxHeaderBytes: 1 MiB of request line and headers, however many headers that is.
    with _tls(server) as connection:
        many = "".join(f"X-H{i}: v\r\n" for i in range(200))
        connection.sendall(f"GET /version HTTP/1.1\r\nHost: x\r\n{many}\r\n".encode())
        assert _status_line(connection).startswith(b"HTTP/1.1 200")
    with _tls(server) as connection:
        connection.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")
        assert _status_line(connection).startswith(b"HTTP/1.1 200")
    with _tls(server) as connection:
        connection.sendall(b"GET /version HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (2 << 20) + b"\r\n\r\n")
        assert _status_line(connection).startswith(b"HTTP/1.1 431")
    assert serving(server)


def test_no_key_material_is_left_on_disk(
    server: FakeAPIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The TLS context is loaded from a private file; point it at a directory of this test's own,
    # since other processes on the machine use the shared one at the same time.
    key_directory = tmp_path / "keys"
    key_directory.mkdir()
    asked: list[str] = []

    def private_key_directory() -> str:
        asked.append(str(key_directory))
        return str(key_directory)

    monkeypatch.setattr(dynamic_tlsconfig, "_key_directory", private_key_directory)
    server.rotation.rotate_serving_cert()
    assert asked, "the rotation did not rebuild the TLS context"
    assert list(key_directory.iterdir()) == []
    written = server.write_kubeconfig(tmp_path / "kubeconfig")
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    pki = server.pki.write_to(tmp_path / "pki")
    assert {p.name for p in pki.iterdir() if stat.S_IMODE(p.stat().st_mode) == 0o600} == {
        "apiserver.key",
        "ca.key",
        "front-proxy-ca.key",
        "front-proxy-client.key",
        "sa.key",
    }
    assert serving(server)
    assert list(key_directory.iterdir()) == []
