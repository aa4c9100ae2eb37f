"""Certificate rotation of a running fake cluster, one observable step at a time.

kube-apiserver itself has no rotation API: an operator (or kubeadm ``certs renew``, or the
manual CA rotation procedure of the Kubernetes documentation) replaces the files behind
``--tls-cert-file`` and ``--client-ca-file``, the ``DynamicFileCAContent`` and
``DynamicServingContent`` providers notice, and their listeners (the serving-certificate
controller, the cluster-authentication-trust controller) re-sync. :class:`CertificateRotation`
plays the operator: it swaps content in the in-memory providers, which enqueue their
listeners exactly as a file change would, then steps those listeners (``run_once``) so the
change is in effect when the call returns. Every enqueue lands in the server's enqueue log.

The CA rotation follows the documented procedure (tasks/tls/manual-rotation-of-ca-certificates):

1. :meth:`start_ca_rotation`: a new CA; the client-CA bundle becomes old + new, so client
   certificates of either CA authenticate; new client certificates (the admin's) come from the
   new CA; the serving certificate still chains to the old CA, and clients should now be
   given the old + new bundle (``trust_bundle``).
2. :meth:`finish_ca_rotation`: the serving certificate is re-issued by the new CA and the old
   CA leaves the client-CA bundle: a client trusting only the old CA no longer verifies the
   server, and old client certificates no longer authenticate.

:meth:`restore` puts the certificates the server started with back (``FakeAPIServer.reset``
calls it, so kubeconfigs written at start keep working from one test to the next).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from fakeapi.certs.dynamic_content import DynamicCAContent, DynamicCertKeyPairContent
from fakeapi.certs.kubeadm import ADMIN_GROUPS, ADMIN_USER, FRONT_PROXY_CLIENT_NAME, ClusterPKI
from fakeapi.certs.pki import CertificateAuthority, KeyPair, KeyType
from fakeapi.controllers.interfaces import ControllerRunner
from fakeapi.util.clock import utc_now

__all__ = ["CertificateRotation", "RotationError"]


class _Certificates(NamedTuple):
    """The PKI fields a rotation replaces, as they were at one moment."""

    ca: CertificateAuthority
    previous_ca: CertificateAuthority | None
    serving: KeyPair
    front_proxy_ca: CertificateAuthority
    front_proxy_client: KeyPair
    admin: KeyPair


class RotationError(RuntimeError):
    """A rotation step was asked for out of order."""


class CertificateRotation:
    """Rotates the serving certificate and the CAs of one server.

    Args:
        pki: The server's PKI; its fields are replaced as certificates rotate.
        client_ca: The provider of ``--client-ca-file``.
        request_header_ca: The provider of ``--requestheader-client-ca-file``.
        serving_cert: The provider of ``--tls-cert-file`` / ``--tls-private-key-file``.
        listeners: The controllers to step after each change (the listeners of those providers).
    """

    def __init__(
        self,
        pki: ClusterPKI,
        *,
        client_ca: DynamicCAContent,
        request_header_ca: DynamicCAContent,
        serving_cert: DynamicCertKeyPairContent,
        listeners: Sequence[ControllerRunner],
    ) -> None:
        self.pki = pki
        self.client_ca = client_ca
        self.request_header_ca = request_header_ca
        self.serving_cert = serving_cert
        self.listeners = list(listeners)
        self._lock = threading.Lock()
        self._initial = self._snapshot()
        # What the front proxy's certificates are checked against at start: a given bundle or the PKI's CA.
        self._initial_request_header_bundle = request_header_ca.current_ca_bundle_content()

    def _snapshot(self) -> _Certificates:
        pki = self.pki
        return _Certificates(
            pki.ca, pki.previous_ca, pki.serving, pki.front_proxy_ca, pki.front_proxy_client, pki.admin
        )

    @property
    def in_progress(self) -> bool:
        """Whether a CA rotation has started and not finished."""
        return self.pki.previous_ca is not None

    @property
    def trust_bundle(self) -> bytes:
        """The PEM bundle a client should trust now (old + new CA during a rotation)."""
        return self.pki.trust_bundle_pem

    def rotate_serving_cert(self) -> KeyPair:
        """Re-issue the serving certificate from the current signing CA.

        Returns:
            The new serving key pair, already served to new connections.
        """
        with self._lock:
            self.pki.serving = self.pki.issue_serving_cert(self._serving_signer())
            self.serving_cert.set_cert_key_content(self.pki.serving.cert_pem, self.pki.serving.key_pem)
            self._settle()
            return self.pki.serving

    def start_ca_rotation(self, *, key_type: KeyType | None = None) -> CertificateAuthority:
        """Step 1: a new CA, trusted beside the old one; new client certificates come from it.

        Returns:
            The new CA.

        Raises:
            RotationError: If a rotation is already in progress.
        """
        with self._lock:
            if self.in_progress:
                raise RotationError("a CA rotation is already in progress: finish it first")
            old = self.pki.ca
            new = CertificateAuthority.create("kubernetes-ca", key_type=key_type or self.pki.key_type)
            self.pki.previous_ca, self.pki.ca = old, new
            self.pki.admin = new.issue_client_cert(ADMIN_USER, ADMIN_GROUPS, key_type=self.pki.key_type)
            self.client_ca.set_ca_bundle(self.pki.trust_bundle_pem)
            self._settle()
            return new

    def finish_ca_rotation(self) -> None:
        """Step 2: serve a certificate from the new CA and stop trusting the old one.

        Raises:
            RotationError: If no rotation is in progress.
        """
        with self._lock:
            if not self.in_progress:
                raise RotationError("no CA rotation is in progress: start one first")
            self.pki.previous_ca = None
            self.pki.serving = self.pki.issue_serving_cert(self.pki.ca)
            self.serving_cert.set_cert_key_content(self.pki.serving.cert_pem, self.pki.serving.key_pem)
            self.client_ca.set_ca_bundle(self.pki.ca.cert_pem)
            self._settle()

    def rotate_ca(self, *, key_type: KeyType | None = None) -> CertificateAuthority:
        """Both steps at once: a new CA, a new serving certificate, the old CA dropped.

        Returns:
            The new CA.
        """
        new = self.start_ca_rotation(key_type=key_type)
        self.finish_ca_rotation()
        return new

    def rotate_request_header_ca(self) -> CertificateAuthority:
        """Replace the front-proxy CA and re-issue the front proxy's client certificate.

        Returns:
            The new front-proxy CA.
        """
        with self._lock:
            new = CertificateAuthority.create("kubernetes-front-proxy-ca", key_type=self.pki.key_type)
            self.pki.front_proxy_ca = new
            self.pki.front_proxy_client = new.issue_client_cert(FRONT_PROXY_CLIENT_NAME, key_type=self.pki.key_type)
            self.request_header_ca.set_ca_bundle(new.cert_pem)
            self._settle()
            return new

    def issue_client_cert(
        self,
        user: str,
        groups: Sequence[str] = (),
        *,
        valid_for: timedelta | None = None,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        key_type: KeyType | None = None,
    ) -> KeyPair:
        """Issue a client certificate from the current cluster CA.

        Args:
            user: The user name (subject CN).
            groups: The groups (subject O values).
            valid_for: Validity from now (the wall clock, which a frozen test clock moves) to
                now + ``valid_for``; mutually exclusive with ``not_before``/``not_after``.
            not_before: Start of validity; the CA's by default.
            not_after: End of validity; the CA's by default.
            key_type: The key algorithm; the PKI's by default.

        Returns:
            The client key pair.
        """
        if valid_for is not None:
            if not_before is not None or not_after is not None:
                raise ValueError("give valid_for or not_before/not_after, not both")
            not_before = utc_now()
            not_after = not_before + valid_for
        return self.pki.ca.issue_client_cert(
            user, groups, not_before=not_before, not_after=not_after, key_type=key_type or self.pki.key_type
        )

    def restore(self) -> bool:
        """Put back the certificates the server started with, as if no rotation had happened.

        Returns:
            Whether anything had to change (listeners are enqueued and stepped only then).
        """
        with self._lock:
            if self._snapshot() == self._initial:
                return False
            pki, initial = self.pki, self._initial
            pki.ca, pki.previous_ca, pki.serving = initial.ca, initial.previous_ca, initial.serving
            pki.front_proxy_ca, pki.front_proxy_client, pki.admin = (
                initial.front_proxy_ca,
                initial.front_proxy_client,
                initial.admin,
            )
            self.serving_cert.set_cert_key_content(pki.serving.cert_pem, pki.serving.key_pem)
            self.client_ca.set_ca_bundle(pki.trust_bundle_pem)
            self.request_header_ca.set_ca_bundle(self._initial_request_header_bundle)
            self._settle()
            return True

    def _serving_signer(self) -> CertificateAuthority:
        # Mid-rotation the serving certificate stays with the old CA, which every client still trusts.
        return self.pki.previous_ca or self.pki.ca

    def _settle(self) -> None:
        for listener in self.listeners:
            listener.run_once()
