"""The two clocks of fakeapi.

Object timestamps (creationTimestamp, deletionTimestamp, managedFields times) come from the
wall clock read at call time, so a test that freezes time with freezegun sees them frozen.
Everything that *waits* (watch timeouts, shutdown) uses a real monotonic clock. freezegun
replaces ``time.monotonic`` wherever it finds it as a module attribute, so the real function
is kept inside a closure where that scan cannot reach it. :func:`wait_for_first` waits on it
for an item that other threads record (the audit, watch event and enqueue logs).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T")


def _capture_real_monotonic() -> Callable[[], float]:
    real = time.monotonic

    def monotonic() -> float:
        return real()

    return monotonic


real_monotonic = _capture_real_monotonic()


def _capture_real_utc_now() -> Callable[[], datetime]:
    real = datetime

    def real_utc_now() -> datetime:
        return real.now(UTC)

    return real_utc_now


_real_utc_now = _capture_real_utc_now()


def wait_for_first(
    condition: threading.Condition, items: Iterable[T], wanted: Callable[[T], bool], timeout: float
) -> T | None:
    """The first of ``items`` that is ``wanted``, waiting up to ``timeout`` seconds (real time) for it.

    ``items`` is a collection other threads add to while holding ``condition``, which they then
    notify; it is searched again after each notification. Returns None on timeout.
    """
    deadline = real_monotonic() + timeout
    with condition:
        while True:
            match = next((item for item in items if wanted(item)), None)
            remaining = deadline - real_monotonic()
            if match is not None or remaining <= 0:
                return match
            condition.wait(remaining)


def utc_now() -> datetime:
    """The current wall-clock time (follows freezegun).

    The controllers' threads read the clock while a test may be leaving a ``freeze_time`` block.
    freezegun's stop empties its stacks first and puts the real ``datetime`` back after, so in
    between its class, still in place, reads an empty stack (``IndexError``). The time it is
    restoring is the real one, which is read instead.
    """
    try:
        return datetime.now(UTC)
    except IndexError:
        return _real_utc_now()


def wall_seconds() -> float:
    """The wall clock as seconds since the epoch (follows freezegun): the server clock that object times use."""
    return utc_now().timestamp()


def wall_nanos() -> int:
    """The wall clock in nanoseconds since the epoch, at the microsecond precision it has (follows freezegun)."""
    now = utc_now()
    return int(now.timestamp()) * 1_000_000_000 + now.microsecond * 1000


def format_time(moment: datetime) -> str:
    """metav1.Time on the wire: RFC 3339, UTC, second precision."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_micro_time(moment: datetime) -> str:
    """metav1.MicroTime on the wire: RFC 3339, UTC, microsecond precision."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_rfc3339() -> str:
    return format_time(utc_now())


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 timestamp as the server writes it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
