"""Tests for fakeapi.certs.tls: real TLS handshakes on 127.0.0.1 between the two contexts."""

from __future__ import annotations

import socket
import ssl
import stat
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fakeapi.certs.pki import CertificateAuthority, KeyPair, default_serving_hosts, user_from_certificate
from fakeapi.certs.tls import client_ssl_context, server_ssl_context

TIMEOUT = 5.0
TLS_VERSIONS = [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3]


@dataclass
class Outcome:
    """What the server saw of one connection."""

    user: str = ""
    groups: tuple[str, ...] = ()
    version: str | None = None
    alpn: str | None = None
    error: BaseException | None = None


class OneConnectionServer:
    """Accepts one TLS connection, answers with the authenticated user's name, and closes."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(TIMEOUT)
        self.port: int = self._listener.getsockname()[1]
        self.outcome = Outcome()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            connection, _ = self._listener.accept()
            connection.settimeout(TIMEOUT)
            with self._context.wrap_socket(connection, server_side=True) as tls:
                peer = tls.getpeercert(binary_form=True)
                if peer is not None:
                    user, groups = user_from_certificate(peer)
                    self.outcome.user, self.outcome.groups = user, tuple(groups)
                self.outcome.version = tls.version()
                self.outcome.alpn = tls.selected_alpn_protocol()
                tls.sendall((self.outcome.user or "system:anonymous").encode() + b"\n")
        except Exception as error:
            self.outcome.error = error

    def finish(self) -> Outcome:
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive(), "server thread did not finish"
        self._listener.close()
        return self.outcome


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority.create()


@pytest.fixture(scope="module")
def serving(ca: CertificateAuthority) -> KeyPair:
    return ca.issue_serving_cert(*default_serving_hosts())


@pytest.fixture
def server(ca: CertificateAuthority, serving: KeyPair) -> Iterator[OneConnectionServer]:
    one = OneConnectionServer(server_ssl_context(serving, ca.cert_pem))
    yield one
    one.finish()


def _talk(port: int, context: ssl.SSLContext, server_hostname: str = "127.0.0.1") -> bytes:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname=server_hostname) as tls,
    ):
        return tls.recv(1024)


def _pinned(context: ssl.SSLContext, version: ssl.TLSVersion) -> ssl.SSLContext:
    context.maximum_version = version
    return context


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=lambda version: version.name)
def test_handshake_with_client_certificate(
    server: OneConnectionServer, ca: CertificateAuthority, version: ssl.TLSVersion
) -> None:
    client = ca.issue_client_cert("kubernetes-admin", ["kubeadm:cluster-admins"])
    context = _pinned(client_ssl_context(ca.cert_pem, client), version)
    assert _talk(server.port, context) == b"kubernetes-admin\n"
    outcome = server.finish()
    assert outcome.error is None
    assert (outcome.user, outcome.groups) == ("kubernetes-admin", ("kubeadm:cluster-admins",))
    assert outcome.version == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=lambda version: version.name)
def test_handshake_without_client_certificate(
    server: OneConnectionServer, ca: CertificateAuthority, version: ssl.TLSVersion
) -> None:
    context = _pinned(client_ssl_context(ca.cert_pem), version)
    assert _talk(server.port, context) == b"system:anonymous\n"
    outcome = server.finish()
    assert outcome.error is None
    assert outcome.user == ""


def test_alpn_answers_http_1_1_to_a_go_style_offer(server: OneConnectionServer, ca: CertificateAuthority) -> None:
    context = client_ssl_context(ca.cert_pem)
    context.set_alpn_protocols(["h2", "http/1.1"])
    _talk(server.port, context)
    assert server.finish().alpn == "http/1.1"


@pytest.mark.parametrize("hostname", ["localhost", "::1", "kubernetes.default.svc", "10.96.0.1"])
def test_serving_certificate_matches_its_hosts(
    server: OneConnectionServer, ca: CertificateAuthority, hostname: str
) -> None:
    assert _talk(server.port, client_ssl_context(ca.cert_pem), server_hostname=hostname)
    assert server.finish().error is None


def test_unknown_host_is_refused_by_the_client(server: OneConnectionServer, ca: CertificateAuthority) -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="Hostname mismatch"):
        _talk(server.port, client_ssl_context(ca.cert_pem), server_hostname="example.com")


def test_server_from_another_ca_is_refused_by_the_client(server: OneConnectionServer) -> None:
    other = CertificateAuthority.create()
    with pytest.raises(ssl.SSLCertVerificationError, match="certificate verify failed"):
        _talk(server.port, client_ssl_context(other.cert_pem))


@pytest.mark.parametrize("version", TLS_VERSIONS, ids=lambda version: version.name)
def test_client_certificate_from_another_ca_is_refused(
    server: OneConnectionServer, ca: CertificateAuthority, version: ssl.TLSVersion
) -> None:
    intruder = CertificateAuthority.create().issue_client_cert("mallory", ["system:masters"])
    context = _pinned(client_ssl_context(ca.cert_pem, intruder), version)
    # In TLS 1.3 the client finishes its handshake before the server has checked its
    # certificate, so the refusal arrives as an alert on the first read.
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _talk(server.port, context)
    outcome = server.finish()
    assert isinstance(outcome.error, ssl.SSLCertVerificationError)
    assert outcome.error.verify_message == "unable to get local issuer certificate"
    assert outcome.user == ""


def test_serving_certificate_is_no_client_certificate(
    server: OneConnectionServer, ca: CertificateAuthority, serving: KeyPair
) -> None:
    # Signed by the right CA but without the client auth usage: OpenSSL checks the purpose.
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _talk(server.port, client_ssl_context(ca.cert_pem, serving))
    outcome = server.finish()
    assert isinstance(outcome.error, ssl.SSLCertVerificationError)
    assert outcome.error.verify_message == "unsuitable certificate purpose"


def test_client_ca_bundle_accepts_each_of_its_cas(serving: KeyPair, ca: CertificateAuthority) -> None:
    # During a CA rotation the client CA file holds the old and the new CA.
    new_ca = CertificateAuthority.create("kubernetes-ca-2")
    for issuer in (ca, new_ca):
        server = OneConnectionServer(server_ssl_context(serving, ca.cert_pem + new_ca.cert_pem))
        client = issuer.issue_client_cert(f"user-of-{issuer.certificate.subject.rfc4514_string()}")
        assert _talk(server.port, client_ssl_context(ca.cert_pem, client)).startswith(b"user-of-")
        assert server.finish().error is None


def test_tls_1_1_is_refused_by_the_server(server: OneConnectionServer) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        # Security level 0 lets this OpenSSL offer TLS 1.1 at all; the server must say no.
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # deprecated is the point here
            context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_1
    except (ssl.SSLError, ValueError) as error:
        pytest.skip(f"this OpenSSL cannot offer TLS 1.1: {error}")
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _talk(server.port, context)
    outcome = server.finish()
    assert isinstance(outcome.error, ssl.SSLError)
    assert outcome.error.reason == "UNSUPPORTED_PROTOCOL"


def test_server_context_settings(serving: KeyPair, ca: CertificateAuthority) -> None:
    context = server_ssl_context(serving, ca.cert_pem)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.verify_mode == ssl.CERT_OPTIONAL
    assert context.get_ca_certs()[0]["subject"] == ((("commonName", "kubernetes-ca"),),)


def test_key_pairs_touch_disk_only_privately_and_briefly(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, serving: KeyPair, ca: CertificateAuthority
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    seen: list[tuple[int, int]] = []
    load_cert_chain = ssl.SSLContext.load_cert_chain

    def spy(self: ssl.SSLContext, certfile: Any, *args: Any, **kwargs: Any) -> None:
        path = Path(certfile)
        seen.append((stat.S_IMODE(path.parent.stat().st_mode), stat.S_IMODE(path.stat().st_mode)))
        load_cert_chain(self, certfile, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_cert_chain", spy)
    server_ssl_context(serving, ca.cert_pem)
    client_ssl_context(ca.cert_pem, ca.issue_client_cert("alice"))
    assert seen == [(0o700, 0o600), (0o700, 0o600)]
    assert list(tmp_path.iterdir()) == []
