"""Dynamic certificate content: Notifiers that tell their listeners about real changes only."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from fakeapi.certs.dynamic_content import (
    DynamicCAContent,
    DynamicCertKeyPairContent,
    DynamicFileCAContent,
    DynamicFileCertKeyPairContent,
    StaticCAContent,
    StaticCertKeyContent,
    UnionCAContent,
    parse_cert_key_pair,
)
from fakeapi.certs.pki import CertificateAuthority
from fakeapi.controllers.base import EnqueueLog, QueueController
from fakeapi.controllers.interfaces import ControllerRunner, Notifier

TIMEOUT = 5.0


class CountingListener:
    """A plain Listener: counts enqueues."""

    def __init__(self) -> None:
        self.count = 0

    def enqueue(self) -> None:
        self.count += 1


@pytest.fixture(scope="module")
def cas() -> tuple[CertificateAuthority, CertificateAuthority]:
    return CertificateAuthority.create("one"), CertificateAuthority.create("two")


def test_in_memory_ca_notifies_only_on_a_real_change(cas: tuple[CertificateAuthority, CertificateAuthority]) -> None:
    one, two = cas
    content = DynamicCAContent("client-ca-bundle", one.cert_pem)
    listener = CountingListener()
    content.add_listener(listener)

    assert content.set_ca_bundle(one.cert_pem) is False
    assert listener.count == 0
    assert content.set_ca_bundle(two.cert_pem) is True
    assert listener.count == 1
    assert content.current_ca_bundle_content() == two.cert_pem
    assert [c.subject.rfc4514_string() for c in content.current_ca_certificates()] == ["CN=two"]


@pytest.mark.parametrize(
    "bad", [b"", b"  \n", b"-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n", b"junk"]
)
def test_invalid_ca_bundle_is_refused_and_the_old_one_kept(
    cas: tuple[CertificateAuthority, CertificateAuthority], bad: bytes
) -> None:
    one, _ = cas
    content = DynamicCAContent("client-ca-bundle", one.cert_pem)
    listener = CountingListener()
    content.add_listener(listener)
    with pytest.raises(ValueError):
        content.set_ca_bundle(bad)
    assert content.current_ca_bundle_content() == one.cert_pem
    assert listener.count == 0


def test_a_fakeapi_controller_listener_records_the_cause(
    cas: tuple[CertificateAuthority, CertificateAuthority],
) -> None:
    one, two = cas
    log = EnqueueLog()
    controller: QueueController[str] = QueueController("watcher", lambda key: None, log)
    content = DynamicCAContent("client-ca-bundle", one.cert_pem)
    content.add_listener(controller)
    content.set_ca_bundle(two.cert_pem)
    assert [(e.listener, e.key, e.cause) for e in log.events] == [("watcher", "key", "client-ca-bundle changed")]


def test_cert_key_pair_must_match(cas: tuple[CertificateAuthority, CertificateAuthority]) -> None:
    one, _ = cas
    first = one.issue_serving_cert("localhost")
    second = one.issue_serving_cert("localhost")
    content = DynamicCertKeyPairContent("serving-cert", first.cert_pem, first.key_pem)
    listener = CountingListener()
    content.add_listener(listener)
    with pytest.raises(ValueError, match="private key does not match public key"):
        content.set_cert_key_content(first.cert_pem, second.key_pem)
    with pytest.raises(ValueError):
        content.set_cert_key_content(b"", b"")
    assert content.current_cert_key_content() == (first.cert_pem, first.key_pem)
    assert content.set_cert_key_content(first.cert_pem, first.key_pem) is False
    assert content.set_cert_key_content(second.cert_pem, second.key_pem) is True
    assert listener.count == 1


def test_parse_cert_key_pair_refuses_a_malformed_key(cas: tuple[CertificateAuthority, CertificateAuthority]) -> None:
    one, _ = cas
    pair = one.issue_serving_cert("localhost")
    with pytest.raises(ValueError, match="failed to parse private key"):
        parse_cert_key_pair(pair.cert_pem, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def test_file_ca_reloads_on_change_and_keeps_the_old_bundle_on_a_half_written_file(
    tmp_path: Path, cas: tuple[CertificateAuthority, CertificateAuthority]
) -> None:
    one, two = cas
    path = tmp_path / "ca.crt"
    path.write_bytes(one.cert_pem)
    content = DynamicFileCAContent("client-ca-bundle", path)
    assert content.name() == f"client-ca-bundle::{path}"
    listener = CountingListener()
    content.add_listener(listener)

    content.run_once()
    assert listener.count == 0  # unchanged file: nobody told
    path.write_bytes(two.cert_pem[:40])
    with pytest.raises(ValueError):
        content.run_once()
    assert content.current_ca_bundle_content() == one.cert_pem
    path.write_bytes(two.cert_pem)
    content.run_once()
    assert listener.count == 1
    assert content.current_ca_bundle_content() == two.cert_pem


def test_file_ca_refuses_an_empty_file_at_construction(tmp_path: Path) -> None:
    path = tmp_path / "ca.crt"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="missing content"):
        DynamicFileCAContent("client-ca-bundle", path)


def test_file_content_is_polled_in_the_background(
    tmp_path: Path, cas: tuple[CertificateAuthority, CertificateAuthority]
) -> None:
    one, two = cas
    pair = two.issue_serving_cert("localhost")
    ca_path, cert_path, key_path = tmp_path / "ca.crt", tmp_path / "tls.crt", tmp_path / "tls.key"
    ca_path.write_bytes(one.cert_pem)
    one.issue_serving_cert("localhost").write_to((cert_path, key_path))
    log = EnqueueLog()
    controller: QueueController[str] = QueueController("watcher", lambda key: None, log)
    ca = DynamicFileCAContent("client-ca-bundle", ca_path, poll_interval=0.01)
    serving = DynamicFileCertKeyPairContent("serving-cert", cert_path, key_path, poll_interval=0.01)
    ca.add_listener(controller)
    serving.add_listener(controller)
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in (ca, serving)]
    for thread in threads:
        thread.start()
    try:
        ca_path.write_bytes(two.cert_pem)
        pair.write_to((cert_path, key_path))
        assert log.wait_for(lambda e: e.cause == f"{ca.name()} changed", TIMEOUT)
        assert log.wait_for(lambda e: e.cause == f"{serving.name()} changed", TIMEOUT)
    finally:
        stop.set()
        for thread in threads:
            thread.join(TIMEOUT)
    assert serving.current_cert_key_content() == (pair.cert_pem, pair.key_pem)
    assert not any(t.is_alive() for t in threads)


def test_union_joins_bundles_and_fans_listeners_out(cas: tuple[CertificateAuthority, CertificateAuthority]) -> None:
    one, two = cas
    first = DynamicCAContent("client-ca-bundle", one.cert_pem + b"\n\n")
    second = DynamicCAContent("request-header", two.cert_pem)
    union = UnionCAContent(first, second)
    assert union.name() == "client-ca-bundle,request-header"
    assert union.current_ca_bundle_content() == one.cert_pem.strip() + b"\n" + two.cert_pem.strip()
    assert len(union.current_ca_certificates()) == 2
    listener = CountingListener()
    union.add_listener(listener)
    second.set_ca_bundle(one.cert_pem)
    first.set_ca_bundle(two.cert_pem)
    assert listener.count == 2
    assert isinstance(union, ControllerRunner)
    union.run_once()


def test_static_content_never_notifies(cas: tuple[CertificateAuthority, CertificateAuthority]) -> None:
    one, _ = cas
    pair = one.issue_serving_cert("localhost")
    static_ca = StaticCAContent("existing", one.cert_pem)
    static_pair = StaticCertKeyContent("serving", pair.cert_pem, pair.key_pem)
    for content in (static_ca, static_pair):
        assert isinstance(content, Notifier)
        content.add_listener(CountingListener())
    assert static_ca.current_ca_bundle_content() == one.cert_pem
    assert static_pair.current_cert_key_content() == (pair.cert_pem, pair.key_pem)
    with pytest.raises(ValueError):
        StaticCAContent("existing", b"")
