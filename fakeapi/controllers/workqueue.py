"""A rate-limited, de-duplicating work queue (k8s.io/client-go/util/workqueue).

``add`` of a key already waiting is a no-op; a key added while it is being processed is
marked dirty and queued again when ``done`` is called, so a key is never processed by two
workers at once and never lost. ``add_rate_limited`` retries a failing key after an
exponential per-item back-off (5 ms · 2ⁿ, capped at 1000 s), ``forget`` resets it. Delays use
the real monotonic clock, so a frozen test clock does not stop retries. ``wait_idle`` lets a
caller wait until nothing is queued or being processed (a server waits so for its bootstrap
work), and ``clear`` drops everything queued when the state behind the keys is reset.

``add_at`` is the other kind of delay: a key due at a moment of the *server's* clock (the wall
clock, which freezegun moves), for work that waits on object times (minReadySeconds, a Job's
deadline, a CronJob's next schedule). Such keys count as queued as soon as that moment has
come, so a test that moves the clock and settles sees the work done.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

from fakeapi.util.clock import real_monotonic, wall_seconds

K = TypeVar("K", bound=Hashable)

BASE_DELAY_SECONDS = 0.005
MAX_DELAY_SECONDS = 1000.0


class ItemExponentialFailureRateLimiter(Generic[K]):
    def __init__(self, base_delay: float = BASE_DELAY_SECONDS, max_delay: float = MAX_DELAY_SECONDS) -> None:
        self._failures: dict[K, int] = {}
        self._base = base_delay
        self._max = max_delay
        self._lock = threading.Lock()

    def when(self, key: K) -> float:
        with self._lock:
            failures = self._failures.get(key, 0)
            self._failures[key] = failures + 1
        return min(self._base * (2**failures), self._max)

    def forget(self, key: K) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._failures.clear()

    def num_requeues(self, key: K) -> int:
        with self._lock:
            return self._failures.get(key, 0)


class RateLimitingQueue(Generic[K]):
    def __init__(self, rate_limiter: ItemExponentialFailureRateLimiter[K] | None = None) -> None:
        lock = threading.Lock()
        self._condition = threading.Condition(lock)
        # Waiters for idleness get their own condition, so a notify meant for a worker never wakes them instead.
        self._idle = threading.Condition(lock)
        self._queue: deque[K] = deque()
        self._dirty: set[K] = set()
        self._processing: set[K] = set()
        self._waiting: list[tuple[float, int, K]] = []
        # Keys due at a wall-clock time (seconds since the epoch), see add_at; the flag marks periodic work.
        self._scheduled: list[tuple[float, int, K, bool]] = []
        self._sequence = itertools.count()
        self._shutting_down = False
        self.rate_limiter = rate_limiter or ItemExponentialFailureRateLimiter()

    def add(self, key: K) -> None:
        with self._condition:
            if self._shutting_down or key in self._dirty:
                return
            self._dirty.add(key)
            if key not in self._processing:
                self._queue.append(key)
                self._condition.notify()

    def add_after(self, key: K, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        with self._condition:
            if self._shutting_down:
                return
            heapq.heappush(self._waiting, (real_monotonic() + delay, next(self._sequence), key))
            self._condition.notify()

    def add_at(self, key: K, wall_time: float, *, periodic: bool = False) -> None:
        """Queue ``key`` once the wall clock reads ``wall_time`` (seconds since the epoch) or later.

        ``periodic`` marks a heartbeat (a Lease renewal, a monitor's round) that a jump of the
        server clock need not stop for (see ``next_scheduled``).
        """
        with self._condition:
            if self._shutting_down:
                return
            heapq.heappush(self._scheduled, (wall_time, next(self._sequence), key, periodic))
            self._promote_scheduled()
            self._condition.notify()

    def add_rate_limited(self, key: K) -> None:
        self.add_after(key, self.rate_limiter.when(key))

    def forget(self, key: K) -> None:
        self.rate_limiter.forget(key)

    def _promote(self, key: K) -> None:
        if key not in self._dirty:
            self._dirty.add(key)
            if key not in self._processing:
                self._queue.append(key)

    def _promote_scheduled(self) -> None:
        """Move keys due on the wall clock into the queue."""
        if not self._scheduled:
            return
        now = wall_seconds()
        while self._scheduled and self._scheduled[0][0] <= now:
            self._promote(heapq.heappop(self._scheduled)[2])

    def _promote_due(self) -> float | None:
        """Move delayed keys whose time has come into the queue; the seconds until the next back-off one.

        Keys scheduled on the wall clock are looked at on every call; a background worker calls
        this at least every poll interval, which is how often such keys are noticed.
        """
        self._promote_scheduled()
        now = real_monotonic()
        while self._waiting and self._waiting[0][0] <= now:
            self._promote(heapq.heappop(self._waiting)[2])
        return self._waiting[0][0] - now if self._waiting else None

    def get(self, timeout: float | None = None) -> K | None:
        """The next key to process, or None on shutdown or when ``timeout`` passes first."""
        deadline = None if timeout is None else real_monotonic() + timeout
        with self._condition:
            while True:
                next_due = self._promote_due()
                if self._queue:
                    key = self._queue.popleft()
                    self._processing.add(key)
                    self._dirty.discard(key)
                    return key
                if self._shutting_down:
                    return None
                wait = next_due
                if deadline is not None:
                    remaining = deadline - real_monotonic()
                    if remaining <= 0:
                        return None
                    wait = remaining if wait is None else min(wait, remaining)
                self._condition.wait(wait)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until a key can be taken, without taking it; False on timeout or shutdown."""
        deadline = real_monotonic() + timeout
        with self._condition:
            while True:
                next_due = self._promote_due()
                if self._queue:
                    return True
                remaining = deadline - real_monotonic()
                if self._shutting_down or remaining <= 0:
                    return False
                self._condition.wait(remaining if next_due is None else min(next_due, remaining))

    def get_nowait(self) -> K | None:
        with self._condition:
            self._promote_due()
            if not self._queue:
                return None
            key = self._queue.popleft()
            self._processing.add(key)
            self._dirty.discard(key)
            return key

    def done(self, key: K) -> None:
        with self._condition:
            self._processing.discard(key)
            if key in self._dirty:
                self._queue.append(key)
                self._condition.notify()
            elif not self._queue and not self._processing:
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no key is queued or being processed (delayed retries do not count); False on timeout."""
        deadline = real_monotonic() + timeout
        with self._idle:
            while self._queue or self._processing:
                remaining = deadline - real_monotonic()
                if remaining <= 0:
                    return False
                self._idle.wait(remaining)
            return True

    def clear(self) -> None:
        """Drop every queued and delayed key and all back-off; keys being processed finish but are not requeued."""
        with self._condition:
            self._queue.clear()
            self._dirty.clear()
            self._waiting.clear()
            self._scheduled.clear()
            self._idle.notify_all()
        self.rate_limiter.clear()

    def shut_down(self) -> None:
        with self._condition:
            self._shutting_down = True
            self._condition.notify_all()

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def __len__(self) -> int:
        """Keys ready to be taken, counting those whose wall-clock time has come (back-off ones do not)."""
        with self._condition:
            self._promote_scheduled()
            return len(self._queue)

    def next_scheduled(self, *, periodic: bool = True) -> float | None:
        """The wall-clock time of the earliest key still waiting for it (add_at), or None; without periodic ones
        when ``periodic`` is False."""
        with self._condition:
            self._promote_scheduled()
            return min((entry[0] for entry in self._scheduled if periodic or not entry[3]), default=None)

    def pending_delayed(self) -> int:
        with self._condition:
            return len(self._waiting)
