"""Authenticators: x509 client certificates and static bearer tokens, tried in turn (a union).

The x509 authenticator reads the certificate the TLS layer already verified against the
client CA: CN is the user, each O a group (k8s.io/apiserver/pkg/authentication/request/x509).
Every authenticated user is also in ``system:authenticated``.
"""

from __future__ import annotations

import hmac
from typing import Protocol

from fakeapi.certs.pki import user_from_certificate
from fakeapi.endpoints.http import Request
from fakeapi.endpoints.request import UserInfo

AUTHENTICATED_GROUP = "system:authenticated"


class RequestAuthenticator(Protocol):
    def authenticate(self, req: Request) -> UserInfo | None: ...


def _with_authenticated_group(user: UserInfo) -> UserInfo:
    if AUTHENTICATED_GROUP in user.groups:
        return user
    return UserInfo(user.name, (*user.groups, AUTHENTICATED_GROUP), user.uid, user.extra)


class X509Authenticator:
    def authenticate(self, req: Request) -> UserInfo | None:
        if not req.peer_certificate:
            return None
        name, groups = user_from_certificate(req.peer_certificate)
        if not name:
            return None
        return _with_authenticated_group(UserInfo(name, tuple(groups)))


class TokenAuthenticator:
    """Static bearer tokens (--token-auth-file)."""

    def __init__(self) -> None:
        self._tokens: dict[str, UserInfo] = {}

    def add(self, token: str, user: UserInfo) -> None:
        self._tokens[token] = user

    def authenticate(self, req: Request) -> UserInfo | None:
        header = req.headers.get("Authorization")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        token = token.strip()
        for known, user in self._tokens.items():
            if hmac.compare_digest(known.encode(), token.encode()):
                return _with_authenticated_group(user)
        return None


class UnionAuthenticator:
    def __init__(self, *authenticators: RequestAuthenticator) -> None:
        self.authenticators = list(authenticators)

    def authenticate(self, req: Request) -> UserInfo | None:
        for authenticator in self.authenticators:
            user = authenticator.authenticate(req)
            if user is not None:
                return user
        return None
