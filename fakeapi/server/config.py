"""DefaultBuildHandlerChain (server/config.go): the filters around the director, in upstream's order.

Execution order, outermost first: audit id → audit → panic recovery → request info →
authentication → impersonation → max in flight → authorization → fault injection → director. The audit
filter sits outside panic recovery so that it logs the answers panic recovery writes (401s,
500s) too; fault injection, which has no upstream counterpart, sits innermost so that an
injected fault answers in place of the API handler.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from fakeapi.authentication.authenticator import RequestAuthenticator
from fakeapi.authorization.authorizer import Authorizer
from fakeapi.endpoints.http import Handler
from fakeapi.server.filters.audit import with_audit
from fakeapi.server.filters.audit_id import with_audit_id
from fakeapi.server.filters.authentication import with_authentication
from fakeapi.server.filters.authorization import with_authorization
from fakeapi.server.filters.faults import with_faults
from fakeapi.server.filters.impersonation import with_impersonation
from fakeapi.server.filters.maxinflight import (
    DEFAULT_MAX_MUTATING_REQUESTS_IN_FLIGHT,
    DEFAULT_MAX_REQUESTS_IN_FLIGHT,
    with_max_in_flight_limit,
)
from fakeapi.server.filters.panic_recovery import with_panic_recovery
from fakeapi.server.filters.request_info import with_request_info
from fakeapi.testing.audit import AuditLog
from fakeapi.testing.faults import FaultInjector
from fakeapi.testing.watches import WatchEventLog

if TYPE_CHECKING:
    from fakeapi.audit.request import Auditor


def default_build_handler_chain(
    director: Handler,
    *,
    authenticator: RequestAuthenticator,
    authorizer: Authorizer,
    api_audiences: tuple[str, ...],
    record_error: Callable[[BaseException], None],
    audit_log: AuditLog | None = None,
    watch_events: WatchEventLog | None = None,
    faults: FaultInjector | None = None,
    auditor: Auditor | None = None,
    max_requests_in_flight: tuple[int, int] = (DEFAULT_MAX_REQUESTS_IN_FLIGHT, DEFAULT_MAX_MUTATING_REQUESTS_IN_FLIGHT),
) -> Handler:
    handler = director if faults is None else with_faults(director, faults)
    handler = with_authorization(handler, authorizer)
    handler = with_max_in_flight_limit(handler, *max_requests_in_flight)
    handler = with_impersonation(handler, authorizer)
    handler = with_authentication(handler, authenticator, api_audiences)
    handler = with_request_info(handler)
    handler = with_panic_recovery(handler, record_error)
    if audit_log is not None:
        handler = with_audit(handler, audit_log, watch_events, auditor)
    return with_audit_id(handler)
