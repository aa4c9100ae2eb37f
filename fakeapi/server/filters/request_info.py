"""WithRequestInfo: resolve the URL into a RequestInfo and start the request's context."""

from __future__ import annotations

from fakeapi.endpoints.http import Handler, Request, ResponseWriter
from fakeapi.endpoints.request import RequestContext
from fakeapi.endpoints.requestinfo import new_request_info


def with_request_info(handler: Handler) -> Handler:
    def resolve(req: Request, w: ResponseWriter) -> None:
        info = new_request_info(req.method, req.path, req.query_string)
        req.context = RequestContext(info, user_agent=req.headers.get("User-Agent"))
        handler(req, w)

    return resolve
