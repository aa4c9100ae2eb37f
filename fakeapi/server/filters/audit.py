"""WithAudit (endpoints/filters/audit.go): every request into the server's audit log.

Upstream this filter runs after authentication and sends audit.Events to a backend at the
stages RequestReceived, ResponseStarted and ResponseComplete; failed authentication is
audited by WithFailedAuthenticationAudit. Here one filter does both, from just inside the
audit-id filter: outside panic recovery, it sees the 401s of failed authentication and the
500s a bug becomes, and it reads the request's context only once the inner filters filled it
(the user is the one the request ran as, after impersonation). The event enters the log when
the response starts, so an open watch is there while it streams, and is completed when the
handler returns. Each line a watch response sends goes to the watch event log as well.

With an audit policy and backend (``--audit-policy-file``, ``--audit-log-path``) the same filter
sends each request's ``audit.k8s.io/v1`` Events at the stages upstream's WithAudit does:
RequestReceived, ResponseStarted for long-running requests only, and ResponseComplete
(``fakeapi.audit.request``). The policy is evaluated once the inner filters resolved the request,
with the authenticated user, so RequestReceived goes out when the answer starts, stamped with the
time the request arrived.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fakeapi.endpoints.http import Handler, Request, ResponseWriter, ResponseWriterWrapper
from fakeapi.testing.audit import AuditEvent, AuditLog, InFlightRequest
from fakeapi.testing.watches import WatchEventLog
from fakeapi.util.clock import utc_now

if TYPE_CHECKING:
    from fakeapi.audit.request import Auditor, RequestAudit

__all__ = ["with_audit"]


class _AuditWriter(ResponseWriterWrapper):
    def __init__(
        self,
        inner: ResponseWriter,
        in_flight: InFlightRequest,
        watch_events: WatchEventLog | None,
        request_audit: RequestAudit | None,
    ) -> None:
        super().__init__(inner)
        self._in_flight = in_flight
        self._watch_events = watch_events
        self._request_audit = request_audit
        # Set while this response is a watch stream whose lines are recorded.
        self._watch: AuditEvent | None = None
        self._content_type = ""

    def write_head(self, status: int, headers: list[tuple[str, str]]) -> None:
        event = self._in_flight.response_started(status)
        if self._request_audit is not None:
            self._request_audit.response_started(status, headers)
        if self._watch_events is not None and event.verb == "watch" and status == 200:
            self._watch = event
            self._content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        self._inner.write_head(status, headers)

    def write(self, data: bytes) -> None:
        self._inner.write(data)
        if self._request_audit is not None:
            self._request_audit.write(data)
        # serve_watch writes each event as one line in one write.
        if self._watch is not None and self._watch_events is not None and data:
            self._watch_events.record(self._watch, data, self._content_type)


def with_audit(
    handler: Handler, log: AuditLog, watch_events: WatchEventLog | None = None, auditor: Auditor | None = None
) -> Handler:
    """Record every request in ``log`` and every watch event line in ``watch_events``; with an
    ``auditor``, send each request's audit events to its backend as its policy says."""

    if auditor is not None:
        # Loaded only by a server that writes an audit log.
        from fakeapi.audit.request import RequestAudit

    def audit(req: Request, w: ResponseWriter) -> None:
        in_flight = log.begin(req)
        request_audit = None if auditor is None else RequestAudit(auditor, req, in_flight.received_at, utc_now)
        try:
            handler(req, _AuditWriter(w, in_flight, watch_events, request_audit))
        finally:
            in_flight.complete()
            if request_audit is not None:
                request_audit.complete()

    return audit
