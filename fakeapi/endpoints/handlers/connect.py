"""Connect requests (handlers/rest.go ConnectResource): the subresource's storage serves the request itself.

Used by the subresources that stream or upgrade (pods/log, exec, attach, portforward). The
method must be one the storage takes (405 otherwise, as go-restful answers a route it lacks).
"""

from __future__ import annotations

from fakeapi.apimachinery import errors
from fakeapi.endpoints.handlers.common import RequestScope, context_of
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.registry.rest import Connecter


def connect_resource(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    storage = scope.storage
    assert isinstance(storage, Connecter)
    if req.method not in storage.connect_methods:
        raise errors.new_generic_method_not_allowed()
    storage.connect(context_of(req), req.info.name, req, w)
