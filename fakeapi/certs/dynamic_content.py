"""Certificate content that can change while the server runs, and tells its listeners.

Follows k8s.io/apiserver/pkg/server/dynamiccertificates:

- ``DynamicCAContent`` / ``DynamicCertKeyPairContent``: content held in memory and replaced by
  ``set_*`` (how fakeapi rotates its own certificates). Each is a Notifier: a change that
  parses (``newCABundleAndVerifier``, ``tls.X509KeyPair``) and differs byte for byte from the
  current content is stored, then every listener is enqueued; an unchanged or invalid update
  notifies nobody and keeps the old content (``dynamic_cafile_content.go`` ``loadCABundle``).
- ``DynamicFileCAContent`` / ``DynamicFileCertKeyPairContent``: the same, read from files
  (``NewDynamicCAContentFromFile``, ``NewDynamicServingContentFromFiles``). Upstream watches
  with fsnotify and re-reads every minute; here ``run`` polls on an interval given to the
  constructor, which is equivalent because the comparison is on bytes.
- ``StaticCAContent`` / ``StaticCertKeyContent`` (``static_content.go``): never change;
  ``add_listener`` does nothing.
- ``UnionCAContent`` (``union_content.go``): the bundles of several providers joined, so a
  handshake trusts all of them (the client CA and the front-proxy CA, or an old and a new CA).

Every provider is also a ControllerRunner (``run_once``, ``run``). Listeners that are fakeapi
controllers get the change's cause recorded in their enqueue log ("client-ca changed").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from fakeapi.certs.pki import parse_certs_pem
from fakeapi.controllers.base import QueueController
from fakeapi.controllers.interfaces import ControllerRunner, Listener

__all__ = [
    "CAContentProvider",
    "CertKeyContentProvider",
    "DynamicCAContent",
    "DynamicCertKeyPairContent",
    "DynamicFileCAContent",
    "DynamicFileCertKeyPairContent",
    "StaticCAContent",
    "StaticCertKeyContent",
    "UnionCAContent",
    "notify_listeners",
    "parse_cert_key_pair",
]

logger = logging.getLogger("fakeapi.certs")

# Upstream re-reads watched files every minute even without a file event.
DEFAULT_POLL_INTERVAL_SECONDS = 60.0


@runtime_checkable
class CAContentProvider(Protocol):
    """dynamiccertificates.CAContentProvider: a CA bundle that may change."""

    def name(self) -> str: ...

    def current_ca_bundle_content(self) -> bytes: ...

    def current_ca_certificates(self) -> list[x509.Certificate]:
        """The bundle's certificates, parsed (what ``VerifyOptions().Roots`` holds upstream)."""
        ...

    def add_listener(self, listener: Listener) -> None: ...


@runtime_checkable
class CertKeyContentProvider(Protocol):
    """dynamiccertificates.CertKeyContentProvider: a certificate and its key that may change."""

    def name(self) -> str: ...

    def current_cert_key_content(self) -> tuple[bytes, bytes]: ...

    def add_listener(self, listener: Listener) -> None: ...


def notify_listeners(listeners: Sequence[Listener], cause: str) -> None:
    """Enqueue every listener; fakeapi controllers also record ``cause`` in their enqueue log."""
    for listener in listeners:
        if isinstance(listener, QueueController):
            listener.enqueue_key(listener.default_key, cause=cause)
        else:
            listener.enqueue()


def _parse_ca_bundle(name: str, bundle: bytes) -> list[x509.Certificate]:
    if not bundle.strip():
        raise ValueError(f"missing content for CA bundle {name!r}")
    try:
        return parse_certs_pem(bundle)
    except ValueError as exc:
        raise ValueError(f"unable to load CA bundle {name!r}: {exc}") from exc


def parse_cert_key_pair(cert_pem: bytes, key_pem: bytes) -> tuple[x509.Certificate, PrivateKeyTypes]:
    """Check that a PEM certificate and key parse and belong together (``tls.X509KeyPair``).

    Returns:
        The leaf certificate and the private key.

    Raises:
        ValueError: If either does not parse or the key does not match the certificate.
    """
    if not cert_pem.strip() or not key_pem.strip():
        raise ValueError("tls: failed to find any PEM data in certificate or key input")
    certificate = parse_certs_pem(cert_pem)[0]
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"tls: failed to parse private key: {exc}") from exc
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    # The certificate carries its SubjectPublicKeyInfo verbatim: looking for the key's there
    # spares loading the certificate's public key, which validates the EC point (milliseconds).
    if spki not in certificate.public_bytes(serialization.Encoding.DER):
        raise ValueError("tls: private key does not match public key")
    return certificate, key


class _DynamicContent:
    """What every dynamic provider shares: its name, the lock its content is swapped under, the
    listener list, and the ControllerRunner methods of content held in memory (nothing to reload).
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._listeners_lock = threading.Lock()

    def name(self) -> str:
        return self._name

    def add_listener(self, listener: Listener) -> None:
        with self._listeners_lock:
            self._listeners.append(listener)

    def _notify(self, cause: str) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        notify_listeners(listeners, cause)

    def run_once(self) -> None:
        """In-memory content has nothing to reload."""

    def run(self, stop: threading.Event, workers: int = 1) -> None:
        """Nothing to poll: changes arrive through ``set_ca_bundle`` or ``set_cert_key_content``.

        Returns when ``stop`` is set.
        """
        stop.wait()


class _PolledFiles(_DynamicContent):
    """A provider whose ``run_once`` re-reads its files; ``run`` calls it every ``poll_interval``."""

    poll_interval: float

    def run(self, stop: threading.Event, workers: int = 1) -> None:
        while not stop.wait(self.poll_interval):
            try:
                self.run_once()
            except (OSError, ValueError) as exc:
                # Half-written or removed files: keep serving the old content, look again later.
                logger.warning("failed to reload %s: %s", self._name, exc)


class DynamicCAContent(_DynamicContent):
    """A CA bundle held in memory; ``set_ca_bundle`` replaces it and enqueues the listeners."""

    def __init__(self, name: str, ca_bundle: bytes) -> None:
        super().__init__(name)
        # Bytes and parsed certificates are swapped together, as one reference (atomic.Value upstream).
        self._content = (ca_bundle, _parse_ca_bundle(name, ca_bundle))

    def current_ca_bundle_content(self) -> bytes:
        return self._content[0]

    def current_ca_certificates(self) -> list[x509.Certificate]:
        return list(self._content[1])

    def set_ca_bundle(self, ca_bundle: bytes) -> bool:
        """Replace the bundle; listeners are enqueued only if it parsed and changed.

        Returns:
            Whether the content changed.

        Raises:
            ValueError: If the bundle is empty or does not parse; the old content stays.
        """
        certificates = _parse_ca_bundle(self._name, ca_bundle)
        with self._lock:
            if ca_bundle == self._content[0]:
                return False
            self._content = (ca_bundle, certificates)
        logger.info("loaded a new CA bundle for %s", self._name)
        self._notify(f"{self._name} changed")
        return True


class DynamicFileCAContent(_PolledFiles, DynamicCAContent):
    """A CA bundle read from a file, re-read by ``run_once`` and every ``poll_interval`` by ``run``."""

    def __init__(
        self, purpose: str, filename: str | Path, *, poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS
    ) -> None:
        self.filename = Path(filename)
        self.poll_interval = poll_interval
        # NewDynamicCAContentFromFile refuses a file that cannot be loaded at construction.
        super().__init__(f"{purpose}::{self.filename}", self.filename.read_bytes())

    def run_once(self) -> None:
        """Re-read the file (``loadCABundle``); raises if it is unreadable, empty or invalid."""
        self.set_ca_bundle(self.filename.read_bytes())


class DynamicCertKeyPairContent(_DynamicContent):
    """A certificate and key held in memory; ``set_cert_key_content`` replaces both at once."""

    def __init__(self, name: str, cert_pem: bytes, key_pem: bytes) -> None:
        super().__init__(name)
        parse_cert_key_pair(cert_pem, key_pem)
        self._content = (cert_pem, key_pem)

    def current_cert_key_content(self) -> tuple[bytes, bytes]:
        return self._content

    def set_cert_key_content(self, cert_pem: bytes, key_pem: bytes) -> bool:
        """Replace the pair; listeners are enqueued only if it is valid and changed.

        Returns:
            Whether the content changed.

        Raises:
            ValueError: If the pair is empty, does not parse or does not match; the old pair stays.
        """
        parse_cert_key_pair(cert_pem, key_pem)
        with self._lock:
            if (cert_pem, key_pem) == self._content:
                return False
            self._content = (cert_pem, key_pem)
        logger.info("loaded a new certificate and key for %s", self._name)
        self._notify(f"{self._name} changed")
        return True


class DynamicFileCertKeyPairContent(_PolledFiles, DynamicCertKeyPairContent):
    """A certificate and key read from two files; a half-written pair is refused and retried."""

    def __init__(
        self,
        purpose: str,
        cert_file: str | Path,
        key_file: str | Path,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL_SECONDS,
    ) -> None:
        self.cert_file = Path(cert_file)
        self.key_file = Path(key_file)
        self.poll_interval = poll_interval
        super().__init__(f"{purpose}::{self.cert_file}::{self.key_file}", *self._read())

    def _read(self) -> tuple[bytes, bytes]:
        return self.cert_file.read_bytes(), self.key_file.read_bytes()

    def run_once(self) -> None:
        """Re-read both files (``loadCertKeyPair``); raises if they are unreadable or do not match."""
        self.set_cert_key_content(*self._read())


class StaticCAContent:
    """A CA bundle that never changes (``NewStaticCAContent``)."""

    def __init__(self, name: str, ca_bundle: bytes) -> None:
        self._name = name
        self._bundle = ca_bundle
        self._certificates = _parse_ca_bundle(name, ca_bundle)

    def name(self) -> str:
        return self._name

    def current_ca_bundle_content(self) -> bytes:
        return self._bundle

    def current_ca_certificates(self) -> list[x509.Certificate]:
        return list(self._certificates)

    def add_listener(self, listener: Listener) -> None:
        """Static content never changes, so there is nothing to tell."""


class StaticCertKeyContent:
    """A certificate and key that never change (``NewStaticCertKeyContent``)."""

    def __init__(self, name: str, cert_pem: bytes, key_pem: bytes) -> None:
        parse_cert_key_pair(cert_pem, key_pem)
        self._name = name
        self._content = (cert_pem, key_pem)

    def name(self) -> str:
        return self._name

    def current_cert_key_content(self) -> tuple[bytes, bytes]:
        return self._content

    def add_listener(self, listener: Listener) -> None:
        """Static content never changes, so there is nothing to tell."""


class UnionCAContent:
    """Several CA providers as one bundle: each trimmed, joined with a newline, in order."""

    def __init__(self, *providers: CAContentProvider) -> None:
        if not providers:
            raise ValueError("a union needs at least one CA provider")
        self.providers = providers

    def name(self) -> str:
        return ",".join(p.name() for p in self.providers)

    def current_ca_bundle_content(self) -> bytes:
        return b"\n".join(p.current_ca_bundle_content().strip() for p in self.providers)

    def current_ca_certificates(self) -> list[x509.Certificate]:
        return [c for p in self.providers for c in p.current_ca_certificates()]

    def add_listener(self, listener: Listener) -> None:
        for provider in self.providers:
            provider.add_listener(listener)

    def _runners(self) -> list[ControllerRunner]:
        return [p for p in self.providers if isinstance(p, ControllerRunner)]

    def run_once(self) -> None:
        for runner in self._runners():
            runner.run_once()

    def run(self, stop: threading.Event, workers: int = 1) -> None:
        threads = [threading.Thread(target=runner.run, args=(stop, workers), daemon=True) for runner in self._runners()]
        for thread in threads:
            thread.start()
        stop.wait()
        for thread in threads:
            thread.join(5)
