"""DynamicServingCertificateController: the TLS configuration, rebuilt when its inputs change.

Follows k8s.io/apiserver/pkg/server/dynamiccertificates/tlsconfig.go. The controller is a
Listener of the client-CA and serving-certificate providers; a worker (``sync_certs``) pulls
their current content, refuses an empty CA bundle or certificate ("don't remove all
content"), does nothing when the bytes are those already served, and otherwise builds a new
``ssl.SSLContext`` and swaps it in. The HTTPS transport asks ``current_context`` for every new
connection (``GetConfigForClient``), so rotated certificates apply to new connections at once
while open ones (a watch) keep the context they were accepted with.

Differences from upstream, each forced by Python's ``ssl``:

- A presented client certificate is verified during the handshake (Go only requests it with
  ``tls.RequestClientCert`` and leaves verification to the x509 authenticator), so a
  certificate from an unknown CA fails the handshake rather than getting a 401. The dates are
  not checked there (``X509_V_FLAG_NO_CHECK_TIME``): OpenSSL would read the real clock, which a
  frozen test clock does not reach, so the x509 authenticator checks them against
  ``fakeapi.util.clock.utc_now`` and answers 401 as upstream does.
- There are no SNI certificates, and no per-IP certificate choice for clients without SNI.
- No periodic re-enqueue every minute: every provider here notifies on change, and a timed
  enqueue would add events to the enqueue log that no test asked for.
"""

from __future__ import annotations

import logging
import os
import secrets
import ssl
import tempfile
import threading

from cryptography import x509

from fakeapi.certs.dynamic_content import CAContentProvider, CertKeyContentProvider, parse_cert_key_pair
from fakeapi.controllers.base import EnqueueLog, QueueController

__all__ = ["CONTROLLER_NAME", "DynamicServingCertificateController", "describe_certificate", "server_context"]

logger = logging.getLogger("fakeapi.certs")

CONTROLLER_NAME = "DynamicServingCertificateController"
# OpenSSL's X509_V_FLAG_NO_CHECK_TIME (1.1.0+), which ssl.VerifyFlags does not name.
_X509_V_FLAG_NO_CHECK_TIME = 0x200000
# Go's default TLS 1.2 suites are ECDHE with AES-GCM or ChaCha20; TLS 1.3 suites are not affected.
_TLS12_CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20"


def describe_certificate(certificate: x509.Certificate) -> str:
    """A one-line summary of a certificate for logs (``GetHumanCertDetail``)."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        served = [str(n.value) for n in names]
    except x509.ExtensionNotFound:
        served = []
    return (
        f'"{certificate.subject.rfc4514_string()}" validServingFor=[{",".join(served)}] '
        f'issuer="{certificate.issuer.rfc4514_string()}" '
        f"({certificate.not_valid_before_utc:%Y-%m-%d %H:%M:%S} UTC to {certificate.not_valid_after_utc:%Y-%m-%d %H:%M:%S} UTC)"
    )


def _key_directory() -> str:
    # tmpfs where there is one: the key never reaches a disk, and creating files there is cheap.
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK | os.X_OK) else tempfile.gettempdir()


def server_context(cert_pem: bytes, key_pem: bytes, client_ca_pem: bytes) -> ssl.SSLContext:
    """The server context: ``fakeapi.certs.tls.server_ssl_context``'s settings, hardened, built fast.

    TLS 1.2 or later, Go's TLS 1.2 suites (ECDHE with AES-GCM or ChaCha20), no renegotiation,
    ALPN ``http/1.1``, client certificates optional and checked against ``client_ca_pem``
    without their dates. ``load_cert_chain`` reads only files, so the pair goes to one private
    file (0600, a random name created exclusively) that is removed as soon as OpenSSL read it.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(_TLS12_CIPHERS)
    context.options |= ssl.OP_NO_RENEGOTIATION
    context.set_alpn_protocols(["http/1.1"])
    context.verify_mode = ssl.CERT_OPTIONAL
    context.verify_flags |= _X509_V_FLAG_NO_CHECK_TIME
    context.load_verify_locations(cadata=client_ca_pem.decode("ascii"))
    path = os.path.join(_key_directory(), f".fakeapi-tls-{secrets.token_hex(16)}.pem")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(key_pem + cert_pem)
        context.load_cert_chain(path)
    finally:
        os.unlink(path)
    return context


class DynamicServingCertificateController(QueueController[str]):
    """Keeps an ``ssl.SSLContext`` built from the current client CA and serving certificate."""

    def __init__(
        self,
        client_ca: CAContentProvider,
        serving_cert: CertKeyContentProvider,
        *,
        log: EnqueueLog | None = None,
    ) -> None:
        super().__init__(CONTROLLER_NAME, self._sync, log)
        self.client_ca = client_ca
        self.serving_cert = serving_cert
        self._sync_lock = threading.Lock()
        self._served: tuple[bytes, bytes, bytes] | None = None
        self._context: ssl.SSLContext | None = None

    def current_context(self) -> ssl.SSLContext:
        """The context for a new connection (``GetConfigForClient``).

        Raises:
            ssl.SSLError: Before the first successful sync; the handshake then fails closed.
        """
        context = self._context
        if context is None:
            raise ssl.SSLError("dynamiccertificates: configuration not ready")
        return context

    def _sync(self, key: str) -> None:
        self.sync_certs()

    def run_once(self) -> None:
        """Sync now (upstream ``RunOnce`` is ``syncCerts``), and drain whatever was enqueued."""
        super().run_once()
        self.sync_certs()

    def sync_certs(self) -> None:
        """Build and swap in a new context if the content changed.

        Raises:
            ValueError: If the CA bundle or the serving certificate is empty or invalid; the
                context being served stays.
        """
        with self._sync_lock:
            ca_bundle = self.client_ca.current_ca_bundle_content()
            if not ca_bundle.strip():
                raise ValueError(f"not loading an empty client ca bundle from {self.client_ca.name()!r}")
            cert_pem, key_pem = self.serving_cert.current_cert_key_content()
            if not cert_pem.strip() or not key_pem.strip():
                raise ValueError(f"not loading an empty serving certificate from {self.serving_cert.name()!r}")
            content = (ca_bundle, cert_pem, key_pem)
            if content == self._served:
                return
            certificate, _ = parse_cert_key_pair(cert_pem, key_pem)
            context = server_context(cert_pem, key_pem, ca_bundle)
            self._context = context
            self._served = content
        if logger.isEnabledFor(logging.INFO):
            logger.info("loaded serving cert %s: %s", self.serving_cert.name(), describe_certificate(certificate))
