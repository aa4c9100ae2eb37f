"""Noticing at once that a streaming client hung up, as Go's net/http does with its background read.

While a handler streams (a watch), Go's server keeps reading the connection in the background
(``connReader.startBackgroundRead`` in net/http/server.go): a client's close (a TLS close_notify,
or EOF) cancels the request's context straight away, the watch ends, and the server closes the
connection with a close_notify of its own. A client that closes an open watch (aiohttp when a
session or response is closed) waits for that answer before it lets go of its socket, and a loop
that stops first leaves the socket unclosed, so the answer must come promptly.

One thread per server watches every streaming connection for readability, and calls the stop of
the stream whose client hung up; registrations reach it through a wake-up socket pair.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Callable


class BackgroundReads:
    """Calls a connection's callback once its client sends anything (a streaming client only hangs up)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[tuple[socket.socket, Callable[[], None] | None]] = []
        self._thread: threading.Thread | None = None
        self._selector: selectors.BaseSelector | None = None
        self._wake_read, self._wake_write = socket.socketpair()
        self._stopped = False

    def watch(self, connection: socket.socket, on_hangup: Callable[[], None]) -> None:
        """Call ``on_hangup`` (from the watcher's thread) when ``connection`` becomes readable."""
        self._change(connection, on_hangup)

    def unwatch(self, connection: socket.socket) -> None:
        self._change(connection, None)

    def _change(self, connection: socket.socket, on_hangup: Callable[[], None] | None) -> None:
        with self._lock:
            if self._stopped:
                return
            self._pending.append((connection, on_hangup))
            if self._thread is None:
                self._selector = selectors.DefaultSelector()
                self._selector.register(self._wake_read, selectors.EVENT_READ)
                self._thread = threading.Thread(target=self._run, name="fakeapi-background-read", daemon=True)
                self._thread.start()
        with contextlib.suppress(OSError):
            self._wake_write.send(b"\0")

    def _apply_pending(self, selector: selectors.BaseSelector) -> bool:
        """Registrations made since the last select; False once stopped."""
        with self._lock:
            pending, self._pending = self._pending, []
            stopped = self._stopped
        for connection, on_hangup in pending:
            with contextlib.suppress(KeyError, ValueError, OSError):
                selector.unregister(connection)
            if on_hangup is not None:
                with contextlib.suppress(ValueError, OSError):
                    selector.register(connection, selectors.EVENT_READ, on_hangup)
        return not stopped

    def _run(self) -> None:
        selector = self._selector
        assert selector is not None
        while self._apply_pending(selector):
            for key, _ in selector.select():
                if key.fileobj is self._wake_read:
                    with contextlib.suppress(OSError):
                        self._wake_read.recv(4096)
                    continue
                with contextlib.suppress(KeyError, ValueError, OSError):
                    selector.unregister(key.fileobj)
                key.data()
        selector.close()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            thread = self._thread
        with contextlib.suppress(OSError):
            self._wake_write.send(b"\0")
        if thread is not None:
            thread.join(1.0)
        self._wake_read.close()
        self._wake_write.close()
