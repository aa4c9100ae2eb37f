"""Client-certificate authentication (k8s.io/apiserver/pkg/authentication/request/x509/x509.go).

``X509Authenticator`` verifies the peer certificate against the current client-CA bundle and
converts it with ``CommonNameUserConversion``: the subject CN is the user, each O a group,
and the certificate's SHA-256 fingerprint becomes the ``authentication.kubernetes.io/credential-id``
extra. ``Verifier`` (``x509.NewVerifier``) guards another authenticator behind a certificate
from another CA and an allowed CN: the front proxy's request-header authentication.

The TLS handshake has already checked the chain's signatures (Python's ``ssl`` cannot ask for
a certificate without verifying it), but against the union of every client CA and without
dates. So the chain is checked again here against the one CA bundle that matters, and the
dates of the leaf and its CA against ``utc_now``: the wall clock that a frozen test clock
reaches, where OpenSSL reads the real one. A certificate outside its validity window answers
401 with the reason logged, as upstream does, and the key usage must allow client auth.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.x509.oid import ExtendedKeyUsageOID

from fakeapi.authentication.authenticator import AuthenticationError, RequestAuthenticator, Response
from fakeapi.certs.dynamic_content import CAContentProvider
from fakeapi.certs.pki import user_from_certificate
from fakeapi.endpoints.http import Request
from fakeapi.endpoints.request import UserInfo
from fakeapi.util.clock import utc_now

__all__ = ["CREDENTIAL_ID_KEY", "ChainVerifier", "Verifier", "X509Authenticator", "certificate_identifier"]

CREDENTIAL_ID_KEY = "authentication.kubernetes.io/credential-id"


def _hex_with_colons(data: bytes | None) -> str:
    return ":".join(f"{b:02X}" for b in data) if data else "<none>"


def _key_id(certificate: x509.Certificate, extension: type[x509.ExtensionType]) -> bytes | None:
    try:
        value = certificate.extensions.get_extension_for_class(extension).value
    except x509.ExtensionNotFound:
        return None
    if isinstance(value, x509.SubjectKeyIdentifier):
        return value.digest
    if isinstance(value, x509.AuthorityKeyIdentifier):
        return value.key_identifier
    return None


def certificate_identifier(certificate: x509.Certificate) -> str:
    """``SN=…, SKID=…, AKID=…``: how upstream names a certificate in its errors."""
    return (
        f"SN={certificate.serial_number}, "
        f"SKID={_hex_with_colons(_key_id(certificate, x509.SubjectKeyIdentifier))}, "
        f"AKID={_hex_with_colons(_key_id(certificate, x509.AuthorityKeyIdentifier))}"
    )


def _go_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_dates(certificate: x509.Certificate, now: datetime) -> None:
    if now < certificate.not_valid_before_utc:
        detail = f"current time {_go_time(now)} is before {_go_time(certificate.not_valid_before_utc)}"
    elif now > certificate.not_valid_after_utc:
        detail = f"current time {_go_time(now)} is after {_go_time(certificate.not_valid_after_utc)}"
    else:
        return
    raise AuthenticationError(f"x509: certificate has expired or is not yet valid: {detail}")


def _allows_client_auth(certificate: x509.Certificate) -> bool:
    try:
        usages = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return True  # no extended key usage: good for any use, as Go's Verify treats it
    return ExtendedKeyUsageOID.CLIENT_AUTH in usages or ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE in usages


def _issuer_in(certificate: x509.Certificate, roots: list[x509.Certificate]) -> x509.Certificate | None:
    for root in roots:
        if root.subject != certificate.issuer:
            continue
        try:
            certificate.verify_directly_issued_by(root)
        except (InvalidSignature, ValueError, TypeError):
            continue
        return root
    return None


class ChainVerifier:
    """Verifies client certificates against a CA provider, caching the signature checks.

    A signature check costs tens of microseconds and every request of a connection presents
    the same certificate, so the issuer found for a (certificate, bundle) pair is remembered;
    the dates are checked on every call, since the clock moves (or is moved by a test).
    """

    CACHE_SIZE = 256

    def __init__(self, roots: CAContentProvider) -> None:
        self.roots = roots
        self._find_chain = functools.lru_cache(maxsize=self.CACHE_SIZE)(self._find_chain_uncached)

    def verify(self, der: bytes) -> x509.Certificate:
        """Parse and verify a client certificate as Go's ``Verify`` with client-auth usage would.

        Returns:
            The parsed certificate.

        Raises:
            AuthenticationError: Naming the certificate and why it does not verify.
        """
        certificate, issuer, client_auth = self._find_chain(der, self.roots.current_ca_bundle_content())
        try:
            if issuer is None:
                raise AuthenticationError("x509: certificate signed by unknown authority")
            now = utc_now()
            _check_dates(certificate, now)
            _check_dates(issuer, now)
            if not client_auth:
                raise AuthenticationError("x509: certificate specifies an incompatible key usage")
        except AuthenticationError as err:
            raise AuthenticationError(
                f"verifying certificate {certificate_identifier(certificate)} failed: {err}"
            ) from None
        return certificate

    def _find_chain_uncached(self, der: bytes, bundle: bytes) -> tuple[x509.Certificate, x509.Certificate | None, bool]:
        """The certificate, its issuer among the roots (or None), and whether it may authenticate clients."""
        # ``bundle`` is only part of the cache key: a rotated bundle must be looked at afresh.
        try:
            certificate = x509.load_der_x509_certificate(der)
        except ValueError as exc:
            raise AuthenticationError(f"x509: malformed certificate: {exc}") from None
        issuer = _issuer_in(certificate, self.roots.current_ca_certificates())
        return certificate, issuer, _allows_client_auth(certificate)


class X509Authenticator:
    """Authenticates the client certificate's subject against the client-CA bundle."""

    def __init__(self, client_ca: CAContentProvider) -> None:
        self.verifier = ChainVerifier(client_ca)
        # Every request of a connection presents the same certificate: its user is worked out once.
        self._user_of = functools.lru_cache(maxsize=ChainVerifier.CACHE_SIZE)(self._user_of_uncached)

    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        if not req.peer_certificate:
            return None
        certificate = self.verifier.verify(req.peer_certificate)
        user = self._user_of(req.peer_certificate, certificate)
        return None if user is None else Response(user)

    @staticmethod
    def _user_of_uncached(der: bytes, certificate: x509.Certificate) -> UserInfo | None:
        name, groups = user_from_certificate(certificate)
        if not name:
            return None
        credential_id = "X509SHA256=" + hashlib.sha256(der).hexdigest()
        return UserInfo(name, tuple(groups), extra=((CREDENTIAL_ID_KEY, (credential_id,)),))


class Verifier:
    """Lets ``authenticator`` run only for a certificate from ``roots`` with an allowed CN."""

    def __init__(self, roots: CAContentProvider, authenticator: RequestAuthenticator, allowed_names: list[str]) -> None:
        self.verifier = ChainVerifier(roots)
        self.authenticator = authenticator
        self.allowed_names = allowed_names

    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        if not req.peer_certificate:
            return None
        certificate = self.verifier.verify(req.peer_certificate)
        if self.allowed_names:
            common_name, _ = user_from_certificate(certificate)
            if common_name not in self.allowed_names:
                raise AuthenticationError(f"x509: subject with cn={common_name} is not in the allowed list")
        return self.authenticator.authenticate_request(req, audiences)
