"""The shared shape of every controller: a Listener whose queue a ControllerRunner drains.

``QueueController`` owns a RateLimitingQueue and a ``sync(key)`` function. ``enqueue_key``
(and, for single-key controllers, ``enqueue``) adds to the queue and records the enqueue in
the server's :class:`EnqueueLog`, so tests can assert on what was enqueued and why.
``run_once`` drains the queue synchronously and raises the first sync error; ``run`` drains it
in worker threads and retries failures with back-off until stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fakeapi.controllers.workqueue import RateLimitingQueue
from fakeapi.util.clock import real_monotonic

logger = logging.getLogger("fakeapi.controllers")

K = TypeVar("K", bound=Hashable)

# run_once processes at most this many keys, so a sync that re-enqueues itself cannot loop forever.
RUN_ONCE_MAX_ITEMS = 100_000
WORKER_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class EnqueueEvent:
    """One enqueue delivered to a Listener: who was told, which key, and what caused it."""

    listener: str
    key: Any
    cause: str
    at: float


class EnqueueLog:
    """Every enqueue of a server's listeners, in order (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[EnqueueEvent] = []
        self._condition = threading.Condition(self._lock)

    def record(self, listener: str, key: Any, cause: str) -> None:
        with self._condition:
            self._events.append(EnqueueEvent(listener, key, cause, real_monotonic()))
            self._condition.notify_all()

    @property
    def events(self) -> list[EnqueueEvent]:
        with self._lock:
            return list(self._events)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()

    def wait_for(self, predicate: Callable[[EnqueueEvent], bool], timeout: float) -> EnqueueEvent | None:
        """The first recorded event matching ``predicate``, waiting up to ``timeout`` seconds for it."""
        deadline = real_monotonic() + timeout
        with self._condition:
            while True:
                match = next((e for e in self._events if predicate(e)), None)
                remaining = deadline - real_monotonic()
                if match is not None or remaining <= 0:
                    return match
                self._condition.wait(remaining)


class QueueController(Generic[K]):
    """A Listener plus ControllerRunner over a de-duplicating, rate-limited queue."""

    #: The key ``enqueue()`` adds, for controllers that only ever sync one thing.
    default_key: Any = "key"

    def __init__(self, name: str, sync: Callable[[K], None], log: EnqueueLog | None = None) -> None:
        self.name = name
        self._sync = sync
        self.log = log
        self.queue: RateLimitingQueue[K] = RateLimitingQueue()

    def enqueue(self) -> None:
        """Listener.enqueue: something this controller watches may have changed."""
        self.enqueue_key(self.default_key, cause="enqueue")

    def enqueue_key(self, key: K, cause: str = "") -> None:
        if self.log is not None:
            self.log.record(self.name, key, cause)
        self.queue.add(key)

    def run_once(self) -> None:
        """Sync every queued key now (including keys queued while syncing); raise the first failure."""
        for _ in range(RUN_ONCE_MAX_ITEMS):
            key = self.queue.get_nowait()
            if key is None:
                return
            try:
                self._sync(key)
                self.queue.forget(key)
            finally:
                self.queue.done(key)
        raise RuntimeError(f"{self.name}: the queue did not drain after {RUN_ONCE_MAX_ITEMS} items")

    def run(self, stop: threading.Event, workers: int = 1) -> None:
        threads = [
            threading.Thread(target=self._worker, args=(stop,), name=f"{self.name}-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in threads:
            thread.start()
        stop.wait()
        self.queue.shut_down()
        for thread in threads:
            thread.join(5)

    def _worker(self, stop: threading.Event) -> None:
        while not stop.is_set():
            key = self.queue.get(timeout=WORKER_POLL_SECONDS)
            if key is None:
                continue
            try:
                self._sync(key)
                self.queue.forget(key)
            except Exception:
                logger.exception("%s: sync of %r failed; retrying", self.name, key)
                self.queue.add_rate_limited(key)
            finally:
                self.queue.done(key)
