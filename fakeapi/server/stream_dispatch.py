"""One thread that writes the events of every open watch, so an event reaches a hundred watchers
without waking a hundred threads.

Go serves each watch from a goroutine of its own (handlers/watch.go's serveWatch), and waking a
goroutine costs next to nothing. Here a connection's thread is an OS thread behind the GIL:
waking a hundred of them for one event costs about 0.3 ms of CPU each (futexes and GIL hand-offs
on two cores), and the last watcher heard of an event tens of milliseconds after the first.
So the transport keeps one dispatch thread per server: a streaming handler hands it a job
whenever its stream has something new, and the job writes what it can without blocking (see
``_ResponseWriter.nonblocking``), leaving the rest (a client that reads slowly, whose socket is
full) to the handler's own thread, which may wait.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable


class StreamDispatcher:
    """Runs submitted jobs one after another on a thread started by the first one."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopped = False

    def submit(self, job: Callable[[], None]) -> None:
        """Run ``job`` soon on the dispatch thread; it must not block (it would hold up every other stream)."""
        if self._thread is None:
            with self._lock:
                if self._thread is None and not self._stopped:
                    self._thread = threading.Thread(target=self._run, name="fakeapi-stream-dispatch", daemon=True)
                    self._thread.start()
        self._jobs.put(job)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            # A job hands its own failures to its stream's thread; one that raises anyway must not
            # end the writing of every other stream.
            with contextlib.suppress(Exception):
                job()

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            thread = self._thread
        self._jobs.put(None)
        if thread is not None:
            thread.join(1.0)
