"""WithMaxInFlightLimit (server/filters/maxinflight.go): at most so many requests served at once.

Read-only and mutating requests have separate budgets (kube-apiserver's
``--max-requests-inflight`` 400 and ``--max-mutating-requests-inflight`` 200). A request
that finds its budget spent is answered at once with 429, ``Retry-After: 1`` and upstream's
plain-text body, unless its user is in ``system:masters`` (a super-user, or the server's own
loopback client, always gets an answer). Long-running requests (watches, proxy, and the
attach, exec, log and portforward subresources: ``BasicLongRunningRequestCheck``) are not
counted.
"""

from __future__ import annotations

import threading

from fakeapi.endpoints.http import Handler, Request, ResponseWriter

DEFAULT_MAX_REQUESTS_IN_FLIGHT = 400
DEFAULT_MAX_MUTATING_REQUESTS_IN_FLIGHT = 200
LONG_RUNNING_VERBS = frozenset({"watch", "proxy"})
LONG_RUNNING_SUBRESOURCES = frozenset({"attach", "exec", "proxy", "log", "portforward"})
# nonMutatingRequestVerbs
READ_ONLY_VERBS = frozenset({"get", "list", "watch"})
SYSTEM_PRIVILEGED_GROUP = "system:masters"
TOO_MANY_REQUESTS = b"Too many requests, please try again later.\n"


def is_long_running(req: Request) -> bool:
    info = req.info
    return info.verb in LONG_RUNNING_VERBS or (
        info.is_resource_request and info.subresource in LONG_RUNNING_SUBRESOURCES
    )


class _Budget:
    def __init__(self, limit: int) -> None:
        self._slots = threading.BoundedSemaphore(limit)

    def try_take(self) -> bool:
        return self._slots.acquire(blocking=False)

    def give_back(self) -> None:
        self._slots.release()


def with_max_in_flight_limit(handler: Handler, non_mutating_limit: int, mutating_limit: int) -> Handler:
    """Limit concurrent requests; a limit of 0 means none (as upstream's flags), and with both 0 no filter at all."""
    if non_mutating_limit == 0 and mutating_limit == 0:
        return handler
    budgets = {
        False: _Budget(non_mutating_limit) if non_mutating_limit > 0 else None,
        True: _Budget(mutating_limit) if mutating_limit > 0 else None,
    }

    def limited(req: Request, w: ResponseWriter) -> None:
        if is_long_running(req):
            handler(req, w)
            return
        budget = budgets[req.info.verb not in READ_ONLY_VERBS]
        if budget is None:
            handler(req, w)
            return
        if not budget.try_take():
            user = req.context.user if req.context is not None else None
            if user is not None and SYSTEM_PRIVILEGED_GROUP in user.groups:
                handler(req, w)
                return
            # tooManyRequests: http.Error's plain text, not a Status.
            w.write_head(
                429,
                [
                    ("Retry-After", "1"),
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("X-Content-Type-Options", "nosniff"),
                    ("Content-Length", str(len(TOO_MANY_REQUESTS))),
                ],
            )
            w.write(TOO_MANY_REQUESTS)
            return
        try:
            handler(req, w)
        finally:
            budget.give_back()

    return limited
