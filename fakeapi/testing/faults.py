"""Fault injection: make chosen requests fail, slow them down, or cut open watches.

A rule selects requests with the keywords of :mod:`fakeapi.testing.matching` and applies to
the next ``times`` of them (``None``: until removed), then expires. The first live rule that
matches a request applies to it, in the order the rules were added. A failing rule answers
with a metav1.Status built by the constructors of ``fakeapi.apimachinery.errors``, shaped
for the request (``deployments.apps "web"``), as a real server would answer; a delay holds
the request for that many seconds of real time, then lets it through. ``cut_watches`` ends
the matching watch streams now, cleanly (the response ends as at a watch timeout), so their
clients list and watch again. Whatever a rule or a cut did is noted on the request's audit
event (``fakeapi.testing/fault``).

Requests are matched after authentication and authorization, right before the API handler,
so an injected fault looks like the server's own answer to an allowed request.

A rule's ``verb``, ``resource`` and ``subresource`` are checked when it is added: a typo would
otherwise make a rule that silently never applies. Rules that never matched a request are
reported when the test ends (:class:`UnmatchedFaultWarning`, from the pytest plugin).
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Unpack

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.endpoints.http import Request
from fakeapi.testing.audit import FAULT_ANNOTATION, AuditLog
from fakeapi.testing.matching import RequestFacts, RequestMatcher, RequestSelector, Selector
from fakeapi.util.clock import real_monotonic

# How long cut_watches waits, by default, for the cut streams to end.
CUT_TIMEOUT_SECONDS = 5.0
DEFAULT_INTERNAL_ERROR = "fakeapi: injected failure"
# responsewriters / NewGenericServerResponse's text for a 503.
SERVICE_UNAVAILABLE_MSG = "the server is currently unable to handle the request"
TOO_MANY_REQUESTS_MSG = "please try again later"

# The verbs of a RequestInfo (staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go), and
# for a non-resource request (/version, /healthz) the lower-cased HTTP method.
VERBS = frozenset(
    {"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "proxy"}
    | {"post", "put", "head", "options"}
)

ErrorFactory = Callable[[Request, RequestFacts], errors.StatusError]


class UnmatchedFaultWarning(UserWarning):
    """A fault rule was still waiting for a request when the test ended: the test did not test what it meant to."""


def _check_values(keyword: str, selector: Selector | None, valid: Collection[str]) -> None:
    for value in [selector] if isinstance(selector, str) else (selector or ()):
        if value not in valid:
            close = difflib.get_close_matches(value, valid, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            listed = ", ".join(sorted(v for v in valid if v))
            raise ValueError(f'fault rule: unknown {keyword} "{value}"{hint} (valid: {listed})')


@dataclass(eq=False)
class FaultRule:
    """One rule; made by the :class:`FaultInjector` methods, which return it.

    Attributes:
        matcher: Which requests it applies to.
        description: What it does, as the audit annotation says it.
        remaining: How many more requests it applies to (None: until removed).
        hits: How many requests it applied to so far.
    """

    matcher: RequestMatcher
    description: str
    remaining: int | None
    delay: float = 0.0
    error: ErrorFactory | None = None
    # An error a watch reports in its stream (200, then one ERROR event) instead of as its HTTP status.
    watch_error_event: bool = False
    hits: int = 0
    _injector: FaultInjector | None = field(default=None, repr=False)

    @property
    def expired(self) -> bool:
        return self.remaining is not None and self.remaining <= 0

    def remove(self) -> None:
        """Stop applying this rule."""
        if self._injector is not None:
            self._injector.remove(self)


@dataclass(frozen=True)
class Fault:
    """What the filter does to one request: hold it for the rule's delay, then answer ``error`` if any."""

    rule: FaultRule
    error: errors.StatusError | None


@dataclass(eq=False)
class OpenWatch:
    """A watch stream being served, as the fault filter registered it (``facts``: who watches what)."""

    facts: RequestFacts
    request: Request
    stop: Callable[[], None]
    ended: threading.Event = field(default_factory=threading.Event)


class FaultInjector:
    """The fault rules of one server and its open watches.

    Args:
        audit_log: Where applied faults are noted (on the request's event).
        current_revision: The storage's revision, for the message of an injected 410.
        served_resources: The served resources as discovery names them (``deployments``,
            ``deployments/status``), which rules are checked against; None checks only verbs.
    """

    def __init__(
        self,
        audit_log: AuditLog | None = None,
        current_revision: Callable[[], int] | None = None,
        served_resources: Callable[[], Collection[str]] | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._watches: list[OpenWatch] = []
        self._audit_log = audit_log
        self._current_revision = current_revision
        self._served_resources = served_resources
        self._counter = 0

    # -- rules ----------------------------------------------------------------------------------

    def fail(
        self,
        error: errors.StatusError | ErrorFactory,
        *,
        times: int | None = 1,
        delay: float = 0.0,
        **match: Unpack[RequestSelector],
    ) -> FaultRule:
        """Answer matching requests with ``error`` (a StatusError, or a function of the request making one).

        Args:
            error: The answer; a function gets the Request and its RequestFacts.
            times: How many requests to fail (None: until the rule is removed).
            delay: Seconds (real time) to hold each request before failing it.
            **match: Which requests (see :mod:`fakeapi.testing.matching`).
        """
        factory: ErrorFactory = (lambda _req, _facts: error) if isinstance(error, errors.StatusError) else error
        return self._add(factory, times=times, delay=delay, what=None, match=match)

    def conflict(self, *, times: int | None = 1, **match: Unpack[RequestSelector]) -> FaultRule:
        """409 Conflict with upstream's optimistic-lock message, as a write with a stale resourceVersion gets.

        ``Operation cannot be fulfilled on deployments.apps "web": the object has been
        modified; please apply your changes to the latest version and try again``.
        """
        return self._add(
            lambda _req, facts: errors.new_optimistic_lock_conflict(
                GroupResource(facts.api_group, facts.resource), facts.name
            ),
            times=times,
            what="409 Conflict",
            match=match,
        )

    def expired(self, *, times: int | None = 1, **match: Unpack[RequestSelector]) -> FaultRule:
        """410 Expired (``too old resource version``): a list is answered 410, a watch gets it as an ERROR event.

        A watch from a compacted resourceVersion is answered so by the watch cache: the
        stream starts (200) and its one event is ``{"type": "ERROR", "object": <Status 410>}``;
        informers then list again.
        """
        return self._add(self._expired_error, times=times, what="410 Expired", match=match, watch_error_event=True)

    def too_many_requests(
        self,
        retry_after_seconds: int = 1,
        *,
        message: str = TOO_MANY_REQUESTS_MSG,
        times: int | None = 1,
        **match: Unpack[RequestSelector],
    ) -> FaultRule:
        """429 TooManyRequests with a ``Retry-After`` header and ``details.retryAfterSeconds``."""
        return self._add(
            lambda _req, _facts: errors.new_too_many_requests(message, retry_after_seconds),
            times=times,
            what=f"429 TooManyRequests (retry after {retry_after_seconds} s)",
            match=match,
        )

    def internal_error(
        self, message: str = DEFAULT_INTERNAL_ERROR, *, times: int | None = 1, **match: Unpack[RequestSelector]
    ) -> FaultRule:
        """500 InternalError (``Internal error occurred: <message>``)."""
        return self._add(
            lambda _req, _facts: errors.new_internal_error(message),
            times=times,
            what="500 InternalError",
            match=match,
        )

    def service_unavailable(
        self, message: str = SERVICE_UNAVAILABLE_MSG, *, times: int | None = 1, **match: Unpack[RequestSelector]
    ) -> FaultRule:
        """503 ServiceUnavailable."""
        return self._add(
            lambda _req, _facts: errors.new_service_unavailable(message),
            times=times,
            what="503 ServiceUnavailable",
            match=match,
        )

    def delay(self, seconds: float, *, times: int | None = 1, **match: Unpack[RequestSelector]) -> FaultRule:
        """Hold matching requests ``seconds`` of real time (a frozen clock does not stop it), then serve them."""
        return self._add(None, times=times, delay=seconds, what=f"delayed {seconds:g} s", match=match)

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    @property
    def rules(self) -> list[FaultRule]:
        """The live rules, in the order they apply."""
        with self._lock:
            return list(self._rules)

    def unmatched(self) -> list[FaultRule]:
        """The live rules that have not applied to any request yet."""
        return [rule for rule in self.rules if rule.hits == 0]

    def clear(self) -> None:
        """Remove every rule (open watches are left alone)."""
        with self._lock:
            self._rules.clear()

    def _add(
        self,
        error: ErrorFactory | None,
        *,
        times: int | None,
        match: RequestSelector,
        what: str | None,
        delay: float = 0.0,
        watch_error_event: bool = False,
    ) -> FaultRule:
        if times is not None and times < 1:
            raise ValueError(f"times must be at least 1 (or None for every request), not {times}")
        if delay < 0:
            raise ValueError(f"delay must not be negative, not {delay}")
        self._check_selector(match)
        matcher = RequestMatcher.of(**match)
        with self._lock:
            self._counter += 1
            description = f"{what or 'injected error'} (rule {self._counter}: {matcher})"
            rule = FaultRule(matcher, description, times, delay, error, watch_error_event, _injector=self)
            self._rules.append(rule)
        return rule

    def _check_selector(self, match: RequestSelector) -> None:
        """Raise ValueError for a verb, resource or subresource no request can have, suggesting the closest one."""
        _check_values("verb", match.get("verb"), VERBS)
        if self._served_resources is None:
            return
        served = [name.partition("/") for name in self._served_resources()]
        # "" selects the non-resource requests (/version), and requests of no subresource.
        _check_values("resource", match.get("resource"), {resource for resource, _, _ in served} | {""})
        _check_values("subresource", match.get("subresource"), {sub for _, _, sub in served})

    def _expired_error(self, req: Request, _facts: RequestFacts) -> errors.StatusError:
        requested = req.query_param("resourceVersion") or "0"
        current = self._current_revision() if self._current_revision is not None else 0
        return errors.new_resource_expired(f"too old resource version: {requested} ({current})")

    # -- the filter's side ----------------------------------------------------------------------

    def take(self, req: Request) -> Fault | None:
        """The fault for this request, if a rule applies; the rule's use is counted (the filter calls this)."""
        with self._lock:
            if not self._rules:
                return None
            facts = RequestFacts.of(req)
            rule = next((r for r in self._rules if r.matcher.matches(facts)), None)
            if rule is None:
                return None
            rule.hits += 1
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._rules.remove(rule)
        error = rule.error(req, facts) if rule.error is not None else None
        if self._audit_log is not None:
            self._audit_log.annotate(req, FAULT_ANNOTATION, rule.description)
        return Fault(rule, error)

    def watch_opened(self, req: Request, stop: Callable[[], None]) -> OpenWatch:
        """A watch stream started; ``stop`` ends it (the filter calls this, and ``watch_closed`` after)."""
        watch = OpenWatch(RequestFacts.of(req), req, stop)
        with self._lock:
            self._watches.append(watch)
        return watch

    def watch_closed(self, watch: OpenWatch) -> None:
        with self._lock:
            if watch in self._watches:
                self._watches.remove(watch)
        watch.ended.set()

    # -- watches --------------------------------------------------------------------------------

    def open_watches(self, **match: Unpack[RequestSelector]) -> list[OpenWatch]:
        """The watches being served that match, oldest first."""
        matcher = RequestMatcher.of(**match)
        with self._lock:
            return [w for w in self._watches if matcher.matches(w.facts)]

    def cut_watches(self, *, timeout: float = CUT_TIMEOUT_SECONDS, **match: Unpack[RequestSelector]) -> int:
        """End the matching open watches now and wait (up to ``timeout`` seconds) until their responses ended.

        Their clients see the stream end cleanly, as at a watch timeout, and watch again.

        Returns:
            How many watches were cut.

        Raises:
            TimeoutError: A cut watch's response did not end in time.
        """
        cut = self.open_watches(**match)
        for watch in cut:
            if self._audit_log is not None:
                self._audit_log.annotate(watch.request, FAULT_ANNOTATION, f"watch cut ({RequestMatcher.of(**match)})")
            watch.stop()
        deadline = real_monotonic() + timeout
        for watch in cut:
            if not watch.ended.wait(max(deadline - real_monotonic(), 0)):
                raise TimeoutError(f"a cut watch ({watch.facts.resource}) did not end within {timeout} s")
        return len(cut)
