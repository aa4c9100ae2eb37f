"""The audit log of a server: every request it answered, for tests to query and assert on.

Modelled on kube-apiserver's audit events (k8s.io/apiserver/pkg/apis/audit, the ``Metadata``
level): who asked (user, groups, user agent), what (verb, API group and version, resource,
subresource, namespace, name; for writes the identity of the object sent), the answer's code,
and when (request received, response complete; each on the real monotonic clock and on the
wall clock that freezegun can freeze). Events are kept in memory, in a ring of fixed size, in
the order the responses started; ``sequence`` numbers them and never repeats, even after
``clear()``.

The audit filter (``fakeapi.server.filters.audit``) records; tests read through
:meth:`AuditLog.requests`, :meth:`AuditLog.wait_for` and the assertion helpers, whose failure
messages list the requests that came nearest. Every method is thread-safe.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Unpack

from fakeapi.endpoints.http import Request
from fakeapi.endpoints.negotiation import decode_payload
from fakeapi.testing.matching import RequestFacts, RequestMatcher, Selector, Where
from fakeapi.util.clock import real_monotonic, utc_now, wait_for_first

DEFAULT_CAPACITY = 10_000
DEFAULT_WAIT_SECONDS = 5.0
# The annotation the fault injection filter puts on the requests it failed, delayed or cut.
FAULT_ANNOTATION = "fakeapi.testing/fault"
# How many near misses an assertion message lists.
NEAR_MISSES_SHOWN = 10
_WRITE_VERBS = frozenset({"create", "update", "patch"})

CodeSelector = int | Collection[int]


@dataclass(frozen=True, slots=True)
class ObjectRef:
    """What a write's body said it was (any part may be empty: a merge patch rarely names a kind)."""

    api_version: str
    kind: str
    namespace: str
    name: str
    generate_name: str = ""

    def __str__(self) -> str:
        name = self.name or (self.generate_name + "*" if self.generate_name else "")
        where = f"{self.namespace}/{name}" if self.namespace else name
        return f"{self.kind or '?'} {where}".strip()


@dataclass(eq=False, slots=True)
class AuditEvent:
    """One request as the server answered it.

    The response fields fill in as the answer goes out: an event enters the log when the
    response starts (``stage`` ``ResponseStarted``, so an open watch is in the log while it
    streams) and gets its completion times when the handler returns (``ResponseComplete``).

    Attributes:
        sequence: Position in the server's order of responses (unique per server).
        method, path, query: The HTTP request line (path and query as sent, still escaped).
        verb, api_group, api_version, resource, subresource, namespace, name: The RequestInfo;
            a non-resource request has the lower-cased method as verb and no resource. A
            create's URL names no object, so its ``name`` is the name of the object sent, as
            kube-apiserver's audit events carry it in ``objectRef.name`` (``LogRequestObject``
            in staging/src/k8s.io/apiserver/pkg/audit/request.go fills an empty name from the
            request object); a create by ``generateName`` has none.
        user, groups: The user the request ran as (after impersonation); empty for a 401.
        user_agent: The client's ``User-Agent``.
        code: The HTTP status of the answer; 0 when none was written (the client went away).
        object_ref: For create, update and patch, what the body named; None otherwise or
            when the body named nothing.
        annotations: Notes of filters on the request; ``fakeapi.testing/fault`` says which
            fault was injected.
    """

    sequence: int
    method: str
    path: str
    query: str
    verb: str
    api_group: str
    api_version: str
    resource: str
    subresource: str
    namespace: str
    name: str
    user: str
    groups: tuple[str, ...]
    user_agent: str
    code: int
    object_ref: ObjectRef | None
    request_received_at: datetime
    request_received_monotonic: float
    response_started_monotonic: float
    response_complete_at: datetime | None = None
    response_complete_monotonic: float | None = None
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def stage(self) -> str:
        """``ResponseStarted`` while the response is being written, then ``ResponseComplete``."""
        return "ResponseStarted" if self.response_complete_monotonic is None else "ResponseComplete"

    @property
    def fault(self) -> str | None:
        """What fault injection did to this request, if anything."""
        return self.annotations.get(FAULT_ANNOTATION)

    @property
    def duration(self) -> float | None:
        """Seconds from receipt to the end of the response (real time); None while it streams."""
        if self.response_complete_monotonic is None:
            return None
        return self.response_complete_monotonic - self.request_received_monotonic

    def __str__(self) -> str:
        target = self.path + (f"?{self.query}" if self.query else "")
        text = f"#{self.sequence} {self.method} {target} -> {self.code or 'no answer'}"
        text += f" (user {self.user!r}, agent {self.user_agent!r})"
        if self.fault:
            text += f" [fault: {self.fault}]"
        return text


class InFlightRequest:
    """One request between its receipt and the end of its response; made by :meth:`AuditLog.begin`."""

    def __init__(self, log: AuditLog, req: Request, generation: int) -> None:
        self._log = log
        self._req = req
        self._generation = generation
        self.received_at = utc_now()
        self._received_monotonic = real_monotonic()
        self._annotations: dict[str, str] = {}
        self.event: AuditEvent | None = None

    def annotate(self, key: str, value: str) -> None:
        if self.event is not None:
            self.event.annotations[key] = value
        else:
            self._annotations[key] = value

    def response_started(self, code: int) -> AuditEvent:
        """The answer's status is known: the event enters the log."""
        req = self._req
        facts = RequestFacts.of(req)
        failed_authentication = code == 401
        object_ref = _object_ref(req) if facts.verb in _WRITE_VERBS else None
        self.event = AuditEvent(
            sequence=0,
            method=req.method,
            path=req.path,
            query=req.query_string,
            verb=facts.verb,
            api_group=facts.api_group,
            api_version=facts.api_version,
            resource=facts.resource,
            subresource=facts.subresource,
            namespace=facts.namespace,
            name=facts.name or (object_ref.name if object_ref is not None and facts.verb == "create" else ""),
            # Nobody was authenticated: the context still holds its anonymous placeholder.
            user="" if failed_authentication else facts.user,
            groups=() if failed_authentication else facts.groups,
            user_agent=facts.user_agent,
            code=code,
            object_ref=object_ref,
            request_received_at=self.received_at,
            request_received_monotonic=self._received_monotonic,
            response_started_monotonic=real_monotonic(),
            annotations={**self._annotations, **(req.context.audit_annotations if req.context else {})},
        )
        self._log._append(self.event, self._generation)
        return self.event

    def complete(self) -> None:
        """The handler returned: stamp the completion (and log the request if it never answered)."""
        self._log._forget(self._req)
        event = self.event if self.event is not None else self.response_started(0)
        event.response_complete_at = utc_now()
        event.response_complete_monotonic = real_monotonic()


class AuditLog:
    """The last ``capacity`` requests of a server, oldest first.

    Args:
        capacity: How many events are kept; older ones are dropped (counted in ``dropped``).
    """

    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._condition = threading.Condition()
        self._events: deque[AuditEvent] = deque(maxlen=capacity)
        self._in_flight: dict[int, InFlightRequest] = {}
        self._sequence = 0
        self._generation = 0
        self._dropped = 0

    @property
    def capacity(self) -> int:
        return self._events.maxlen or 0

    @property
    def dropped(self) -> int:
        """How many events left the ring since the last ``clear()``."""
        return self._dropped

    # -- recording (the audit and fault injection filters) ----------------------------------------

    def begin(self, req: Request) -> InFlightRequest:
        """A request arrived; the audit filter calls this first and ``complete()`` on the result last."""
        with self._condition:
            in_flight = InFlightRequest(self, req, self._generation)
            self._in_flight[id(req)] = in_flight
        return in_flight

    def annotate(self, req: Request, key: str, value: str) -> None:
        """Note something about a request in flight (audit.AddAuditAnnotation); ignored for other requests."""
        with self._condition:
            in_flight = self._in_flight.get(id(req))
        if in_flight is not None:
            in_flight.annotate(key, value)

    def _append(self, event: AuditEvent, generation: int) -> None:
        with self._condition:
            # A request received before the last clear() belongs to the forgotten past.
            if generation != self._generation:
                return
            self._sequence += 1
            event.sequence = self._sequence
            if self.capacity and len(self._events) == self.capacity:
                self._dropped += 1
            self._events.append(event)
            self._condition.notify_all()

    def _forget(self, req: Request) -> None:
        with self._condition:
            self._in_flight.pop(id(req), None)

    # -- reading --------------------------------------------------------------------------------

    def clear(self) -> None:
        """Forget every event (requests still in flight are not logged when they answer)."""
        with self._condition:
            self._events.clear()
            self._dropped = 0
            self._generation += 1

    def requests(
        self,
        verb: Selector | None = None,
        resource: Selector | None = None,
        *,
        code: CodeSelector | None = None,
        **where: Unpack[Where],
    ) -> list[AuditEvent]:
        """The recorded requests that match, oldest first; with no arguments, all of them.

        Keywords are those of :mod:`fakeapi.testing.matching` (``verb``, ``resource``,
        ``api_group``, ``subresource``, ``namespace``, ``name``, ``user``, ``user_agent``) and
        ``code`` (an int or a collection of ints).
        """
        selection = _Selection(RequestMatcher.of(verb, resource, **where), code)
        with self._condition:
            return [e for e in self._events if selection.matches(e)]

    def wait_for(
        self,
        predicate: Callable[[AuditEvent], bool] | None = None,
        timeout: float = DEFAULT_WAIT_SECONDS,
        *,
        verb: Selector | None = None,
        resource: Selector | None = None,
        code: CodeSelector | None = None,
        **where: Unpack[Where],
    ) -> AuditEvent | None:
        """The first recorded request that matches (and satisfies ``predicate``), waiting up to ``timeout`` seconds.

        Requests recorded before the call count. Returns None on timeout.
        """
        selection = _Selection(RequestMatcher.of(verb, resource, **where), code)

        def wanted(event: AuditEvent) -> bool:
            return selection.matches(event) and (predicate is None or predicate(event))

        return wait_for_first(self._condition, self._events, wanted, timeout)

    def assert_requested(
        self,
        verb: Selector | None = None,
        resource: Selector | None = None,
        *,
        count: int | None = None,
        code: CodeSelector | None = None,
        timeout: float = 0.0,
        **where: Unpack[Where],
    ) -> list[AuditEvent]:
        """Assert that matching requests were made: at least one, or exactly ``count``.

        With ``timeout``, wait up to that many seconds for them (for clients that act in the
        background). Returns the matching requests.

        Raises:
            AssertionError: Listing the requests that came nearest, and how each differs.
        """
        selection = _Selection(RequestMatcher.of(verb, resource, **where), code)
        needed = 1 if count is None else count
        deadline = real_monotonic() + timeout
        with self._condition:
            while True:
                matched = [e for e in self._events if selection.matches(e)]
                remaining = deadline - real_monotonic()
                if len(matched) >= needed or remaining <= 0:
                    break
                self._condition.wait(remaining)
            events = list(self._events)
        if count is None and matched:
            return matched
        if count is not None and len(matched) == count:
            return matched
        raise AssertionError(self._explain(selection, count, matched, events))

    def assert_not_requested(
        self,
        verb: Selector | None = None,
        resource: Selector | None = None,
        *,
        code: CodeSelector | None = None,
        **where: Unpack[Where],
    ) -> None:
        """Assert that no recorded request matches.

        Raises:
            AssertionError: Listing the requests that did match.
        """
        self.assert_requested(verb, resource, count=0, code=code, **where)

    def _explain(
        self, selection: _Selection, count: int | None, matched: list[AuditEvent], events: list[AuditEvent]
    ) -> str:
        dropped = f" ({self._dropped} older ones were dropped)" if self._dropped else ""
        recorded = f"{_plural(len(events), 'request')} recorded{dropped}"
        if matched:
            wanted = "no request" if count == 0 else f"exactly {_plural(count or 0, 'request')}"
            lines = [f"Expected {wanted} matching {selection}, got {len(matched)} of the {recorded}:"]
            lines += [f"  {e}" for e in matched[-NEAR_MISSES_SHOWN:]]
            if len(matched) > NEAR_MISSES_SHOWN:
                lines.append(f"  ... and {len(matched) - NEAR_MISSES_SHOWN} earlier ones")
            return "\n".join(lines)
        header = f"No request matched {selection}"
        if count:
            header = f"Expected {_plural(count, 'request')} matching {selection}, got none"
        if not events:
            return f"{header}: no requests were recorded{dropped}."
        # Fewest differing attributes first, the most recent first among equals.
        ranked = sorted(events, key=lambda e: (len(selection.mismatches(e)), -e.sequence))
        shown = ranked[:NEAR_MISSES_SHOWN]
        lines = [f"{header}. Nearest of the {recorded}:"]
        lines += [f"  {e}: {selection.describe_mismatch(e)}" for e in shown]
        if len(ranked) > len(shown):
            lines.append(f"  ... and {len(ranked) - len(shown)} more")
        return "\n".join(lines)


class _Selection:
    """A RequestMatcher plus the response code, which only audit events have."""

    def __init__(self, matcher: RequestMatcher, code: CodeSelector | None) -> None:
        self.matcher = matcher
        self.codes = None if code is None else frozenset((code,) if isinstance(code, int) else code)

    def mismatches(self, event: AuditEvent) -> list[str]:
        differing = self.matcher.mismatches(event)
        if self.codes is not None and event.code not in self.codes:
            differing.append("code")
        return differing

    def matches(self, event: AuditEvent) -> bool:
        return not self.mismatches(event)

    def describe_mismatch(self, event: AuditEvent) -> str:
        parts = [self.matcher.describe_mismatch(event)] if self.matcher.mismatches(event) else []
        if self.codes is not None and event.code not in self.codes:
            parts.append(f"code is {event.code} (wanted {' or '.join(map(str, sorted(self.codes)))})")
        return "; ".join(parts)

    def __str__(self) -> str:
        text = str(self.matcher)
        if self.codes is not None:
            codes = " or ".join(map(str, sorted(self.codes)))
            text = f"code={codes}" if not self.matcher.wanted else f"{text} code={codes}"
        return text


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _object_ref(req: Request) -> ObjectRef | None:
    """What a write's body names, read as the handlers will decode it; None if it names nothing."""
    try:
        obj = decode_payload(req.body, req.headers.get("Content-Type"))
    except Exception:
        # The handler answers a body it cannot decode with a 400; the log just has no identity for it.
        return None
    if not isinstance(obj, dict):
        return None  # a JSON patch: a list of operations
    meta_value = obj.get("metadata")
    meta: dict[str, Any] = meta_value if isinstance(meta_value, dict) else {}
    ref = ObjectRef(
        api_version=str(obj.get("apiVersion") or ""),
        kind=str(obj.get("kind") or ""),
        namespace=str(meta.get("namespace") or ""),
        name=str(meta.get("name") or ""),
        generate_name=str(meta.get("generateName") or ""),
    )
    return ref if ref.kind or ref.name or ref.generate_name else None
