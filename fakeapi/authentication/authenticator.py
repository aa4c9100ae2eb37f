"""Request and token authenticators and the ways kube-apiserver combines them.

Follows k8s.io/apiserver/pkg/authentication:

- ``authenticator/interfaces.go``: a request authenticator answers a :class:`Response` (the
  user and the audiences the credential was good for), ``None`` when it found no credential
  of its kind, or raises :class:`AuthenticationError` when it found one and it is bad (the Go
  ``(resp, ok, err)`` triple).
- ``request/union/union.go``: :class:`UnionAuthenticator` tries each in turn, the first
  success wins, errors are aggregated; ``fail_on_error`` (``NewFailOnError``) stops at the
  first error, which is how a bad credential still gets a 401 when anonymous requests are on.
- ``request/bearertoken/bearertoken.go``: :class:`BearerTokenAuthenticator` reads
  ``Authorization: Bearer``; a token no token authenticator recognises is "invalid bearer token".
- ``token/union``: :class:`UnionTokenAuthenticator`; ``audience_agnostic.go``:
  :class:`AudienceAgnosticTokenAuthenticator` for credentials without audiences.
- ``group/authenticated_group_adder.go`` and ``request/anonymous/anonymous.go``.
- ``token/tokenfile/tokenfile.go``: :class:`StaticTokenAuthenticator` (``--token-auth-file``).
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Protocol

from fakeapi.authentication.user import ALL_AUTHENTICATED, ALL_UNAUTHENTICATED, ANONYMOUS
from fakeapi.endpoints.http import Request
from fakeapi.endpoints.request import UserInfo

__all__ = [
    "AggregateError",
    "AnonymousAuthenticator",
    "AudienceAgnosticTokenAuthenticator",
    "AuthenticatedGroupAdder",
    "AuthenticationError",
    "BearerTokenAuthenticator",
    "RequestAuthenticator",
    "Response",
    "StaticTokenAuthenticator",
    "TokenAuthenticator",
    "UnionAuthenticator",
    "UnionTokenAuthenticator",
    "intersect_audiences",
]

INVALID_TOKEN_MSG = "invalid bearer token"


class AuthenticationError(Exception):
    """A credential was presented and is not good: the request gets a 401, the message goes to the log."""


class AggregateError(AuthenticationError):
    """Several errors as one (utilerrors.NewAggregate): one alone, or ``[a, b]`` without duplicates."""

    def __init__(self, errors: Sequence[Exception]) -> None:
        self.errors = list(errors)
        messages = list(dict.fromkeys(str(e) for e in self.errors))
        super().__init__(messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]")

    @classmethod
    def of(cls, errors: Sequence[Exception]) -> Exception | None:
        """None for no error, the error itself for one, an aggregate for several."""
        if not errors:
            return None
        return errors[0] if len(errors) == 1 else cls(errors)


@dataclass(frozen=True)
class Response:
    """authenticator.Response: who the credential authenticates, and for which audiences."""

    user: UserInfo
    audiences: tuple[str, ...] = ()


def intersect_audiences(left: Iterable[str], right: Iterable[str]) -> tuple[str, ...]:
    """The audiences in both, in ``left``'s order (``Audiences.Intersect``)."""
    wanted = set(right)
    return tuple(a for a in dict.fromkeys(left) if a in wanted)


class RequestAuthenticator(Protocol):
    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        """The user, None when this authenticator found nothing to check, or raise AuthenticationError.

        ``audiences`` are those the request is for (the API audiences, or a TokenReview's).
        """
        ...


class TokenAuthenticator(Protocol):
    def authenticate_token(self, token: str, audiences: tuple[str, ...]) -> Response | None:
        """As :meth:`RequestAuthenticator.authenticate_request`, for a bearer token."""
        ...


def _first_authenticated(
    attempts: Iterable[Callable[[], Response | None]], *, fail_on_error: bool = False
) -> Response | None:
    """The unions' loop: run ``attempts`` in turn and return the first response.

    When none authenticates, their errors are raised as one (None when there were none);
    with ``fail_on_error`` the first error is raised at once.
    """
    errors: list[Exception] = []
    for attempt in attempts:
        try:
            response = attempt()
        except AuthenticationError as err:
            if fail_on_error:
                raise
            errors.append(err)
            continue
        if response is not None:
            return response
    error = AggregateError.of(errors)
    if error is not None:
        raise error
    return None


class UnionAuthenticator:
    """Tries each authenticator in turn; the first to authenticate wins."""

    def __init__(self, *authenticators: RequestAuthenticator, fail_on_error: bool = False) -> None:
        self.authenticators = list(authenticators)
        self.fail_on_error = fail_on_error

    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        return _first_authenticated(
            (partial(a.authenticate_request, req, audiences) for a in self.authenticators),
            fail_on_error=self.fail_on_error,
        )


class UnionTokenAuthenticator:
    """Tries each token authenticator in turn; the first to authenticate wins."""

    def __init__(self, *authenticators: TokenAuthenticator) -> None:
        self.authenticators = list(authenticators)

    def authenticate_token(self, token: str, audiences: tuple[str, ...]) -> Response | None:
        return _first_authenticated(partial(a.authenticate_token, token, audiences) for a in self.authenticators)


class BearerTokenAuthenticator:
    """``Authorization: Bearer <token>`` checked by a token authenticator."""

    def __init__(self, tokens: TokenAuthenticator) -> None:
        self.tokens = tokens

    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        header = req.headers.get("Authorization").strip()
        if not header:
            return None
        parts = header.split(" ", 2)
        if len(parts) < 2 or parts[0].lower() != "bearer":
            return None
        token = parts[1]
        if not token:
            return None
        response = self.tokens.authenticate_token(token, audiences)
        if response is None:
            raise AuthenticationError(INVALID_TOKEN_MSG)
        return response


class AudienceAgnosticTokenAuthenticator:
    """Credentials without an audience are good for whatever audiences were asked for."""

    def __init__(self, tokens: TokenAuthenticator, implicit_audiences: tuple[str, ...]) -> None:
        self.tokens = tokens
        self.implicit_audiences = implicit_audiences

    def authenticate_token(self, token: str, audiences: tuple[str, ...]) -> Response | None:
        response = self.tokens.authenticate_token(token, audiences)
        if response is None:
            return None
        return replace(response, audiences=audiences or self.implicit_audiences)


class AuthenticatedGroupAdder:
    """Adds ``system:authenticated`` to every authenticated user but the anonymous one."""

    def __init__(self, authenticator: RequestAuthenticator) -> None:
        self.authenticator = authenticator

    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        response = self.authenticator.authenticate_request(req, audiences)
        if response is None:
            return None
        user = response.user
        if user.name == ANONYMOUS or ALL_AUTHENTICATED in user.groups or ALL_UNAUTHENTICATED in user.groups:
            return response
        return replace(response, user=replace(user, groups=(*user.groups, ALL_AUTHENTICATED)))


class AnonymousAuthenticator:
    """Everyone is ``system:anonymous`` in ``system:unauthenticated`` (``--anonymous-auth``)."""

    def authenticate_request(self, req: Request, audiences: tuple[str, ...]) -> Response | None:
        return Response(UserInfo(ANONYMOUS, (ALL_UNAUTHENTICATED,)), audiences)


class StaticTokenAuthenticator:
    """Fixed tokens, each for one user; an unknown token is not this authenticator's business."""

    def __init__(self) -> None:
        self._tokens: dict[str, UserInfo] = {}
        self._lock = threading.Lock()

    def add(self, token: str, user: UserInfo) -> None:
        """Accept ``token`` for ``user`` from now on."""
        if not token:
            raise ValueError("a static token may not be empty")
        with self._lock:
            self._tokens[token] = user

    def remove(self, token: str) -> None:
        with self._lock:
            self._tokens.pop(token, None)

    def authenticate_token(self, token: str, audiences: tuple[str, ...]) -> Response | None:
        with self._lock:
            known = list(self._tokens.items())
        presented = token.encode()
        # Compare with every token in constant time, so timing does not tell how much of one matched.
        match = None
        for candidate, user in known:
            if hmac.compare_digest(candidate.encode(), presented):
                match = user
        return Response(match) if match is not None else None
