"""PUT (handlers/update.go): replace an object, 201 when the update created it."""

from __future__ import annotations

from fakeapi.endpoints.handlers.common import (
    RequestScope,
    context_of,
    decode_body,
    parse_write_options,
    write_object,
)
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.registry.rest import DefaultUpdatedObjectInfo


def update_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    options = parse_write_options(req, "UpdateOptions")
    obj = decode_body(req, scope, options.field_validation)
    result, created = scope.storage.update(context_of(req), req.info.name, DefaultUpdatedObjectInfo(obj), options)
    write_object(req, w, 201 if created else 200, result, scope)
