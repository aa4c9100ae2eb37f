"""The shared shape of every controller: a Listener whose queue a ControllerRunner drains.

``QueueController`` owns a RateLimitingQueue and a ``sync(key)`` function. ``enqueue_key``
(and, for single-key controllers, ``enqueue``) adds to the queue and records the enqueue in
the server's :class:`EnqueueLog`, so tests can assert on what was enqueued and why.
``run_once`` drains the queue synchronously and raises the first sync error; ``run`` drains it
in worker threads and retries failures with back-off until stopped. A sync that made progress
but has to look again later (a namespace waiting for finalizers) raises :class:`Requeue`: the
key comes back after the queue's back-off, and nothing is logged or raised;
:func:`retry_on_conflict` requeues a write that kept conflicting that way.

``paused()`` waits for running syncs to finish and holds new ones off, as the garbage
collector's workerLock does upstream, so a server can reset the state behind the keys
(``clear``) without a worker acting on half of it. Workers take a key only once they are let
through, so a paused controller's workers hold none, and the thread that paused it may step it
with ``run_once`` meanwhile: that is how a server settles its controllers in a fixed order.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from fakeapi.apimachinery import errors
from fakeapi.controllers.workqueue import RateLimitingQueue
from fakeapi.util.clock import real_monotonic, wait_for_first, wall_seconds

logger = logging.getLogger("fakeapi.controllers")

K = TypeVar("K", bound=Hashable)

# run_once processes at most this many keys, so a sync that re-enqueues itself cannot loop forever.
RUN_ONCE_MAX_ITEMS = 100_000
WORKER_POLL_SECONDS = 0.1
# How long paused() waits for running syncs; syncs only wait on in-process requests, so this is generous.
PAUSE_TIMEOUT_SECONDS = 30.0


class Requeue(Exception):
    """Raised by a sync that has to look at its key again later: the key is retried with back-off."""


def retry_on_conflict(tries: int, write: Callable[[], None], gave_up: str) -> None:
    """retry.RetryOnConflict within one sync: ``write`` reads the current state, then writes.

    A 409 Conflict runs it again, ``tries`` times at most, after which :class:`Requeue` is raised
    with ``gave_up``; a 404 ends it quietly (the object is gone); other errors are raised.
    """
    for _ in range(tries):
        try:
            write()
            return
        except errors.StatusError as exc:
            if exc.code == 404:
                return
            if exc.code != 409:
                raise
    raise Requeue(gave_up)


class _WorkerGate:
    """Any number of syncs at once, or one holder with no sync beside it (a reader-writer lock)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._active = 0
        self._closed = False
        self._holder: int | None = None

    @contextmanager
    def sync(self) -> Iterator[None]:
        with self._condition:
            # The holder's own syncs pass: a paused controller can be stepped by the thread that paused it.
            while self._closed and self._holder != threading.get_ident():
                self._condition.wait()
            self._active += 1
        try:
            yield
        finally:
            with self._condition:
                self._active -= 1
                self._condition.notify_all()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        deadline = real_monotonic() + PAUSE_TIMEOUT_SECONDS
        with self._condition:
            if not self._condition.wait_for(lambda: not self._closed, PAUSE_TIMEOUT_SECONDS):
                raise TimeoutError("another caller kept the controller paused")
            # Closed before waiting, so syncs that would start meanwhile wait instead of starving us.
            self._closed = True
            if not self._condition.wait_for(lambda: not self._active, max(deadline - real_monotonic(), 0)):
                self._closed = False
                self._condition.notify_all()
                raise TimeoutError(f"syncs still running after {PAUSE_TIMEOUT_SECONDS} s")
            self._holder = threading.get_ident()
        try:
            yield
        finally:
            with self._condition:
                self._closed = False
                self._holder = None
                self._condition.notify_all()


@dataclass(frozen=True)
class EnqueueEvent:
    """One enqueue delivered to a Listener: who was told, which key, and what caused it."""

    listener: str
    key: Any
    cause: str
    at: float


# How many enqueues a log keeps (a test's run of a busy cluster stays well below).
DEFAULT_ENQUEUE_LOG_CAPACITY = 10_000


class EnqueueLog:
    """The last ``capacity`` enqueues of a server's listeners, in order (thread-safe).

    Bounded, so a long-running server (``fakeapi serve``) keeps a level memory; a test starts
    from an empty log at each reset.
    """

    def __init__(self, capacity: int = DEFAULT_ENQUEUE_LOG_CAPACITY) -> None:
        self._lock = threading.Lock()
        self._events: deque[EnqueueEvent] = deque(maxlen=capacity)
        self._condition = threading.Condition(self._lock)
        # How many were recorded since the last clear(), dropped ones included.
        self._recorded = 0

    def record(self, listener: str, key: Any, cause: str) -> None:
        with self._condition:
            self._events.append(EnqueueEvent(listener, key, cause, real_monotonic()))
            self._recorded += 1
            self._condition.notify_all()

    @property
    def events(self) -> list[EnqueueEvent]:
        with self._lock:
            return list(self._events)

    @property
    def recorded(self) -> int:
        """How many enqueues were recorded since the last clear(), dropped ones included."""
        return self._recorded

    def since(self, position: int) -> tuple[list[EnqueueEvent], int]:
        """The events recorded after the first ``position`` ones (those still kept), and the position now."""
        with self._lock:
            first_kept = self._recorded - len(self._events)
            skip = max(position - first_kept, 0)
            return [e for index, e in enumerate(self._events) if index >= skip], self._recorded

    def replay(self, events: list[EnqueueEvent]) -> None:
        """Record ``events`` again, as happening now (a reset that copies a recorded bootstrap)."""
        for event in events:
            self.record(event.listener, event.key, event.cause)

    def clear(self) -> None:
        with self._lock:
            self._events.clear()
            self._recorded = 0

    def wait_for(self, predicate: Callable[[EnqueueEvent], bool], timeout: float) -> EnqueueEvent | None:
        """The first recorded event matching ``predicate``, waiting up to ``timeout`` seconds for it."""
        return wait_for_first(self._condition, self._events, predicate, timeout)


class QueueController(Generic[K]):
    """A Listener plus ControllerRunner over a de-duplicating, rate-limited queue."""

    #: The key ``enqueue()`` adds, for controllers that only ever sync one thing.
    default_key: Any = "key"

    def __init__(self, name: str, sync: Callable[[K], None], log: EnqueueLog | None = None) -> None:
        self.name = name
        self._sync = sync
        self.log = log
        self.queue: RateLimitingQueue[K] = RateLimitingQueue()
        self._gate = _WorkerGate()
        #: Told of every exception a background sync raised (after it is logged and the key requeued).
        self.on_error: Callable[[Exception], None] | None = None

    def enqueue(self) -> None:
        """Listener.enqueue: something this controller watches may have changed."""
        self.enqueue_key(self.default_key, cause="enqueue")

    def enqueue_key(self, key: K, cause: str = "") -> None:
        if self.log is not None:
            self.log.record(self.name, key, cause)
        self.queue.add(key)

    def enqueue_after(self, key: K, seconds: float, cause: str = "", *, periodic: bool = False) -> None:
        """AddAfter on the server clock: sync ``key`` once ``seconds`` of wall-clock time have passed.

        For work that waits on object times (minReadySeconds, deadlines, schedules); a test that
        freezes time moves it forward and settles. Zero or less queues the key now. ``periodic``
        marks a heartbeat that a jump of the server clock runs at its stops rather than stopping
        for (``fakeapi.testing.clock``).
        """
        if seconds <= 0:
            self.enqueue_key(key, cause)
            return
        if self.log is not None:
            self.log.record(self.name, key, f"{cause} (after {seconds:g} s)" if cause else f"after {seconds:g} s")
        self.queue.add_at(key, wall_seconds() + seconds, periodic=periodic)

    def run_once(self) -> None:
        """Sync every queued key now (including keys queued while syncing); raise the first failure.

        Keys whose sync raised :class:`Requeue`, or met an API answer it could not get past (a
        refused create, a conflict: processNextWorkItem requeues those with rate limiting upstream),
        are queued again with back-off once the queue has drained, so one call never spins on a
        key that is waiting for something else.
        """
        requeue: list[K] = []
        try:
            for _ in range(RUN_ONCE_MAX_ITEMS):
                key = self.queue.get_nowait()
                if key is None:
                    return
                try:
                    with self._gate.sync():
                        self._sync(key)
                    self.queue.forget(key)
                except Requeue:
                    requeue.append(key)
                except errors.StatusError as exc:
                    logger.warning("%s: sync of %r failed; retrying: %s", self.name, key, exc.message)
                    requeue.append(key)
                finally:
                    self.queue.done(key)
            raise RuntimeError(f"{self.name}: the queue did not drain after {RUN_ONCE_MAX_ITEMS} items")
        finally:
            for key in requeue:
                self.queue.add_rate_limited(key)

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
            try:
                ready = self.queue.wait_ready(WORKER_POLL_SECONDS)
            except Exception:
                # Reading the wall clock for keys due on it can fail while another thread starts or
                # stops freezegun (its state changes under this thread): the worker must outlive that.
                logger.exception("%s: waiting for work failed; waiting again", self.name)
                stop.wait(WORKER_POLL_SECONDS)
                continue
            if not ready:
                continue
            with self._gate.sync():
                # Taken only once let through, so a paused controller's workers hold no key.
                key = self.queue.get_nowait()
                if key is not None:
                    self._process(key)

    def _process(self, key: K) -> None:
        try:
            self._sync(key)
            self.queue.forget(key)
        except Requeue as wait:
            logger.debug("%s: %r requeued: %s", self.name, key, wait)
            self.queue.add_rate_limited(key)
        except Exception as exc:
            if isinstance(exc, errors.StatusError):
                # An API answer (a refused create, a conflict): one line, as utilruntime.HandleError logs it.
                logger.warning("%s: sync of %r failed; retrying: %s", self.name, key, exc.message)
            else:
                logger.exception("%s: sync of %r failed; retrying", self.name, key)
            self.queue.add_rate_limited(key)
            if self.on_error is not None:
                self.on_error(exc)
        finally:
            self.queue.done(key)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Wait for running syncs to finish and start no new one until the block ends."""
        with self._gate.exclusive():
            yield

    def clear(self) -> None:
        """Forget everything queued and any state derived from earlier events (call it while paused)."""
        self.queue.clear()
        self.reset_state()

    def reset_state(self) -> None:
        """Drop caches built from past events; controllers that keep such state override this."""

    def restored(self) -> None:
        """A reset copied a recorded cluster whose work was all done: re-arm only what waits on the clock.

        Called after ``clear`` and the copy. Controllers whose ``reset_state`` queued a fresh start
        (the kubelets' node registration), or that keep timers (lease renewals), override it: drop
        that start, and schedule the timers without logging, as the recorded cluster had them.
        """

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or being synced (back-off retries do not count); False on timeout."""
        return self.queue.wait_idle(timeout)
