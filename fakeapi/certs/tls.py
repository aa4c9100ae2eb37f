"""TLS contexts for the fake API server's HTTPS listener and for the clients that test it.

``server_ssl_context`` configures what kube-apiserver's secure serving configures
(apiserver ``server/secure_serving.go``): TLS 1.2 at least, ALPN (``http/1.1`` only, where
kube-apiserver also offers ``h2``), client certificates requested but not required, so that a
request without one still reaches the authenticators after x509 (bearer tokens, anonymous).
One difference: kube-apiserver asks with ``tls.RequestClientCert`` and checks the chain later,
in its x509 authenticator, so a certificate from an unknown CA gets a 401; Python's ``ssl``
cannot request a certificate without verifying it, so here the client CA (``--client-ca-file``)
is checked during the handshake and such a certificate fails the handshake instead.

The standard library's ``SSLContext.load_cert_chain`` only reads files, so a key pair is
written to a private temporary directory (0700, file 0600) and deleted as soon as OpenSSL has
read it: the key is on disk for about a millisecond, most of it OpenSSL's own parsing.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
from pathlib import Path

from fakeapi.certs.pki import KeyPair, write_file_atomic

__all__ = ["client_ssl_context", "server_ssl_context"]


def server_ssl_context(serving: KeyPair, client_ca_pem: bytes) -> ssl.SSLContext:
    """Build the server side TLS context of the fake API server.

    Args:
        serving: The serving certificate and key.
        client_ca_pem: The PEM bundle of CAs whose client certificates authenticate users;
            may hold several certificates (a CA bundle during rotation).

    Returns:
        A context for ``wrap_socket(..., server_side=True)``: TLS 1.2 or 1.3, ALPN
        ``http/1.1``, optional client certificates verified against ``client_ca_pem``.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # Go clients (kubectl, helm) offer h2 first; answering http/1.1 keeps them on HTTP/1.1,
    # which is what the listener speaks.
    context.set_alpn_protocols(["http/1.1"])
    context.verify_mode = ssl.CERT_OPTIONAL
    # cadata takes PEM as str (bytes would be read as DER).
    context.load_verify_locations(cadata=client_ca_pem.decode("ascii"))
    _load_key_pair(context, serving)
    return context


def client_ssl_context(ca_pem: bytes, client: KeyPair | None = None) -> ssl.SSLContext:
    """Build a client side TLS context that trusts ``ca_pem``, for tests and benchmarks.

    Args:
        ca_pem: The PEM bundle of CAs that signed the server's certificate.
        client: A client certificate to present, or None to connect without one.

    Returns:
        A context that verifies the server's certificate and host name.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_verify_locations(cadata=ca_pem.decode("ascii"))
    if client is not None:
        _load_key_pair(context, client)
    return context


def _load_key_pair(context: ssl.SSLContext, pair: KeyPair) -> None:
    # mkdtemp makes the directory 0700; the file is created 0600. Key and certificate share
    # one file, which load_cert_chain accepts when no key file is named.
    directory = tempfile.mkdtemp(prefix="fakeapi-tls-")
    try:
        chain = write_file_atomic(Path(directory, "tls.pem"), pair.key_pem + pair.cert_pem, mode=0o600)
        context.load_cert_chain(chain)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
