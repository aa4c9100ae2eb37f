"""Assertions over a server's enqueue log: which controller was told about which key, and why.

The server records every ``enqueue`` of its listeners (the built-in controllers, the
certificate controllers) in an :class:`~fakeapi.controllers.base.EnqueueLog`.
:class:`EnqueueRecorder` reads it the way a test asks: was this key enqueued, was it not, in
which order, and waits for one with a timeout. Each failure message lists what *was*
enqueued, so a failing test shows what happened instead of only what did not.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from fakeapi.controllers.base import EnqueueEvent, EnqueueLog

# How long wait_for waits by default; generous for a loaded CI machine, still bounded.
DEFAULT_WAIT_SECONDS = 10.0
# A failure message shows at most this many recorded enqueues (the most recent ones).
MAX_SHOWN = 40


class EnqueueRecorder:
    """Queries and assertions over one server's enqueue log (the same log, not a copy).

    Args:
        log: The server's ``enqueue_log``.
    """

    def __init__(self, log: EnqueueLog) -> None:
        self.log = log

    @property
    def events(self) -> list[EnqueueEvent]:
        """Every enqueue since the test started, oldest first."""
        return self.log.events

    def keys(self, listener: str | None = None) -> list[Any]:
        """The enqueued keys in order, of one listener (a controller's name) or of all."""
        return [e.key for e in self.events if listener is None or e.listener == listener]

    def find(self, key: Hashable, *, listener: str | None = None, cause: str | None = None) -> list[EnqueueEvent]:
        """The enqueues of ``key`` (by ``listener``, with ``cause``, when given), oldest first."""
        return [e for e in self.events if _matches(e, key, listener, cause)]

    def assert_enqueued(self, key: Hashable, *, listener: str | None = None, cause: str | None = None) -> EnqueueEvent:
        """The first enqueue of ``key``; fails with the recorded enqueues when there is none."""
        found = self.find(key, listener=listener, cause=cause)
        if not found:
            raise AssertionError(f"{_describe(key, listener, cause)} was not enqueued\n{self._recorded()}")
        return found[0]

    def assert_not_enqueued(self, key: Hashable, *, listener: str | None = None, cause: str | None = None) -> None:
        """Fail, showing the offending enqueues, when ``key`` was enqueued."""
        found = self.find(key, listener=listener, cause=cause)
        if found:
            shown = "\n".join(f"  {_format(e)}" for e in found[:MAX_SHOWN])
            raise AssertionError(f"{_describe(key, listener, cause)} was enqueued {len(found)} time(s):\n{shown}")

    def assert_enqueued_in_order(self, *keys: Hashable, listener: str | None = None) -> None:
        """Every key was enqueued, in this order (other enqueues may come between them)."""
        remaining = iter(e for e in self.events if listener is None or e.listener == listener)
        for position, key in enumerate(keys):
            if not any(event.key == key for event in remaining):
                done = ", ".join(repr(k) for k in keys[:position]) or "nothing"
                raise AssertionError(
                    f"{_describe(key, listener, None)} was not enqueued after {done}\n{self._recorded(listener)}"
                )

    def wait_for(
        self,
        key: Hashable,
        *,
        listener: str | None = None,
        cause: str | None = None,
        timeout: float = DEFAULT_WAIT_SECONDS,
    ) -> EnqueueEvent:
        """The first enqueue of ``key``, waiting up to ``timeout`` seconds (real time) for it."""
        event = self.log.wait_for(lambda e: _matches(e, key, listener, cause), timeout)
        if event is None:
            raise AssertionError(
                f"{_describe(key, listener, cause)} was not enqueued within {timeout} s\n{self._recorded()}"
            )
        return event

    def clear(self) -> None:
        """Forget what was recorded so far (to look only at what an action causes)."""
        self.log.clear()

    def _recorded(self, listener: str | None = None) -> str:
        events = [e for e in self.events if listener is None or e.listener == listener]
        return _listing(events)


def _matches(event: EnqueueEvent, key: Hashable, listener: str | None, cause: str | None) -> bool:
    return (
        event.key == key
        and (listener is None or event.listener == listener)
        and (cause is None or event.cause == cause)
    )


def _describe(key: Hashable, listener: str | None, cause: str | None) -> str:
    text = f"key {key!r}"
    if listener is not None:
        text += f" for {listener!r}"
    if cause is not None:
        text += f" with cause {cause!r}"
    return text


def _format(event: EnqueueEvent) -> str:
    return f"{event.listener}: {event.key!r} ({event.cause})"


def _listing(events: Iterable[EnqueueEvent]) -> str:
    shown = list(events)
    if not shown:
        return "nothing was enqueued"
    skipped = max(len(shown) - MAX_SHOWN, 0)
    lines = [f"  {_format(e)}" for e in shown[skipped:]]
    header = f"enqueued ({len(shown)}, the last {MAX_SHOWN} shown):" if skipped else f"enqueued ({len(shown)}):"
    return "\n".join([header, *lines])


__all__ = ["DEFAULT_WAIT_SECONDS", "EnqueueRecorder"]
