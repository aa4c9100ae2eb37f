"""DefaultBuildHandlerChain (server/config.go): the filters around the director, in upstream's order.

Execution order, outermost first: audit id → panic recovery → request info →
authentication → impersonation → authorization → director.
"""

from __future__ import annotations

from collections.abc import Callable

from fakeapi.authentication.authenticator import RequestAuthenticator
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.endpoints.http import Handler
from fakeapi.server.filters.audit_id import with_audit_id
from fakeapi.server.filters.authentication import with_authentication
from fakeapi.server.filters.authorization import with_authorization
from fakeapi.server.filters.impersonation import with_impersonation
from fakeapi.server.filters.panic_recovery import with_panic_recovery
from fakeapi.server.filters.request_info import with_request_info


def default_build_handler_chain(
    director: Handler,
    *,
    authenticator: RequestAuthenticator,
    authorizer: Authorizer,
    api_audiences: tuple[str, ...],
    record_error: Callable[[BaseException], None],
) -> Handler:
    handler = with_authorization(director, authorizer)
    handler = with_impersonation(handler, authorizer)
    handler = with_authentication(handler, authenticator, api_audiences)
    handler = with_request_info(handler)
    handler = with_panic_recovery(handler, record_error)
    return with_audit_id(handler)
