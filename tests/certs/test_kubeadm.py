"""The control plane's PKI: kubeadm's certificates, subjects, SANs, key types and files."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from fakeapi.certs.kubeadm import ClusterPKI
from fakeapi.certs.pki import new_private_key, user_from_certificate


@pytest.fixture(scope="module")
def pki() -> ClusterPKI:
    return ClusterPKI.create(["192.0.2.10", "fake.example"])


def _sans(certificate: x509.Certificate) -> set[str]:
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(n.value) for n in names}


def test_serving_certificate_has_kubeadms_names_and_extra_hosts(pki: ClusterPKI) -> None:
    serving = pki.serving.certificate
    assert serving.subject.rfc4514_string() == "CN=kube-apiserver"
    assert {
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        "10.96.0.1",
        "127.0.0.1",
        "localhost",
        "192.0.2.10",
        "fake.example",
    } <= _sans(serving)
    ips = serving.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.IPAddress
    )
    assert ipaddress.ip_address("10.96.0.1") in ips
    serving.verify_directly_issued_by(pki.ca.certificate)


def test_front_proxy_ca_and_client(pki: ClusterPKI) -> None:
    assert pki.front_proxy_ca.certificate.subject.rfc4514_string() == "CN=kubernetes-front-proxy-ca"
    client = pki.front_proxy_client.certificate
    assert user_from_certificate(client) == ("front-proxy-client", [])
    usages = client.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usages) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    client.verify_directly_issued_by(pki.front_proxy_ca.certificate)
    with pytest.raises(ValueError):
        client.verify_directly_issued_by(pki.ca.certificate)


def test_admin_is_a_system_masters_client(pki: ClusterPKI) -> None:
    admin = pki.admin.certificate
    assert user_from_certificate(admin) == ("kubernetes-admin", ["system:masters"])
    assert admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:masters"
    admin.verify_directly_issued_by(pki.ca.certificate)


def test_service_account_key_pair_is_not_a_certificate(pki: ClusterPKI) -> None:
    key = pki.service_account_key
    assert isinstance(key.private_key, ec.EllipticCurvePrivateKey)
    public = serialization.load_pem_public_key(key.public_pem)
    assert public == key.private_key.public_key()
    assert "PRIVATE" not in repr(key)


def test_rsa_key_type_applies_everywhere() -> None:
    pki = ClusterPKI.create(key_type="RSA")
    for pair in (pki.ca.key_pair, pki.serving, pki.admin, pki.front_proxy_client):
        assert isinstance(pair.private_key, rsa.RSAPrivateKey)
        assert pair.private_key.key_size == 2048
    assert isinstance(pki.service_account_key.private_key, rsa.RSAPrivateKey)
    with pytest.raises(ValueError, match="unsupported key type"):
        new_private_key("DSA")  # type: ignore[arg-type]


def test_trust_bundle_holds_the_previous_ca_only_during_a_rotation(pki: ClusterPKI) -> None:
    assert pki.trust_bundle_pem == pki.ca.cert_pem


def test_write_to_lays_out_kubeadms_pki_with_private_keys(tmp_path: Path, pki: ClusterPKI) -> None:
    directory = pki.write_to(tmp_path / "pki")
    names = sorted(p.name for p in directory.iterdir())
    assert names == [
        "apiserver.crt",
        "apiserver.key",
        "ca.crt",
        "ca.key",
        "front-proxy-ca.crt",
        "front-proxy-ca.key",
        "front-proxy-client.crt",
        "front-proxy-client.key",
        "sa.key",
        "sa.pub",
    ]
    for path in directory.iterdir():
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.suffix == ".key":
            assert mode == 0o600, path.name
        else:
            assert mode & 0o077 in (0o044, 0o000), path.name
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert (directory / "sa.pub").read_bytes() == pki.service_account_key.public_pem
