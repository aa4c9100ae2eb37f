"""Per-key exponential back-off on the server clock (client-go/util/flowcontrol/backoff.go).

The kubelet keeps two of them: one for image pulls (``<pod uid>_<image>``) and one for
container restarts (``<pod uid>_<container>``), both starting at 10 s and capped at 5 min
(pkg/kubelet/kubelet.go ``backOffPeriod``, ``MaxContainerBackOff``). Times are seconds of the
server clock (the wall clock freezegun moves), so a test that moves the clock moves the back-off.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class _Entry:
    backoff: float
    last_update: float


class Backoff:
    """flowcontrol.Backoff: ``next`` starts or doubles a key's delay; the ``in_backoff_*`` methods ask whether it holds."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> float:
        """The key's current delay (0 when it has none)."""
        with self._lock:
            entry = self._entries.get(key)
            return entry.backoff if entry else 0.0

    def next(self, key: str, event_time: float) -> None:
        """Start the key at the initial delay, or double it (capped); an entry idle for twice the cap starts over."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or event_time - entry.last_update > 2 * self.maximum:
                self._entries[key] = _Entry(self.initial, event_time)
                return
            entry.backoff = min(entry.backoff * 2, self.maximum)
            entry.last_update = event_time

    def in_backoff_since(self, key: str, event_time: float, now: float) -> bool:
        """IsInBackOffSince: whether ``now`` is still within the key's delay counted from ``event_time``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or now - entry.last_update > 2 * self.maximum:
                return False
            return now - event_time < entry.backoff

    def in_backoff_since_update(self, key: str, now: float) -> bool:
        """IsInBackOffSinceUpdate: whether ``now`` is within the key's delay counted from its last ``next``."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or now - entry.last_update > 2 * self.maximum:
                return False
            return now - entry.last_update < entry.backoff

    def last_update(self, key: str) -> float | None:
        with self._lock:
            entry = self._entries.get(key)
            return entry.last_update if entry else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
