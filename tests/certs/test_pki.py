"""Tests for fakeapi.certs.pki: what the CA issues, checked with cryptography."""

from __future__ import annotations

import ipaddress
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fakeapi.certs.pki import (
    DEFAULT_NOT_AFTER,
    DEFAULT_NOT_BEFORE,
    CertificateAuthority,
    default_serving_hosts,
    user_from_certificate,
    write_file_atomic,
)


@pytest.fixture(scope="module")
def ca() -> CertificateAuthority:
    return CertificateAuthority.create()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_ca_is_a_self_signed_p256_ca(ca: CertificateAuthority) -> None:
    cert = ca.certificate
    cert.verify_directly_issued_by(cert)
    assert cert.subject == cert.issuer
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "kubernetes-ca"
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert isinstance(public_key.curve, ec.SECP256R1)

    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical
    assert basic.value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert usage.value.key_encipherment
    assert usage.value.key_cert_sign
    ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(public_key)


def test_ca_default_validity_does_not_depend_on_the_clock(ca: CertificateAuthority) -> None:
    assert ca.certificate.not_valid_before_utc == datetime(2000, 1, 1, tzinfo=UTC) == DEFAULT_NOT_BEFORE
    assert ca.certificate.not_valid_after_utc == datetime(3000, 1, 1, tzinfo=UTC) == DEFAULT_NOT_AFTER


def test_ca_custom_name_and_validity() -> None:
    start, end = datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC)
    ca = CertificateAuthority.create("etcd-ca", not_before=start, not_after=end)
    assert ca.certificate.subject.rfc4514_string() == "CN=etcd-ca"
    assert (ca.certificate.not_valid_before_utc, ca.certificate.not_valid_after_utc) == (start, end)


def test_naive_datetimes_are_utc() -> None:
    ca = CertificateAuthority.create(not_before=datetime(2020, 1, 1), not_after=datetime(2021, 1, 1))
    assert ca.certificate.not_valid_before_utc == datetime(2020, 1, 1, tzinfo=UTC)


def test_empty_validity_window_is_refused(ca: CertificateAuthority) -> None:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="empty validity window"):
        CertificateAuthority.create(not_before=moment, not_after=moment)
    with pytest.raises(ValueError, match="empty validity window"):
        ca.issue_client_cert("alice", not_before=datetime(3001, 1, 1, tzinfo=UTC))


def test_serving_cert_sans_usages_and_chain(ca: CertificateAuthority) -> None:
    serving = ca.issue_serving_cert(*default_serving_hosts())
    cert = serving.certificate
    cert.verify_directly_issued_by(ca.certificate)
    assert cert.subject.rfc4514_string() == "CN=kube-apiserver"

    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == [
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
    ]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
        ipaddress.ip_address("10.96.0.1"),
    ]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    assert not cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature
    assert not usage.key_cert_sign
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = ca.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest


def test_leaf_validity_follows_the_ca_unless_told(ca: CertificateAuthority) -> None:
    leaf = ca.issue_serving_cert("localhost").certificate
    assert leaf.not_valid_before_utc == ca.certificate.not_valid_before_utc
    assert leaf.not_valid_after_utc == ca.certificate.not_valid_after_utc
    end = datetime(2030, 6, 1, tzinfo=UTC)
    assert ca.issue_serving_cert("localhost", not_after=end).certificate.not_valid_after_utc == end


def test_serving_cert_options(ca: CertificateAuthority) -> None:
    serving = ca.issue_serving_cert("*.example.test", "10.0.0.1", "10.0.0.1", common_name="front")
    san = serving.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["*.example.test"]
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("10.0.0.1")]
    assert serving.certificate.subject.rfc4514_string() == "CN=front"


def test_serving_cert_needs_a_host(ca: CertificateAuthority) -> None:
    with pytest.raises(ValueError, match="at least one host"):
        ca.issue_serving_cert()


def test_client_cert_subject_and_usage(ca: CertificateAuthority) -> None:
    client = ca.issue_client_cert("kubernetes-admin", ["kubeadm:cluster-admins", "system:authenticated"])
    cert = client.certificate
    cert.verify_directly_issued_by(ca.certificate)
    # Go's pkix.Name order: O before CN (rfc4514_string lists the RDNs last to first).
    assert [attribute.oid for attribute in cert.subject] == [
        NameOID.ORGANIZATION_NAME,
        NameOID.ORGANIZATION_NAME,
        NameOID.COMMON_NAME,
    ]
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    with pytest.raises(x509.ExtensionNotFound):
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_user_from_certificate_reads_cn_and_o(ca: CertificateAuthority) -> None:
    client = ca.issue_client_cert("system:node:worker-1", ["system:nodes"])
    expected = ("system:node:worker-1", ["system:nodes"])
    assert user_from_certificate(client.certificate) == expected
    der = client.certificate.public_bytes(serialization.Encoding.DER)
    assert user_from_certificate(der) == expected
    assert user_from_certificate(ca.issue_client_cert("bob").certificate) == ("bob", [])


def test_user_from_certificate_without_cn_is_nobody(ca: CertificateAuthority) -> None:
    # A certificate from elsewhere (here: built by hand) may lack a CN.
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "team")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(DEFAULT_NOT_BEFORE)
        .not_valid_after(DEFAULT_NOT_AFTER)
        .sign(ca.key_pair.private_key, hashes.SHA256())
    )
    assert user_from_certificate(cert) == ("", ["team"])


def test_client_cert_arguments_are_checked(ca: CertificateAuthority) -> None:
    with pytest.raises(ValueError, match="user name"):
        ca.issue_client_cert("")
    with pytest.raises(TypeError, match="sequence of group names"):
        ca.issue_client_cert("alice", "system:masters")


def test_leaf_from_another_ca_does_not_verify(ca: CertificateAuthority) -> None:
    other = CertificateAuthority.create()
    leaf = other.issue_client_cert("mallory")
    with pytest.raises(InvalidSignature):
        leaf.certificate.verify_directly_issued_by(ca.certificate)


def test_key_pem_is_unencrypted_pkcs8_matching_the_certificate(ca: CertificateAuthority) -> None:
    pair = ca.issue_client_cert("alice")
    assert pair.key_pem.startswith(b"-----BEGIN PRIVATE KEY-----\n")
    assert pair.cert_pem.startswith(b"-----BEGIN CERTIFICATE-----\n")
    key = serialization.load_pem_private_key(pair.key_pem, password=None)
    assert key.public_key() == pair.certificate.public_key()
    assert x509.load_pem_x509_certificate(pair.cert_pem) == pair.certificate
    assert ca.cert_pem == ca.certificate.public_bytes(serialization.Encoding.PEM)


def test_repr_never_shows_the_key(ca: CertificateAuthority) -> None:
    pair = ca.issue_client_cert("alice", ["devs"])
    assert repr(pair) == "KeyPair(subject='CN=alice,O=devs')"


def test_write_to_directory(tmp_path: Path, ca: CertificateAuthority) -> None:
    pair = ca.issue_serving_cert("localhost")
    cert_path, key_path = pair.write_to(tmp_path / "pki", base_name="apiserver")
    assert (cert_path, key_path) == (tmp_path / "pki" / "apiserver.crt", tmp_path / "pki" / "apiserver.key")
    assert key_path.read_bytes() == pair.key_pem
    assert cert_path.read_bytes() == pair.cert_pem
    assert _mode(key_path) == 0o600
    assert _mode(cert_path) | 0o044 == 0o644  # 0644 less whatever the umask removes
    assert _mode(tmp_path / "pki") == 0o700
    assert sorted(path.name for path in (tmp_path / "pki").iterdir()) == ["apiserver.crt", "apiserver.key"]


def test_write_to_explicit_paths_replaces_a_readable_key(tmp_path: Path, ca: CertificateAuthority) -> None:
    key_path = tmp_path / "client.key"
    key_path.write_bytes(b"old")
    key_path.chmod(0o644)
    pair = ca.issue_client_cert("alice")
    assert pair.write_to((tmp_path / "client.crt", key_path)) == (tmp_path / "client.crt", key_path)
    assert key_path.read_bytes() == pair.key_pem
    assert _mode(key_path) == 0o600


def test_default_tls_base_name(tmp_path: Path, ca: CertificateAuthority) -> None:
    cert_path, key_path = ca.key_pair.write_to(tmp_path)
    assert (cert_path.name, key_path.name) == ("tls.crt", "tls.key")


def test_write_file_atomic_leaves_nothing_behind_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "config"
    write_file_atomic(target, b"one")
    with pytest.raises(TypeError):
        write_file_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"one"
    assert [path.name for path in tmp_path.iterdir()] == ["config"]
