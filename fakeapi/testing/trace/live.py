"""The live view (``fakeapi serve --ui``): the trace viewer served by the server itself, following it as it works.

Three routes under ``/ui``, on the API's own port, behind its own handler chain (the same
authentication and authorization as ``/healthz``; a browser reaches them through
``kubectl proxy``, which adds the kubeconfig's credentials):

- ``GET /ui/``: the viewer page, without a document, pointed at ``/ui/trace``;
- ``GET /ui/trace``: the whole trace since the view was installed, as JSON;
- ``GET /ui/trace?after=<cursor>&timeoutSeconds=N``: a watch-like long poll, answered as soon
  as something happened after the cursor (or empty after N seconds, at most 30); an answer of
  ``{"reset": true}`` tells the viewer to load the whole trace again (the changes it missed
  have left the storage's window).

The view's own requests are left out of what it shows, or each poll would wake the next.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any

from fakeapi.apimachinery import errors
from fakeapi.endpoints.http import Request, ResponseWriter, write_bytes
from fakeapi.storage.interfaces import TooOldResourceVersionError
from fakeapi.testing.trace.document import ClusterTrace, Cursor, cluster_trace, trace_document
from fakeapi.testing.trace.html import render_html
from fakeapi.util.clock import real_monotonic

if TYPE_CHECKING:
    from fakeapi.server.instance import FakeAPIServer

UI_PATH = "/ui"
TRACE_ENDPOINT = "trace"
# The longest a poll is held open (a proxy between browser and server may cut longer ones).
MAX_POLL_SECONDS = 30
# How often a held poll looks for news.
POLL_INTERVAL_SECONDS = 0.1


class LiveView:
    """The viewer routes of one server; :meth:`install` adds them to its non-resource paths."""

    def __init__(self, server: FakeAPIServer) -> None:
        self._server = server
        self._origin = real_monotonic()
        self._page = render_html(live_endpoint=TRACE_ENDPOINT).encode("utf-8")

    def install(self) -> None:
        """Serve the view from now on; what happened before is the starting state it shows."""
        self._origin = real_monotonic()
        self._server.apiserver.non_resource_handlers[UI_PATH] = self.serve

    def serve(self, req: Request, w: ResponseWriter) -> None:
        if req.method not in ("GET", "HEAD"):
            raise errors.new_generic_method_not_allowed()
        path = req.path
        if path == UI_PATH:
            # The page fetches its data relative to itself: it must be seen at /ui/.
            write_bytes(w, 301, b"", "text/plain; charset=utf-8", [("Location", f"{UI_PATH}/")])
        elif path == f"{UI_PATH}/":
            write_bytes(w, 200, self._page, "text/html; charset=utf-8", [("X-Content-Type-Options", "nosniff")])
        elif path == f"{UI_PATH}/{TRACE_ENDPOINT}":
            write_bytes(w, 200, json.dumps(self._trace(req, w), default=str).encode(), "application/json")
        else:
            raise errors.new_generic_not_found()

    def _trace(self, req: Request, w: ResponseWriter) -> dict[str, Any]:
        after_text = req.query_param("after")
        if not after_text:
            return self._document(self._cluster(None))
        try:
            after = Cursor.parse(after_text)
        except ValueError as exc:
            raise errors.new_bad_request(f"invalid after: {exc}") from None
        timeout = _timeout_seconds(req.query_param("timeoutSeconds"))
        deadline = real_monotonic() + timeout
        wake = threading.Event()
        client_gone = getattr(w, "client_gone", None)
        while True:
            if _restarted(self._server, after):
                return {"reset": True}
            done = real_monotonic() >= deadline or (client_gone is not None and client_gone())
            if _recorded_since(self._server, after) or done:
                try:
                    cluster = self._cluster(after)
                except TooOldResourceVersionError:
                    return {"reset": True}
                if cluster.versions or cluster.requests or cluster.watch_events or cluster.enqueues or done:
                    return self._document(cluster)
                # Only the view's own requests came: the cursor moves past them, so the next look does not see them again.
                after = cluster.cursor
            wake.wait(POLL_INTERVAL_SECONDS)

    def _cluster(self, after: Cursor | None) -> ClusterTrace:
        return cluster_trace(
            self._server, name=self._server.url, origin=self._origin, after=after, hidden_path_prefix=UI_PATH
        )

    def _document(self, cluster: ClusterTrace) -> dict[str, Any]:
        return trace_document([cluster], title=f"fakeapi serve at {self._server.url}", origin=self._origin, live=True)


def _timeout_seconds(text: str) -> float:
    if not text:
        return 0.0
    try:
        seconds = int(text)
    except ValueError:
        raise errors.new_bad_request(f'invalid value for timeoutSeconds: "{text}"') from None
    return float(min(max(seconds, 0), MAX_POLL_SECONDS))


def _recorded_since(server: FakeAPIServer, after: Cursor) -> bool:
    """Whether any log moved past the cursor (cheap: the whole trace is built only then)."""
    return (
        server.storage.current_revision > after.revision
        or server.audit_log.last_sequence > after.audit
        or server.watch_events.last_sequence > after.watch
        or server.enqueue_log.recorded > after.enqueue
    )


def _restarted(server: FakeAPIServer, after: Cursor) -> bool:
    """Whether the logs started over since the cursor was handed out (a reset): its positions mean nothing now."""
    return after.revision > server.storage.current_revision or after.enqueue > server.enqueue_log.recorded
