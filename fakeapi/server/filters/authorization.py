"""WithAuthorization: ask the authorizer about the request's attributes; deny → 403."""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.endpoints.http import Handler, Request, ResponseWriter


def with_authorization(handler: Handler, authorizer: Authorizer) -> Handler:
    def authorize(req: Request, w: ResponseWriter) -> None:
        ctx = req.context
        assert ctx is not None
        allowed, reason = authorizer.authorize(ctx.user, ctx.request_info)
        if not allowed:
            info = ctx.request_info
            if info.is_resource_request:
                resource = info.resource + (f"/{info.subresource}" if info.subresource else "")
                raise errors.new_forbidden(GroupResource(info.api_group, resource), info.name, reason)
            raise errors.new_forbidden(GroupResource("", ""), "", reason)
        handler(req, w)

    return authorize
