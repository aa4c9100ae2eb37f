"""Authorizers. The default is AlwaysAllow, as for a test cluster; RBAC plugs in here."""

from __future__ import annotations

from typing import Protocol

from fakeapi.endpoints.request import RequestInfo, UserInfo


class Authorizer(Protocol):
    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[bool, str]:
        """(allowed, reason)."""
        ...


class AlwaysAllowAuthorizer:
    def authorize(self, user: UserInfo, info: RequestInfo) -> tuple[bool, str]:
        return True, ""
