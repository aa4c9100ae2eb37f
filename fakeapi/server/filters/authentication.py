"""WithAuthentication (endpoints/filters/authentication.go): who is asking.

The authenticator is asked with the API audiences. No user, or an error, is a 401
``Unauthorized`` (the error is logged, never shown); so is a credential whose audiences do not
include one of the API's. On success the user goes into the request's context, and the
``Authorization`` header and the standard front-proxy headers (``X-Remote-*``) are removed so
nothing further down can read or forward them.
"""

from __future__ import annotations

import logging

from fakeapi.apimachinery import errors
from fakeapi.authentication.authenticator import AuthenticationError, RequestAuthenticator, intersect_audiences
from fakeapi.authentication.request_header import RequestHeaderConfig, clear_authentication_headers
from fakeapi.endpoints.http import Handler, Request, ResponseWriter
from fakeapi.endpoints.request import UserInfo

__all__ = ["with_authentication", "with_user"]

logger = logging.getLogger("fakeapi.authentication")

# The standard front-proxy headers, removed whatever the --requestheader-* flags say.
_STANDARD_REQUEST_HEADERS = RequestHeaderConfig(uid_headers=["X-Remote-Uid"])


def with_authentication(
    handler: Handler, authenticator: RequestAuthenticator, api_audiences: tuple[str, ...]
) -> Handler:
    def authenticate(req: Request, w: ResponseWriter) -> None:
        assert req.context is not None
        try:
            response = authenticator.authenticate_request(req, api_audiences)
        except AuthenticationError as err:
            logger.error("Unable to authenticate the request: %s", err)
            response = None
        if response is None:
            raise errors.new_unauthorized()
        if api_audiences and response.audiences and not intersect_audiences(api_audiences, response.audiences):
            logger.error("unable to match audience: %s , %s", api_audiences, response.audiences)
            raise errors.new_unauthorized()
        req.headers.remove("Authorization")
        clear_authentication_headers(req.headers, _STANDARD_REQUEST_HEADERS)
        req.context.user = response.user
        handler(req, w)

    return authenticate


def with_user(handler: Handler, user: UserInfo) -> Handler:
    """For the server's own in-process writes (seeding): the request is ``user``'s, with no credential
    to check, as the loopback client's token would have it authenticated."""

    def as_user(req: Request, w: ResponseWriter) -> None:
        assert req.context is not None
        req.context.user = user
        handler(req, w)

    return as_user
