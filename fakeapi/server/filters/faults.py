"""Fault injection: the innermost filter, between authorization and the director.

No upstream counterpart (the nearest are the shutdown-time WithRetryAfter and the 429s of
priority and fairness). A request that a rule of the server's FaultInjector selects is held
for the rule's delay (real time), then answered with the rule's Status, or served. Watches are
registered while they stream, so ``FaultInjector.cut_watches`` can end them: the watch
handler hands its stream's ``stop`` to a writer that has ``watch_started``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from fakeapi.endpoints.http import Handler, Request, ResponseWriter, ResponseWriterWrapper, encode_json
from fakeapi.testing.faults import FaultInjector, OpenWatch

__all__ = ["with_faults"]


class _WatchWriter(ResponseWriterWrapper):
    """Passes everything through; tells the injector when the watch handler's stream starts."""

    def __init__(self, inner: ResponseWriter, injector: FaultInjector, req: Request) -> None:
        super().__init__(inner)
        self._injector = injector
        self._req = req
        self.watch: OpenWatch | None = None

    def watch_started(self, stop: Callable[[], None]) -> None:
        self.watch = self._injector.watch_opened(self._req, stop)


def with_faults(handler: Handler, injector: FaultInjector) -> Handler:
    """Apply ``injector``'s rules to each request, and register watches so that they can be cut."""

    def inject(req: Request, w: ResponseWriter) -> None:
        fault = injector.take(req)
        if fault is not None:
            if fault.rule.delay > 0:
                # A private Event: its wait runs on the real clock, which a frozen test clock cannot stop.
                threading.Event().wait(fault.rule.delay)
            if fault.error is not None:
                if fault.rule.watch_error_event and req.info.verb == "watch":
                    w.write_head(200, [("Content-Type", "application/json")])
                    w.write(encode_json({"type": "ERROR", "object": fault.error.status}) + b"\n")
                    return
                raise fault.error
        if req.info.verb != "watch":
            handler(req, w)
            return
        writer = _WatchWriter(w, injector, req)
        try:
            handler(req, writer)
        finally:
            if writer.watch is not None:
                injector.watch_closed(writer.watch)

    return inject
