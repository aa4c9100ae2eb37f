"""WithAuthentication: who is asking. On success the user goes into the context and the
Authorization header is removed (as upstream does); without credentials the request is
answered 401 unless anonymous requests are enabled."""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.authentication.authenticator import RequestAuthenticator
from fakeapi.endpoints.http import Handler, Request, ResponseWriter
from fakeapi.endpoints.request import ANONYMOUS


def with_authentication(handler: Handler, authenticator: RequestAuthenticator, *, allow_anonymous: bool) -> Handler:
    def authenticate(req: Request, w: ResponseWriter) -> None:
        assert req.context is not None
        user = authenticator.authenticate(req)
        req.headers.remove("Authorization")
        if user is None:
            if not allow_anonymous:
                raise errors.new_unauthorized()
            user = ANONYMOUS
        req.context.user = user
        handler(req, w)

    return authenticate
