"""Front-proxy authentication (k8s.io/apiserver/pkg/authentication/request/headerrequest/requestheader.go).

A front proxy (kube-aggregator, an authenticating proxy) that presents a client certificate
from the front-proxy CA with an allowed CN may say who the user is in headers:
``X-Remote-User`` (the first non-empty of the username headers), a UID header if configured, every
``X-Remote-Group`` value, and ``X-Remote-Extra-<key>`` (key lower-cased and %-unescaped).
Without a username header the request is not this authenticator's business. The headers are
removed once read. :func:`new_request_header_authenticator` puts the certificate check in
front (``NewDynamicVerifyOptionsSecure``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote

from fakeapi.authentication.authenticator import RequestAuthenticator, Response
from fakeapi.authentication.x509 import Verifier
from fakeapi.certs.dynamic_content import CAContentProvider
from fakeapi.endpoints.http import Headers, Request
from fakeapi.endpoints.request import UserInfo

__all__ = [
    "RequestHeaderAuthenticator",
    "RequestHeaderConfig",
    "clear_authentication_headers",
    "new_request_header_authenticator",
    "unescape_extra_key",
]


@dataclass
class RequestHeaderConfig:
    """The ``--requestheader-*`` flags (kubeadm's values by default; kubeadm sets no UID header)."""

    username_headers: list[str] = field(default_factory=lambda: ["X-Remote-User"])
    uid_headers: list[str] = field(default_factory=list)
    group_headers: list[str] = field(default_factory=lambda: ["X-Remote-Group"])
    extra_header_prefixes: list[str] = field(default_factory=lambda: ["X-Remote-Extra-"])
    allowed_names: list[str] = field(default_factory=lambda: ["front-proxy-client"])


def unescape_extra_key(encoded: str) -> str:
    """The key of a ``...-Extra-<key>`` header (here and in impersonation): url.PathUnescape.

    A malformed escape keeps the key as sent.
    """
    try:
        return unquote(encoded, errors="strict")
    except UnicodeDecodeError:
        return encoded


def clear_authentication_headers(headers: Headers, config: RequestHeaderConfig) -> None:
    """Remove every header the front proxy could have used to name a user."""
    for name in (*config.username_headers, *config.uid_headers, *config.group_headers):
        headers.remove(name)
    prefixes = tuple(p.lower() for p in config.extra_header_prefixes)
    for name in headers.names():
        if name.startswith(prefixes):
            headers.remove(name)


class RequestHeaderAuthenticator:
    """Reads the user from the front proxy's headers."""

    def __init__(self, config: RequestHeaderConfig) -> None:
        self.config = config

    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        headers = req.headers
        name = next((v for h in self.config.username_headers if (v := headers.get(h))), "")
        if not name:
            return None
        uid = next((v for h in self.config.uid_headers if (v := headers.get(h))), "")
        groups = tuple(v for h in self.config.group_headers for v in headers.get_all(h))
        extra: dict[str, list[str]] = {}
        for prefix in self.config.extra_header_prefixes:
            lowered = prefix.lower()
            for header, value in headers.items():
                if header.lower().startswith(lowered):
                    key = unescape_extra_key(header[len(prefix) :].lower())
                    extra.setdefault(key, []).append(value)
        clear_authentication_headers(headers, self.config)
        user = UserInfo(name, groups, uid, tuple((k, tuple(v)) for k, v in extra.items()))
        return Response(user)


class _NamesAUser:
    """Passes on only requests that carry a username header: nothing else can be the front proxy's."""

    def __init__(self, config: RequestHeaderConfig, authenticator: RequestAuthenticator) -> None:
        self.config = config
        self.authenticator = authenticator

    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        # Upstream verifies the certificate first and reports a failure even then; skipping it
        # spares every ordinary client-certificate request a doomed chain check, and changes
        # only the error text logged when no authenticator at all accepts a request.
        if not any(req.headers.get(h) for h in self.config.username_headers):
            return None
        return self.authenticator.authenticate_request(req, audiences)


def new_request_header_authenticator(ca: CAContentProvider, config: RequestHeaderConfig) -> RequestAuthenticator:
    """The request-header authenticator behind a front-proxy certificate check."""
    return _NamesAUser(config, Verifier(ca, RequestHeaderAuthenticator(config), config.allowed_names))
