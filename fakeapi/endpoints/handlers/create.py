"""POST (handlers/create.go): decode, field validation, create through the storage, 201."""

from __future__ import annotations

from fakeapi.endpoints.handlers.common import (
    RequestScope,
    context_of,
    decode_body,
    parse_write_options,
    write_object,
)
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.registry.rest import NamedCreater


def create_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    options = parse_write_options(req, "CreateOptions")
    obj = decode_body(req, scope, options.field_validation)
    ctx = context_of(req)
    if scope.subresource and isinstance(scope.storage, NamedCreater):
        result = scope.storage.create_named(ctx, req.info.name, obj, options)
    else:
        result = scope.storage.create(ctx, obj, options)
    write_object(req, w, 201, result, scope)
