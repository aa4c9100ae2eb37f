"""DynamicServingCertificateController: the TLS context, rebuilt from whatever its inputs hold now."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest

from fakeapi.certs.dynamic_content import DynamicCAContent, DynamicCertKeyPairContent
from fakeapi.certs.dynamic_tlsconfig import CONTROLLER_NAME, DynamicServingCertificateController
from fakeapi.certs.pki import CertificateAuthority
from fakeapi.certs.tls import client_ssl_context
from fakeapi.controllers.base import EnqueueLog
from fakeapi.controllers.interfaces import ControllerRunner, Listener

TIMEOUT = 5.0


class EmptyCA:
    """A CA provider whose content was removed."""

    def name(self) -> str:
        return "client-ca-bundle::/etc/kubernetes/pki/ca.crt"

    def current_ca_bundle_content(self) -> bytes:
        return b""

    def current_ca_certificates(self) -> list[object]:
        return []

    def add_listener(self, listener: Listener) -> None:
        return None


class EmptyServing:
    def name(self) -> str:
        return "serving-cert::apiserver.crt::apiserver.key"

    def current_cert_key_content(self) -> tuple[bytes, bytes]:
        return b"", b""

    def add_listener(self, listener: Listener) -> None:
        return None


@pytest.fixture
def ca() -> CertificateAuthority:
    return CertificateAuthority.create()


def _controller(
    ca: CertificateAuthority, log: EnqueueLog | None = None
) -> tuple[DynamicServingCertificateController, DynamicCAContent, DynamicCertKeyPairContent]:
    serving = ca.issue_serving_cert("localhost", "127.0.0.1")
    client_ca = DynamicCAContent("client-ca-bundle", ca.cert_pem)
    serving_cert = DynamicCertKeyPairContent("serving-cert", serving.cert_pem, serving.key_pem)
    controller = DynamicServingCertificateController(client_ca, serving_cert, log=log)
    client_ca.add_listener(controller)
    serving_cert.add_listener(controller)
    return controller, client_ca, serving_cert


def test_no_context_before_the_first_sync(ca: CertificateAuthority) -> None:
    controller, _, _ = _controller(ca)
    with pytest.raises(ssl.SSLError, match="configuration not ready"):
        controller.current_context()
    assert isinstance(controller, Listener)
    assert isinstance(controller, ControllerRunner)


def test_refuses_to_remove_all_content(ca: CertificateAuthority) -> None:
    serving = ca.issue_serving_cert("localhost")
    pair = DynamicCertKeyPairContent("serving-cert", serving.cert_pem, serving.key_pem)
    with pytest.raises(
        ValueError, match=r"^not loading an empty client ca bundle from 'client-ca-bundle::/etc/kubernetes/pki/ca.crt'$"
    ):
        DynamicServingCertificateController(EmptyCA(), pair).run_once()
    client_ca = DynamicCAContent("client-ca-bundle", ca.cert_pem)
    with pytest.raises(
        ValueError,
        match=r"^not loading an empty serving certificate from 'serving-cert::apiserver.crt::apiserver.key'$",
    ):
        DynamicServingCertificateController(client_ca, EmptyServing()).run_once()


def test_unchanged_content_keeps_the_context_changed_content_replaces_it(ca: CertificateAuthority) -> None:
    log = EnqueueLog()
    controller, _, serving_cert = _controller(ca, log)
    controller.run_once()
    first = controller.current_context()
    controller.enqueue()
    controller.run_once()
    assert controller.current_context() is first

    replacement = ca.issue_serving_cert("localhost", "127.0.0.1")
    serving_cert.set_cert_key_content(replacement.cert_pem, replacement.key_pem)
    # Enqueued, not yet synced: connections still get the old context.
    assert controller.current_context() is first
    controller.run_once()
    assert controller.current_context() is not first
    assert [(e.listener, e.cause) for e in log.events] == [
        (CONTROLLER_NAME, "enqueue"),
        (CONTROLLER_NAME, "serving-cert changed"),
    ]


def test_many_enqueues_are_one_sync(ca: CertificateAuthority) -> None:
    controller, _, _ = _controller(ca)
    syncs = 0
    original = controller.sync_certs

    def counting() -> None:
        nonlocal syncs
        syncs += 1
        original()

    controller.sync_certs = counting  # type: ignore[method-assign]
    for _ in range(50):
        controller.enqueue()
    assert len(controller.queue) == 1
    controller.run_once()
    # One for the queued key, one for run_once's own sync (a no-op on unchanged content).
    assert syncs == 2


def _handshake(port: int, context: ssl.SSLContext) -> str | None:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        return tls.version()


def _serve_once(context: ssl.SSLContext) -> tuple[int, threading.Thread]:
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(TIMEOUT)

    def serve() -> None:
        with listener:
            connection, _ = listener.accept()
            connection.settimeout(TIMEOUT)
            try:
                with context.wrap_socket(connection, server_side=True) as tls:
                    tls.recv(1)
            except (ssl.SSLError, OSError):
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


def _old_client(ca: CertificateAuthority, version: ssl.TLSVersion) -> ssl.SSLContext:
    # A client that can speak an old version: security level 0 lets OpenSSL offer it at all.
    old = client_ssl_context(ca.cert_pem)
    old.set_ciphers("DEFAULT:@SECLEVEL=0")
    old.minimum_version = ssl.TLSVersion.TLSv1
    old.maximum_version = version
    return old


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1:DeprecationWarning")
@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_1])
def test_only_tls_1_2_and_later_are_spoken(ca: CertificateAuthority, version: ssl.TLSVersion, tmp_path: Path) -> None:
    # The old client does get through to a server that allows its version ...
    permissive = ca.issue_serving_cert("localhost")
    allowing = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    allowing.minimum_version = ssl.TLSVersion.TLSv1
    allowing.set_ciphers("DEFAULT:@SECLEVEL=0")
    allowing.load_cert_chain(*permissive.write_to(tmp_path))
    port, thread = _serve_once(allowing)
    assert _handshake(port, _old_client(ca, version)) is not None
    thread.join(TIMEOUT)
    # ... and not to the controller's context.
    controller, _, _ = _controller(ca)
    controller.run_once()
    port, thread = _serve_once(controller.current_context())
    with pytest.raises((ssl.SSLError, ConnectionError)):
        _handshake(port, _old_client(ca, version))
    thread.join(TIMEOUT)


def test_tls_1_2_with_a_modern_suite_works(ca: CertificateAuthority) -> None:
    controller, _, _ = _controller(ca)
    controller.run_once()
    port, thread = _serve_once(controller.current_context())
    client = client_ssl_context(ca.cert_pem)
    client.maximum_version = ssl.TLSVersion.TLSv1_2
    assert _handshake(port, client) == "TLSv1.2"
    thread.join(TIMEOUT)
