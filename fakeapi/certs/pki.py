"""An ephemeral PKI for a fake cluster: a CA that issues serving and client certificates.

The nouns follow trustme (a CA object issues leaf key pairs; every PEM comes as bytes or is
written to disk), the contents follow the Kubernetes helpers that make a real cluster's
certificates:

- ``CertificateAuthority.create`` mirrors client-go ``util/cert.NewSelfSignedCACert``
  (key usages, ``IsCA``, ``DNSNames=[CN]``) and kubeadm ``pkiutil.NewCertificateAuthority``.
- ``issue_serving_cert`` / ``issue_client_cert`` mirror kubeadm ``pkiutil.NewSignedCert``
  (leaf key usages, ``NotBefore = caCert.NotBefore``, duplicate alt names removed) with the
  "server" and "client" certificate kinds of kubeadm's certificate list.
- ``default_serving_hosts`` is what kubeadm ``pkiutil.GetAPIServerAltNames`` yields for a
  single-node cluster on the default service CIDR and DNS domain, plus the loopback names a
  local test server is reached by.
- ``KeyPair.write_to`` and ``write_file_atomic`` mirror client-go ``util/keyutil.WriteKey``
  and ``util/cert.WriteCert`` (key 0600, certificate 0644), written atomically.
- ``user_from_certificate`` is apiserver ``authentication/request/x509.CommonNameUserConversion``.

Keys are ECDSA P-256 by default (kubeadm's optional ``x509.ECDSA`` algorithm): generating one
takes tens of microseconds where RSA-2048 (kubeadm's default, ``key_type="RSA"``) takes tens of
milliseconds, so a test can afford a fresh PKI. ``parse_certs_pem`` and ``encode_certificates``
mirror client-go ``util/cert.ParseCertsPEM`` and ``EncodeCertificates``.
Validity windows default to 2000-01-01 .. 3000-01-01 (trustme's choice) and never read the
clock, so a frozen or travelling clock (freezegun) cannot make a certificate expire; OpenSSL
checks dates against the real clock anyway.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "DEFAULT_KUBERNETES_SERVICE_IP",
    "DEFAULT_NOT_AFTER",
    "DEFAULT_NOT_BEFORE",
    "CertificateAuthority",
    "KeyPair",
    "KeyType",
    "PrivateKey",
    "PublicKey",
    "StrPath",
    "default_serving_hosts",
    "encode_certificates",
    "new_private_key",
    "parse_certs_pem",
    "user_from_certificate",
    "write_file_atomic",
]

StrPath = str | os.PathLike[str]
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
PublicKey = ec.EllipticCurvePublicKey | rsa.RSAPublicKey
KeyType = Literal["ECDSA", "RSA"]

DEFAULT_NOT_BEFORE = datetime(2000, 1, 1, tzinfo=UTC)
DEFAULT_NOT_AFTER = datetime(3000, 1, 1, tzinfo=UTC)


# The first address of kubeadm's default service CIDR 10.96.0.0/12: the kubernetes Service's.
DEFAULT_KUBERNETES_SERVICE_IP = "10.96.0.1"


def default_serving_hosts(kubernetes_service_ip: str = DEFAULT_KUBERNETES_SERVICE_IP) -> tuple[str, ...]:
    """The names and addresses a fake kube-apiserver's serving certificate covers.

    Args:
        kubernetes_service_ip: The ``kubernetes`` Service's cluster IP, the first address of
            ``--service-cluster-ip-range`` (kubeadm's default range unless told otherwise).

    Returns:
        The loopback names (how tests reach a local server), the in-cluster service names of
        the ``kubernetes`` Service in the ``cluster.local`` domain, and its cluster IP.
    """
    return (
        "localhost",
        "127.0.0.1",
        "::1",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        kubernetes_service_ip,
    )


def new_private_key(key_type: KeyType = "ECDSA") -> PrivateKey:
    """A fresh private key: ECDSA P-256 or RSA-2048 (kubeadm's two ``EncryptionAlgorithm`` choices).

    Raises:
        ValueError: For another key type.
    """
    if key_type == "ECDSA":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"unsupported key type {key_type!r}: choose 'ECDSA' or 'RSA'")


def parse_certs_pem(pem: bytes) -> list[x509.Certificate]:
    """Every certificate of a PEM bundle, in order (client-go ``cert.ParseCertsPEM``).

    Raises:
        ValueError: If the bundle holds no certificate or one does not parse.
    """
    if b"-----BEGIN CERTIFICATE-----" not in pem:
        raise ValueError("data does not contain any valid RSA or ECDSA certificates")
    return x509.load_pem_x509_certificates(pem)


def encode_certificates(*certificates: x509.Certificate) -> bytes:
    """PEM-encode certificates one after another (client-go ``cert.EncodeCertificates``)."""
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def write_file_atomic(path: StrPath, data: bytes, *, mode: int = 0o600) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a part.

    The data goes to a temporary file in the same directory, created with ``mode`` from the
    start (so a private key is never readable by others, not even for a moment, and an
    existing file's looser mode is not inherited), then renamed over ``path``. Missing parent
    directories are created with mode 0700.

    Args:
        path: The file to write.
        data: Its new contents.
        mode: Permission bits of the new file (before the umask).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    target = Path(path)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
    # O_EXCL: never write through a file or symlink someone else planted under that name.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        # No fsync: these files serve one test run; atomicity matters to concurrent readers
        # (kubectl reading a kubeconfig while certificates rotate), durability does not.
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return target


class KeyPair:
    """A certificate and its private key, as issued by a :class:`CertificateAuthority`.

    Attributes:
        certificate: The certificate, as a ``cryptography`` object.
        private_key: The private key (ECDSA P-256 or RSA-2048).
        cert_pem: The certificate in PEM.
        key_pem: The private key in unencrypted PKCS#8 PEM.
    """

    __slots__ = ("cert_pem", "certificate", "key_pem", "private_key")

    def __init__(self, certificate: x509.Certificate, private_key: PrivateKey) -> None:
        # Encoded once here: every TLS context and kubeconfig built from the pair needs both.
        self.certificate = certificate
        self.private_key = private_key
        self.cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
        self.key_pem = private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def __repr__(self) -> str:
        # Never the key: a repr ends up in logs and pytest failure output.
        return f"KeyPair(subject={self.certificate.subject.rfc4514_string()!r})"

    def write_to(self, target: StrPath | tuple[StrPath, StrPath], *, base_name: str = "tls") -> tuple[Path, Path]:
        """Write the certificate (mode 0644) and the key (mode 0600) to disk, each atomically.

        Args:
            target: A directory, which receives ``<base_name>.crt`` and ``<base_name>.key``
                (kubeadm's layout: ``write_to(pki_dir, base_name="apiserver")``), or a
                ``(cert_path, key_path)`` pair.
            base_name: The file name stem when ``target`` is a directory; the default gives
                the key names of a ``kubernetes.io/tls`` Secret.

        Returns:
            The certificate path and the key path.
        """
        if isinstance(target, tuple):
            cert_path, key_path = Path(target[0]), Path(target[1])
        else:
            cert_path = Path(target, f"{base_name}.crt")
            key_path = Path(target, f"{base_name}.key")
        # The key first, as kubeadm WriteCertAndKey does: a certificate without its key is useless.
        write_file_atomic(key_path, self.key_pem, mode=0o600)
        write_file_atomic(cert_path, self.cert_pem, mode=0o644)
        return cert_path, key_path


class CertificateAuthority:
    """A self-signed certificate authority that issues leaf certificates.

    Make one with :meth:`create`. The constructor wraps a CA key pair that already exists.
    """

    __slots__ = ("key_pair",)

    def __init__(self, key_pair: KeyPair) -> None:
        self.key_pair = key_pair

    @classmethod
    def create(
        cls,
        common_name: str = "kubernetes-ca",
        *,
        not_before: datetime = DEFAULT_NOT_BEFORE,
        not_after: datetime = DEFAULT_NOT_AFTER,
        key_type: KeyType = "ECDSA",
    ) -> CertificateAuthority:
        """Create a CA with a fresh key.

        Args:
            common_name: The CA's subject CN; the Kubernetes documentation's name by default.
            not_before: Start of validity.
            not_after: End of validity; leaves issued by the CA end then too unless told.
            key_type: ``"ECDSA"`` (P-256) or ``"RSA"`` (2048 bits).

        Returns:
            The new CA.

        Raises:
            ValueError: If the validity window is empty.
        """
        not_before, not_after = _validity(not_before, not_after)
        key = new_private_key(key_type)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            # NewSelfSignedCACert puts the CN in DNSNames too; kept for identical certificates.
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]), critical=False)
            .sign(key, hashes.SHA256())
        )
        return cls(KeyPair(certificate, key))

    @property
    def certificate(self) -> x509.Certificate:
        """The CA certificate."""
        return self.key_pair.certificate

    @property
    def cert_pem(self) -> bytes:
        """The CA certificate in PEM: what clients trust and the server checks clients with."""
        return self.key_pair.cert_pem

    def issue_serving_cert(
        self,
        *hosts: str,
        common_name: str = "kube-apiserver",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key_type: KeyType = "ECDSA",
    ) -> KeyPair:
        """Issue a TLS server certificate for ``hosts``.

        Args:
            *hosts: DNS names (wildcards allowed) and IP literals, v4 or v6; IP literals
                become IP SANs, everything else DNS SANs. Duplicates are dropped.
            common_name: The subject CN (clients match hosts against the SANs only).
            not_before: Start of validity; the CA's by default.
            not_after: End of validity; the CA's by default.
            key_type: ``"ECDSA"`` (P-256) or ``"RSA"`` (2048 bits).

        Returns:
            The serving key pair.

        Raises:
            ValueError: If no host is given or the validity window is empty.
        """
        if not hosts:
            raise ValueError("a serving certificate needs at least one host")
        alt_names = list(dict.fromkeys(_general_name(host) for host in hosts))
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        return self._issue(subject, ExtendedKeyUsageOID.SERVER_AUTH, alt_names, not_before, not_after, key_type)

    def issue_client_cert(
        self,
        user: str,
        groups: Sequence[str] = (),
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key_type: KeyType = "ECDSA",
    ) -> KeyPair:
        """Issue a TLS client certificate that authenticates ``user`` in ``groups``.

        Args:
            user: The user name, written as the subject CN.
            groups: Group names, one subject O each, in order.
            not_before: Start of validity; the CA's by default.
            not_after: End of validity; the CA's by default.
            key_type: ``"ECDSA"`` (P-256) or ``"RSA"`` (2048 bits).

        Returns:
            The client key pair.

        Raises:
            ValueError: If ``user`` is empty (the API server would not authenticate it) or
                the validity window is empty.
            TypeError: If ``groups`` is a single string rather than a sequence of them.
        """
        if not user:
            raise ValueError("a client certificate needs a user name")
        if isinstance(groups, str):
            raise TypeError("groups must be a sequence of group names, not one string")
        # O before CN, the order Go's pkix.Name encodes, so subjects read as kubeadm's do.
        subject = x509.Name(
            [x509.NameAttribute(NameOID.ORGANIZATION_NAME, group) for group in groups]
            + [x509.NameAttribute(NameOID.COMMON_NAME, user)]
        )
        return self._issue(subject, ExtendedKeyUsageOID.CLIENT_AUTH, [], not_before, not_after, key_type)

    def _issue(
        self,
        subject: x509.Name,
        usage: x509.ObjectIdentifier,
        alt_names: list[x509.GeneralName],
        not_before: datetime | None,
        not_after: datetime | None,
        key_type: KeyType,
    ) -> KeyPair:
        ca = self.key_pair
        not_before, not_after = _validity(
            ca.certificate.not_valid_before_utc if not_before is None else not_before,
            ca.certificate.not_valid_after_utc if not_after is None else not_after,
        )
        key = new_private_key(key_type)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(ca.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(cert_sign=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()),
                critical=False,
            )
        )
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        return KeyPair(builder.sign(ca.private_key, hashes.SHA256()), key)


def user_from_certificate(certificate: bytes | x509.Certificate) -> tuple[str, list[str]]:
    """The user a verified client certificate authenticates: subject CN and O values.

    Args:
        certificate: The peer certificate, DER-encoded (``SSLSocket.getpeercert(True)``) or
            parsed. Its chain must already have been verified (the TLS handshake does that).

    Returns:
        ``(user name, groups)``. An empty user name means the certificate authenticates
        nobody, as upstream's conversion then answers "not authenticated".
    """
    if isinstance(certificate, bytes):
        certificate = x509.load_der_x509_certificate(certificate)
    subject = certificate.subject
    common_names = subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    # Go's pkix.Name keeps the last CN when a subject has several; so does the API server.
    user = str(common_names[-1].value) if common_names else ""
    groups = [str(attribute.value) for attribute in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    return user, groups


def _validity(not_before: datetime, not_after: datetime) -> tuple[datetime, datetime]:
    start, end = _as_utc(not_before), _as_utc(not_after)
    if start >= end:
        raise ValueError(f"empty validity window: not_before {start} is not before not_after {end}")
    return start, end


def _as_utc(moment: datetime) -> datetime:
    # Naive datetimes are taken as UTC, as cryptography does, so that they compare with
    # aware ones. The moment is rebuilt with the datetime class in use now: under freezegun's
    # freeze_time that is its FakeDatetime, and cryptography refuses any other kind then.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime(
        aware.year, aware.month, aware.day, aware.hour, aware.minute, aware.second, aware.microsecond, aware.tzinfo
    )


def _key_usage(*, cert_sign: bool) -> x509.KeyUsage:
    # Digital signature and key encipherment on every certificate, as client-go and kubeadm
    # set them whatever the key type; cert sign on CAs only.
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)
