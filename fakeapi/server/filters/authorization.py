"""WithAuthorization (endpoints/filters/authorization.go): ask the authorizer about the request.

The attributes come from the authenticated user and the RequestInfo
(``GetAuthorizerAttributes``). An allow passes the request on, even when the authorizer also
reported an evaluation error; an error without an allow is a 500; anything else is a 403 whose
message is upstream's (``responsewriters.Forbidden``): ``<resource> "<name>" is forbidden:
User "<user>" cannot <verb> resource "<resource[/subresource]>" in API group "<group>" in the
namespace "<ns>"`` (or ``at the cluster scope``, or ``cannot <verb> path "<path>"``), followed
by the authorizer's reason when it gave one.
"""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.authorization.authorizer import Attributes, Authorizer, attributes_from_request
from fakeapi.endpoints.http import Handler, Request, ResponseWriter

__all__ = ["forbidden_message", "forbidden_status_error", "with_authorization"]

# responsewriters' sanitizer: the message may be shown in a browser.
_SANITIZE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def forbidden_message(attributes: Attributes) -> str:
    """``forbiddenMessage``: who cannot do what, where."""
    user = attributes.user.name
    if not attributes.resource_request:
        return f'User "{user}" cannot {attributes.verb} path "{attributes.path}"'
    resource = attributes.resource
    if attributes.subresource:
        resource += "/" + attributes.subresource
    where = f'in the namespace "{attributes.namespace}"' if attributes.namespace else "at the cluster scope"
    return f'User "{user}" cannot {attributes.verb} resource "{resource}" in API group "{attributes.api_group}" {where}'


def forbidden_status_error(attributes: Attributes, reason: str) -> errors.StatusError:
    """``ForbiddenStatusError``: the 403 for ``attributes``, with the authorizer's reason appended."""
    message = forbidden_message(attributes).translate(_SANITIZE)
    if reason:
        message = f"{message}: {reason}"
    err = errors.new_forbidden(GroupResource(attributes.api_group, attributes.resource), attributes.name, message)
    err.headers["X-Content-Type-Options"] = "nosniff"
    return err


def with_authorization(handler: Handler, authorizer: Authorizer) -> Handler:
    def authorize(req: Request, w: ResponseWriter) -> None:
        ctx = req.context
        assert ctx is not None
        attributes = attributes_from_request(ctx.user, ctx.request_info)
        result = authorizer.authorize(attributes)
        if result.allowed:
            handler(req, w)
            return
        if result.error:
            raise errors.new_internal_error(result.error)
        raise forbidden_status_error(attributes, result.reason)

    return authorize
