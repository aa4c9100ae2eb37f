"""Certificate rotation of a running server, seen by real clients and by the enqueue log."""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from cryptography import x509
from freezegun import freeze_time
from secure_client import SecureClient

from fakeapi.certs.dynamic_rotation import RotationError
from fakeapi.certs.pki import CertificateAuthority, parse_certs_pem
from fakeapi.certs.tls import client_ssl_context
from fakeapi.controllers.clusterauthenticationtrust import CONFIG_MAP_NAME, CONFIG_MAP_NAMESPACE
from fakeapi.server.instance import FakeAPIServer, ServerConfig
from fakeapi.util.clock import utc_now

TIMEOUT = 10.0
SERVING = "DynamicServingCertificateController"
TRUST = "ClusterAuthenticationTrustController"
TRUST_KEY = f"{CONFIG_MAP_NAMESPACE}/{CONFIG_MAP_NAME}"
CM_PATH = f"/api/v1/namespaces/{CONFIG_MAP_NAMESPACE}/configmaps/{CONFIG_MAP_NAME}"


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    with FakeAPIServer(ServerConfig()) as running:
        running.enqueue_log.clear()
        yield running
    running.check()


def frozen(at: datetime) -> freeze_time:
    # The kubernetes client imports its models lazily: freezegun's scan of loaded modules would
    # import them under a fake datetime, which their pydantic models cannot take.
    return freeze_time(at, ignore=["kubernetes"])


def events(server: FakeAPIServer) -> list[tuple[str, object, str]]:
    return [(e.listener, e.key, e.cause) for e in server.enqueue_log.events]


def served_certificate(server: FakeAPIServer, ca_pem: bytes) -> x509.Certificate:
    context = client_ssl_context(ca_pem)
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=TIMEOUT) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        der = tls.getpeercert(binary_form=True)
    assert der is not None
    return x509.load_der_x509_certificate(der)


def published_cas(server: FakeAPIServer, key: str = "client-ca-file") -> list[str]:
    config_map = server.request("GET", CM_PATH).json()
    return [
        c.subject.rfc4514_string() + "@" + str(c.serial_number)
        for c in parse_certs_pem(config_map["data"][key].encode())
    ]


def ca_id(ca: CertificateAuthority) -> str:
    return ca.certificate.subject.rfc4514_string() + "@" + str(ca.certificate.serial_number)


def test_serving_certificate_rotation_reaches_new_connections_and_only_the_serving_controller(
    server: FakeAPIServer,
) -> None:
    ca_pem = server.ca.cert_pem
    before = served_certificate(server, ca_pem)
    client = SecureClient(server.url, ca_pem, server.admin_cert)

    rotated = server.rotation.rotate_serving_cert()

    after = served_certificate(server, ca_pem)
    assert after.serial_number == rotated.certificate.serial_number != before.serial_number
    assert client.get("/api/v1/namespaces/default").status == 200
    assert events(server) == [(SERVING, "key", "serving-cert changed")]


def test_open_watch_survives_a_serving_certificate_rotation(server: FakeAPIServer) -> None:
    parts = server.url.rsplit(":", 1)
    connection = http.client.HTTPSConnection(
        "127.0.0.1", int(parts[1]), timeout=TIMEOUT, context=client_ssl_context(server.ca.cert_pem, server.admin_cert)
    )
    try:
        connection.request("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0")
        response = connection.getresponse()
        assert response.status == 200
        server.rotation.rotate_serving_cert()
        server.request(
            "POST", "/api/v1/namespaces/default/configmaps", {"metadata": {"name": "after-rotation"}, "data": {}}
        )
        names = []
        while "after-rotation" not in names:
            line = response.readline()
            assert line, "the watch ended instead of delivering the event"
            names.append(json.loads(line)["object"]["metadata"]["name"])
    finally:
        connection.close()


def test_ca_rotation_overlap_then_drop(server: FakeAPIServer) -> None:
    old_ca = server.ca
    old_admin = server.admin_cert
    old_client = SecureClient(server.url, old_ca.cert_pem, old_admin)
    assert old_client.get("/api/v1/namespaces").status == 200

    new_ca = server.rotation.start_ca_rotation()

    assert server.rotation.in_progress
    assert events(server) == [
        (SERVING, "key", "client-ca-bundle changed"),
        (TRUST, TRUST_KEY, "client-ca-bundle changed"),
        (TRUST, TRUST_KEY, "extension-apiserver-authentication updated"),
    ]
    # Overlap: both CAs authenticate clients; the server still presents the old CA's certificate.
    assert old_client.get("/api/v1/namespaces").status == 200
    bundle_client = SecureClient(server.url, server.rotation.trust_bundle, server.admin_cert)
    assert bundle_client.get("/api/v1/namespaces").status == 200
    assert server.admin_cert.certificate.issuer == new_ca.certificate.subject
    assert served_certificate(server, old_ca.cert_pem).issuer == old_ca.certificate.subject
    assert published_cas(server) == [ca_id(old_ca), ca_id(new_ca)]

    server.enqueue_log.clear()
    server.rotation.finish_ca_rotation()

    assert events(server) == [
        (SERVING, "key", "serving-cert changed"),
        (SERVING, "key", "client-ca-bundle changed"),
        (TRUST, TRUST_KEY, "client-ca-bundle changed"),
    ]
    # A client that trusts only the old CA no longer verifies the server ...
    with pytest.raises(ssl.SSLCertVerificationError):
        old_client.get("/api/v1/namespaces")
    # ... one with the new bundle does, and the old CA's client certificate is refused.
    assert (
        SecureClient(server.url, server.rotation.trust_bundle, server.admin_cert).get("/api/v1/namespaces").status
        == 200
    )
    assert SecureClient(server.url, new_ca.cert_pem, server.admin_cert).get("/version").status == 200
    with pytest.raises((ssl.SSLError, ConnectionError)):
        SecureClient(server.url, new_ca.cert_pem, old_admin).get("/api/v1/namespaces")
    # The ConfigMap keeps the old CA until it expires: other API servers may still use it.
    assert published_cas(server) == [ca_id(old_ca), ca_id(new_ca)]
    # A kubeconfig written now trusts only the new CA.
    assert server.kubeconfig_dict()["clusters"][0]["cluster"]["certificate-authority-data"]


def test_rotation_steps_out_of_order_are_refused(server: FakeAPIServer) -> None:
    with pytest.raises(RotationError, match="no CA rotation is in progress"):
        server.rotation.finish_ca_rotation()
    server.rotation.start_ca_rotation()
    with pytest.raises(RotationError, match="already in progress"):
        server.rotation.start_ca_rotation()
    server.rotation.finish_ca_rotation()
    assert not server.rotation.in_progress


def test_full_ca_rotation_in_one_step(server: FakeAPIServer) -> None:
    old_ca = server.ca
    new_ca = server.rotation.rotate_ca()
    assert served_certificate(server, new_ca.cert_pem).issuer == new_ca.certificate.subject
    with pytest.raises(ssl.SSLCertVerificationError):
        served_certificate(server, old_ca.cert_pem)
    assert SecureClient(server.url, new_ca.cert_pem, server.admin_cert).get("/api").status == 200


def test_request_header_ca_rotation_is_published(server: FakeAPIServer) -> None:
    old = server.pki.front_proxy_ca
    new = server.rotation.rotate_request_header_ca()
    assert events(server) == [
        (SERVING, "key", "request-header changed"),
        (TRUST, TRUST_KEY, "request-header changed"),
        (TRUST, TRUST_KEY, "extension-apiserver-authentication updated"),
    ]
    assert published_cas(server, "requestheader-client-ca-file") == [ca_id(old), ca_id(new)]


def test_expired_cas_leave_the_configmap(server: FakeAPIServer) -> None:
    """Another server's short-lived CA is published beside ours until five minutes after it expires."""
    now = utc_now()
    other = CertificateAuthority.create(
        "other-apiserver-ca", not_before=now - timedelta(hours=1), not_after=now + timedelta(hours=1)
    )
    config_map = server.request("GET", CM_PATH).json()
    config_map["data"]["client-ca-file"] = other.cert_pem.decode() + config_map["data"]["client-ca-file"]
    assert server.request("PUT", CM_PATH, config_map).status == 200
    server.authentication_trust.run_once()
    assert published_cas(server) == [ca_id(other), ca_id(server.ca)]

    with frozen(now + timedelta(hours=1, minutes=4)):
        server.authentication_trust.enqueue()
        server.authentication_trust.run_once()
        assert published_cas(server) == [ca_id(other), ca_id(server.ca)]
    with frozen(now + timedelta(hours=1, minutes=6)):
        server.authentication_trust.enqueue()
        server.authentication_trust.run_once()
        assert published_cas(server) == [ca_id(server.ca)]


def test_a_deleted_configmap_is_written_again(server: FakeAPIServer) -> None:
    assert server.request("DELETE", CM_PATH).status == 200
    server.authentication_trust.run_once()
    assert server.request("GET", CM_PATH).status == 200
    assert (TRUST, TRUST_KEY, "extension-apiserver-authentication deleted") in events(server)


def test_client_certificate_validity_is_checked_against_the_frozen_clock(
    server: FakeAPIServer, caplog: pytest.LogCaptureFixture
) -> None:
    pair = server.rotation.issue_client_cert("alice", ["devs"], valid_for=timedelta(hours=1))
    client = SecureClient(server.url, server.rotation.trust_bundle, pair)
    assert client.get("/version").status == 200
    issued = pair.certificate.not_valid_before_utc

    with frozen(issued + timedelta(hours=2)), caplog.at_level(logging.ERROR, "fakeapi.authentication"):
        reply = client.get("/api/v1/namespaces")
    assert reply.status == 401
    assert reply.json() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    expired = f"is after {pair.certificate.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}"
    assert any(
        "x509: certificate has expired or is not yet valid" in r.getMessage() and expired in r.getMessage()
        for r in caplog.records
    )

    with frozen(issued - timedelta(minutes=1)):
        assert client.get("/api/v1/namespaces").status == 401
    assert client.get("/api/v1/namespaces").status == 200


def test_reset_puts_the_original_certificates_back(server: FakeAPIServer) -> None:
    original_ca, original_admin = server.ca, server.admin_cert
    kubeconfig_client = SecureClient(server.url, original_ca.cert_pem, original_admin)
    server.rotation.rotate_ca()
    with pytest.raises(ssl.SSLError):
        kubeconfig_client.get("/version")
    server.reset()
    assert server.ca is original_ca and server.admin_cert is original_admin
    assert kubeconfig_client.get("/version").status == 200
    assert published_cas(server)[-1] == ca_id(original_ca)
    assert server.rotation.restore() is False
