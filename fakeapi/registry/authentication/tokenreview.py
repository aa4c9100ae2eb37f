"""TokenReview: is this bearer token good, and whose is it (pkg/registry/authentication/tokenreview/storage.go).

The token is checked by the server's own authenticator, as if it came in an
``Authorization: Bearer`` header, for the review's audiences (the API audiences when none are
given). A token that does not authenticate is not an error: the status says
``authenticated: false`` and carries the reason. Nothing is stored.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery import errors
from fakeapi.authentication.authenticator import AuthenticationError, intersect_audiences
from fakeapi.endpoints.http import Headers, Request
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.authentication.services import (
    ReviewREST,
    mapping,
    refuse_namespace,
    user_info,
    with_status,
)
from fakeapi.registry.rest import WriteOptions
from fakeapi.storage.interfaces import Object

__all__ = ["TokenReviewREST"]


class TokenReviewREST(ReviewREST):
    """POST /apis/authentication.k8s.io/v1/tokenreviews."""

    def create(self, ctx: RequestContext, obj: Object, options: WriteOptions) -> Object:
        refuse_namespace(ctx)
        spec = mapping(obj, "spec")
        token = spec.get("token") or ""
        if not token:
            raise errors.new_bad_request("token is required for TokenReview in authentication")
        audiences = tuple(spec.get("audiences") or ()) or self.services.api_audiences
        fake = Request("POST", "/", headers=Headers([("Authorization", f"Bearer {token}")]))
        status: dict[str, Any] = {}
        response = None
        try:
            response = self.services.require_authenticator().authenticate_request(fake, audiences)
        except AuthenticationError as err:
            status["error"] = str(err)
        if response is not None:
            if audiences and not intersect_audiences(audiences, response.audiences):
                raise errors.new_internal_error("error validating audiences")
            status["authenticated"] = True
        status["user"] = user_info(response.user) if response is not None else {}
        if response is not None and response.audiences:
            status["audiences"] = list(response.audiences)
        return with_status(obj, status)
