"""The certificates and keys of a kubeadm control plane, made in memory for one fake cluster.

Follows kubeadm ``cmd/kubeadm/app/phases/certs/certs.go`` (the certificate list:
``KubeadmCertRootCA``, ``KubeadmCertAPIServer``, ``KubeadmCertFrontProxyCA``,
``KubeadmCertFrontProxyClient``, the ``sa.key``/``sa.pub`` pair of ``CreateServiceAccountKeyAndPublicKeyFiles``)
and ``phases/kubeconfig`` for the admin user. What kubeadm writes under ``/etc/kubernetes/pki``
lives here as objects; :meth:`ClusterPKI.write_to` writes the same layout when a test asks for
files. The etcd certificates are left out: there is no etcd.

Subjects are the Kubernetes documentation's (``kubernetes-ca``, ``kubernetes-front-proxy-ca``,
``kube-apiserver``, ``front-proxy-client``). The admin user is ``kubernetes-admin`` in
``system:masters``, as ``admin.conf`` was before kubeadm 1.29 moved it to
``kubeadm:cluster-admins`` (a group the bootstrap RBAC policy binds to ``cluster-admin``, so
both authorize the same way once RBAC is on).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from fakeapi.certs.pki import (
    DEFAULT_KUBERNETES_SERVICE_IP,
    CertificateAuthority,
    KeyPair,
    KeyType,
    PrivateKey,
    StrPath,
    default_serving_hosts,
    new_private_key,
    write_file_atomic,
)

__all__ = [
    "ADMIN_GROUPS",
    "ADMIN_USER",
    "FRONT_PROXY_CLIENT_NAME",
    "ClusterPKI",
    "ServiceAccountKey",
]

ADMIN_USER = "kubernetes-admin"
ADMIN_GROUPS = ("system:masters",)
# The CN of the front proxy's client certificate, which --requestheader-allowed-names lists.
FRONT_PROXY_CLIENT_NAME = "front-proxy-client"


class ServiceAccountKey:
    """The key pair that signs and verifies service-account tokens (``sa.key`` / ``sa.pub``).

    Attributes:
        private_key: The signing key (``--service-account-signing-key-file``).
        key_pem: The private key in PKCS#8 PEM.
        public_pem: The public key in SubjectPublicKeyInfo PEM (``--service-account-key-file``).
    """

    __slots__ = ("key_pem", "private_key", "public_pem")

    def __init__(self, private_key: PrivateKey) -> None:
        self.private_key = private_key
        self.key_pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.public_pem = private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def __repr__(self) -> str:
        return f"ServiceAccountKey({type(self.private_key).__name__})"


@dataclass
class ClusterPKI:
    """The CAs, leaf certificates and keys of one control plane.

    Make one with :meth:`create`. Attributes are replaced (never mutated) when certificates
    rotate, so a reader holding an old value keeps a consistent pair.

    Attributes:
        ca: The cluster CA (``ca.crt``): signs the serving certificate and client certificates.
        front_proxy_ca: The front-proxy CA (``front-proxy-ca.crt``, ``--requestheader-client-ca-file``).
        serving: The API server's serving certificate (``apiserver.crt``).
        front_proxy_client: The front proxy's client certificate (``front-proxy-client.crt``).
        admin: The admin user's client certificate (``admin.conf``).
        service_account_key: The service-account token signing key (``sa.key``).
        hosts: The names and addresses the serving certificate covers.
        key_type: The key algorithm of every certificate and key issued here.
        previous_ca: During a CA rotation, the CA being replaced: still trusted, no longer issuing.
    """

    ca: CertificateAuthority
    front_proxy_ca: CertificateAuthority
    serving: KeyPair
    front_proxy_client: KeyPair
    admin: KeyPair
    service_account_key: ServiceAccountKey
    hosts: tuple[str, ...]
    key_type: KeyType = "ECDSA"
    previous_ca: CertificateAuthority | None = None

    @property
    def trust_bundle_pem(self) -> bytes:
        """The cluster CAs a client or the server trusts now: the previous CA (mid-rotation), then the current."""
        previous = self.previous_ca.cert_pem if self.previous_ca is not None else b""
        return previous + self.ca.cert_pem

    @classmethod
    def create(
        cls,
        extra_hosts: Sequence[str] = (),
        *,
        key_type: KeyType = "ECDSA",
        kubernetes_service_ip: str = DEFAULT_KUBERNETES_SERVICE_IP,
    ) -> ClusterPKI:
        """Make every certificate and key of a fresh control plane.

        Args:
            extra_hosts: Names and addresses the serving certificate covers beyond kubeadm's
                (``apiServer.certSANs``), such as the address the server listens on.
            key_type: ``"ECDSA"`` (P-256, fast) or ``"RSA"`` (2048 bits, kubeadm's default).
            kubernetes_service_ip: The ``kubernetes`` Service's cluster IP, which the serving
                certificate covers (the first address of ``--service-cluster-ip-range``).

        Returns:
            The new PKI.
        """
        hosts = tuple(dict.fromkeys([*default_serving_hosts(kubernetes_service_ip), *extra_hosts]))
        ca = CertificateAuthority.create("kubernetes-ca", key_type=key_type)
        front_proxy_ca = CertificateAuthority.create("kubernetes-front-proxy-ca", key_type=key_type)
        return cls(
            ca=ca,
            front_proxy_ca=front_proxy_ca,
            serving=ca.issue_serving_cert(*hosts, key_type=key_type),
            front_proxy_client=front_proxy_ca.issue_client_cert(FRONT_PROXY_CLIENT_NAME, key_type=key_type),
            admin=ca.issue_client_cert(ADMIN_USER, ADMIN_GROUPS, key_type=key_type),
            service_account_key=ServiceAccountKey(new_private_key(key_type)),
            hosts=hosts,
            key_type=key_type,
        )

    def issue_serving_cert(self, ca: CertificateAuthority | None = None) -> KeyPair:
        """A new serving certificate for the same hosts, from ``ca`` (the cluster CA by default)."""
        return (ca or self.ca).issue_serving_cert(*self.hosts, key_type=self.key_type)

    def write_to(self, directory: StrPath) -> Path:
        """Write kubeadm's ``/etc/kubernetes/pki`` layout to ``directory``: keys 0600, the rest 0644.

        Args:
            directory: Where to write; created (0700) if missing.

        Returns:
            ``directory`` as a :class:`~pathlib.Path`.
        """
        target = Path(directory)
        self.ca.key_pair.write_to(target, base_name="ca")
        self.serving.write_to(target, base_name="apiserver")
        self.front_proxy_ca.key_pair.write_to(target, base_name="front-proxy-ca")
        self.front_proxy_client.write_to(target, base_name="front-proxy-client")
        write_file_atomic(target / "sa.key", self.service_account_key.key_pem, mode=0o600)
        write_file_atomic(target / "sa.pub", self.service_account_key.public_pem, mode=0o644)
        return target
