"""Serving a watch (handlers/watch.go): a chunked 200 response of newline-delimited JSON events.

The headers go out before the first event. The stream ends after timeoutSeconds (a random
30-60 minutes when not given, as upstream), when the storage ends the watch, or when the
client goes away; the server keeps serving either way. A response writer with a
``watch_started(stop)`` method is given the stream's ``stop``, so it can end the watch early.

Who writes the events: over a transport with a dispatch thread (the HTTPS server), a watch
of the storage itself is written by that one thread, as far as it can without waiting on the
client; the request's own thread takes over only what would block, and otherwise sleeps,
waking to send bookmarks and to notice the deadline (see ``fakeapi/server/stream_dispatch.py``
for why). Other watches (in-process transports, watches read through a codec) are written by
the request's thread as each event comes.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

from fakeapi.endpoints import negotiation
from fakeapi.endpoints.handlers.common import RequestScope, context_of, encode, transform, warning_headers
from fakeapi.endpoints.handlers.get import parse_list_options
from fakeapi.endpoints.http import Request, ResponseWriter, StreamWrites, WouldBlock, stream_writes
from fakeapi.registry.rest import WatchStream
from fakeapi.storage.interfaces import Object
from fakeapi.util.clock import real_monotonic

MIN_REQUEST_TIMEOUT_SECONDS = 1800
# How often an idle watch checks that its client is still connected (and whether a bookmark is due).
IDLE_POLL_SECONDS = 1.0

EventEncoder = Callable[[str, Object], bytes]


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
    encode_event = _event_encoder(req, scope, output)
    transport = stream_writes(w)
    dispatched = None if transport is None else _DispatchedWatch(stream, w, transport, encode_event)
    client_gone = getattr(w, "client_gone", None)

    def hung_up() -> None:
        stream.stop()
        if dispatched is not None:
            dispatched.woken.set()  # straight to the request's thread, which ends the response

    # A transport that reads in the background ends the stream the moment the client hangs up.
    on_client_gone = getattr(w, "on_client_gone", None)
    if on_client_gone is not None:
        on_client_gone(hung_up)

    def ended() -> bool:
        return real_monotonic() >= deadline or stream.stopped or (client_gone is not None and client_gone())

    try:
        if dispatched is not None and _notify(stream, dispatched.schedule):
            dispatched.write_from_here()  # the initial events
            while not dispatched.done and not ended():
                dispatched.woken.wait(min(deadline - real_monotonic(), IDLE_POLL_SECONDS))
                dispatched.write_from_here()
        else:
            _write_from_here(stream, w, encode_event, deadline, ended)
    except (ConnectionError, OSError):
        return
    finally:
        if dispatched is not None:
            dispatched.close()
        stream.stop()


def _event_encoder(req: Request, scope: RequestScope, output: negotiation.Output) -> EventEncoder:
    """The bytes of each event of this watch, in the media type and transform the client asked for."""
    first_table = True

    def encode_event(event_type: str, obj: Object) -> bytes:
        nonlocal first_table
        payload: Any = obj
        if output.transform and event_type != "ERROR":
            # A Table's column definitions are sent with the first event only.
            payload = transform(obj, output, req, scope, no_headers=not first_table)
            first_table = False
        if output.media_type == negotiation.YAML:
            return encode({"type": event_type, "object": payload}, output.media_type) + b"\n"
        # One encoding of each object version, shared by every watcher (and lists and gets).
        return scope.encodings.watch_event(event_type, payload)

    return encode_event


def _notify(stream: WatchStream, on_change: Callable[[], None]) -> bool:
    """Ask ``stream`` to call ``on_change`` when it may have an event; False where it cannot."""
    notify = getattr(stream, "notify", None)
    return notify is not None and bool(notify(on_change))


def _write_from_here(
    stream: WatchStream, w: ResponseWriter, encode_event: EventEncoder, deadline: float, ended: Callable[[], bool]
) -> None:
    """Write each event from the request's own thread as it comes, until the stream ends."""
    while (remaining := deadline - real_monotonic()) > 0:
        event = stream.next(min(remaining, IDLE_POLL_SECONDS))
        if event is None:
            if ended():
                return
            continue
        w.write(encode_event(*event))
        if event[0] == "ERROR":
            return


class _DispatchedWatch:
    """A watch whose events the transport's dispatch thread writes, as far as it can without blocking.

    Whoever holds ``_lock`` writes. The dispatch thread only tries the lock (it must never wait
    on one client while others' events are due); when it cannot take it, it leaves a note
    (``_missed``) that the holder reads once it let go. When a write would block, or an event
    fails, or the stream ends, the dispatch thread sets ``woken`` and the request's thread takes
    over: it writes the rest, waiting as long as the client needs, then hands back.
    """

    def __init__(
        self, stream: WatchStream, w: ResponseWriter, transport: StreamWrites, encode_event: EventEncoder
    ) -> None:
        self._stream = stream
        self._w = w
        self._transport = transport
        self._encode_event = encode_event
        self._lock = threading.Lock()
        # An event whose write would have blocked: (bytes, whether it ends the watch), written again first.
        self._unsent: tuple[bytes, bool] | None = None
        self._failure: BaseException | None = None
        self._scheduled = False
        self._missed = False
        self.done = False
        self.woken = threading.Event()

    def schedule(self) -> None:
        """The stream may have something new (called by the storage, under its lock: only hand it on)."""
        if not self._scheduled:
            self._scheduled = True
            self._transport.dispatch(self._write_from_dispatcher)

    def _write_from_dispatcher(self) -> None:
        self._scheduled = False
        while True:
            if not self._lock.acquire(blocking=False):
                self._missed = True
                # The holder may have let go (and read the note) in between: try once more.
                if not self._lock.acquire(blocking=False):
                    return  # the holder reads the note once it lets go, and writes what came meanwhile
            try:
                self._missed = False
                if self.done or self.woken.is_set():
                    return  # the request's thread has it
                try:
                    with self._transport.nonblocking():
                        self._write_pending()
                except WouldBlock:
                    pass
                except BaseException as exc:  # handed to the request's thread, which raises it
                    self._failure = exc
                if self._unsent is not None or self._failure is not None or self.done or self._stream.stopped:
                    self.woken.set()
                    return
            finally:
                self._lock.release()
            if not self._missed:
                return

    def write_from_here(self) -> None:
        """On the request's thread: write what the dispatch thread left, and anything due (bookmarks)."""
        while True:
            with self._lock:
                self._missed = False
                self.woken.clear()
                if self._failure is not None:
                    failure, self._failure = self._failure, None
                    raise failure
                self._write_pending()
            if not self._missed:
                return

    def _write_pending(self) -> None:
        if self._unsent is not None:
            self._send(*self._unsent)
        while not self.done and (event := self._stream.next(0)) is not None:
            self._send(self._encode_event(*event), event[0] == "ERROR")

    def _send(self, data: bytes, last: bool) -> None:
        self._unsent = (data, last)
        self._w.write(data)
        self._unsent = None
        self.done = last

    def close(self) -> None:
        """The response ends: nothing may be written after this returns."""
        with self._lock:
            self.done = True
