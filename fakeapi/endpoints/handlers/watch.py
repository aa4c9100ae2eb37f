"""Serving a watch (handlers/watch.go): a chunked 200 response of newline-delimited JSON events.

The headers go out before the first event. The stream ends after timeoutSeconds (a random
30-60 minutes when not given, as upstream), when the storage ends the watch, or when the
client goes away; the server keeps serving either way. A response writer with a
``watch_started(stop)`` method is given the stream's ``stop``, so it can end the watch early.
"""

from __future__ import annotations

import random
from typing import Any

from fakeapi.endpoints import negotiation
from fakeapi.endpoints.handlers.common import RequestScope, context_of, encode, transform, warning_headers
from fakeapi.endpoints.handlers.get import parse_list_options
from fakeapi.endpoints.http import Request, ResponseWriter
from fakeapi.util.clock import real_monotonic

MIN_REQUEST_TIMEOUT_SECONDS = 1800
# How often an idle watch checks that its client is still connected.
IDLE_POLL_SECONDS = 1.0


def serve_watch(req: Request, w: ResponseWriter, scope: RequestScope) -> None:
    # A watch of one object (…/watch/…/<name>) is a watch filtered on metadata.name.
    options = parse_list_options(req, watch=True, name=req.info.name)
    output = negotiation.negotiate_output(req.headers.get("Accept"))
    stream = scope.storage.watch(context_of(req), options)
    # A writer that tracks open watches (fault injection cuts them) gets the way to end this one.
    watch_started = getattr(w, "watch_started", None)
    if watch_started is not None:
        watch_started(stream.stop)
    timeout = options.timeout_seconds
    # handlers/get.go: only a missing or zero timeout gets the default; a negative one ends the watch at once.
    if not timeout:
        timeout = int(MIN_REQUEST_TIMEOUT_SECONDS * (1 + random.random()))
    deadline = real_monotonic() + timeout
    content_type = negotiation.YAML if output.media_type == negotiation.YAML else negotiation.JSON
    w.write_head(200, [("Content-Type", content_type), *warning_headers(req.context)])
    first_table = True
    client_gone = getattr(w, "client_gone", None)
    # A transport that reads in the background ends the stream the moment the client hangs up.
    on_client_gone = getattr(w, "on_client_gone", None)
    if on_client_gone is not None:
        on_client_gone(stream.stop)
    try:
        while True:
            remaining = deadline - real_monotonic()
            if remaining <= 0:
                return
            event = stream.next(min(remaining, IDLE_POLL_SECONDS))
            if event is None:
                if stream.stopped or (client_gone is not None and client_gone()):
                    return
                continue
            event_type, obj = event
            payload: Any = obj
            if output.transform and event_type != "ERROR":
                # A Table's column definitions are sent with the first event only.
                payload = transform(obj, output.transform, req, scope, no_headers=not first_table)
                first_table = False
            if output.media_type == negotiation.YAML:
                data = encode({"type": event_type, "object": payload}, output.media_type) + b"\n"
            else:
                # One encoding of each object version, shared by every watcher (and lists and gets).
                data = scope.encodings.watch_event(event_type, payload)
            w.write(data)
            if event_type == "ERROR":
                return
    except (ConnectionError, OSError):
        return
    finally:
        stream.stop()
