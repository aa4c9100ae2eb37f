"""The serving side of a server's PKI: dynamic content, the serving controller, rotation.

Mirrors the wiring of k8s.io/apiserver/pkg/server/secure_serving.go ``tlsConfig`` and of
``AuthenticationInfo.ApplyClientCert``: the client CA (``--client-ca-file``) and the
front-proxy CA (``--requestheader-client-ca-file``) are joined into the bundle the handshake
checks client certificates against; that union and the serving certificate get the
DynamicServingCertificateController as their listener; the controller syncs once before the
listener opens, and the transport asks it for the context of every new connection.
"""

from __future__ import annotations

import ssl

from fakeapi.certs.dynamic_content import DynamicCAContent, DynamicCertKeyPairContent, UnionCAContent
from fakeapi.certs.dynamic_rotation import CertificateRotation
from fakeapi.certs.dynamic_tlsconfig import DynamicServingCertificateController
from fakeapi.certs.kubeadm import ClusterPKI
from fakeapi.controllers.base import EnqueueLog

__all__ = ["CLIENT_CA_NAME", "REQUEST_HEADER_CA_NAME", "SERVING_CERT_NAME", "DynamicServing"]

# Upstream names file-backed providers "<purpose>::<path>"; these have no path.
CLIENT_CA_NAME = "client-ca-bundle"
REQUEST_HEADER_CA_NAME = "request-header"
SERVING_CERT_NAME = "serving-cert"


class DynamicServing:
    """The dynamic certificate content and TLS configuration of one server.

    Attributes:
        pki: The PKI the content comes from (replaced piecewise by rotation).
        client_ca: The client-CA bundle provider.
        request_header_ca: The front-proxy CA provider.
        serving_cert: The serving certificate provider.
        controller: The serving-certificate controller, synced once already.
        rotation: Rotation of these certificates; more listeners can be added to it.
    """

    def __init__(
        self, pki: ClusterPKI, *, log: EnqueueLog | None = None, request_header_ca_bundle: bytes | None = None
    ) -> None:
        self.pki = pki
        self.client_ca = DynamicCAContent(CLIENT_CA_NAME, pki.trust_bundle_pem)
        # --requestheader-client-ca-file's bundle when one was given, else the PKI's front-proxy CA.
        self.request_header_ca = DynamicCAContent(
            REQUEST_HEADER_CA_NAME, request_header_ca_bundle or pki.front_proxy_ca.cert_pem
        )
        self.serving_cert = DynamicCertKeyPairContent(SERVING_CERT_NAME, pki.serving.cert_pem, pki.serving.key_pem)
        handshake_ca = UnionCAContent(self.client_ca, self.request_header_ca)
        self.controller = DynamicServingCertificateController(handshake_ca, self.serving_cert, log=log)
        handshake_ca.add_listener(self.controller)
        self.serving_cert.add_listener(self.controller)
        self.controller.run_once()
        self.rotation = CertificateRotation(
            pki,
            client_ca=self.client_ca,
            request_header_ca=self.request_header_ca,
            serving_cert=self.serving_cert,
            listeners=[self.controller],
        )

    def context(self) -> ssl.SSLContext:
        """The SSLContext for a new connection."""
        return self.controller.current_context()
