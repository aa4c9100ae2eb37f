"""Time that tests can move: the server clock jumps forward and what became due on the way runs, in order.

The server clock is the wall clock (``fakeapi.util.clock``), which freezegun moves; every
controller that waits for a moment (a CronJob's schedule, a Deployment's progress deadline, a
restart back-off, a Lease's renewal, a toleration's seconds) queues its key for that moment of
it. :meth:`ServerClock.advance` moves a frozen clock forward *through* those moments: it jumps
to the earliest one, settles the controllers, and goes on until the target, so a jump of two
hours sees the CronJob's Job made at 02:00 and its pod completed at 02:00, not at the end of
the jump. Everything runs in the caller's thread, in the controllers' fixed order: the same
jump gives the same cluster every time.

Heartbeats (the kubelets' Lease renewals, the node lifecycle controller's monitoring rounds)
do not stop a jump: they are due so often that stopping for each would make an hour's jump
cost seconds. They run at every stop instead, the kubelets before the controllers that read
their Leases, so a healthy node looks healthy at every stop, and work that waits on a Lease
growing old (a node's grace period) is queued for that moment as ordinary work.

Moving time needs freezegun (a test dependency): a freeze that is active (``@freeze_time``,
the plugin marker's ``freeze``) is moved; without one, the first move freezes the clock at the
current time and :meth:`ServerClock.stop` (the plugin calls it when the test ends) lets it go.
freezegun is imported only then, never by a server that nobody moves.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from fakeapi.util.clock import parse_time, utc_now

if TYPE_CHECKING:
    from fakeapi.server.instance import FakeAPIServer

# A jump that keeps finding work due at the moment it reached is a bug, not a long wait.
MAX_STEPS_PER_MOVE = 1_000_000


class _FrozenFactory(Protocol):
    """What freezegun's freeze gives (FrozenDateTimeFactory): the frozen moment, movable."""

    def move_to(self, target_datetime: Any) -> None: ...


class ServerClock:
    """Read and move one server's clock: ``now()``, ``advance(seconds)``, ``move_to(moment)``."""

    def __init__(self, server: FakeAPIServer) -> None:
        self._server = server
        self._own_freeze: Any = None
        #: How many moments the last move stopped at to run what was due (for tests of the clock itself).
        self.steps = 0

    def now(self) -> datetime:
        """The server clock now (UTC)."""
        return utc_now()

    def advance(self, seconds: float | timedelta) -> datetime:
        """Move the clock ``seconds`` forward, running what becomes due on the way; the new time."""
        delta = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
        if delta < timedelta(0):
            raise ValueError(f"the server clock only moves forward, not by {delta}")
        return self.move_to(self.now() + delta)

    def move_to(self, moment: datetime | str) -> datetime:
        """Move the clock forward to ``moment`` (a datetime, naive meaning UTC, or RFC 3339 text); the new time."""
        target = parse_time(moment) if isinstance(moment, str) else moment
        if target.tzinfo is None:
            target = target.replace(tzinfo=UTC)
        now = self.now()
        if target < now:
            raise ValueError(f"the server clock only moves forward: {target.isoformat()} is before {now.isoformat()}")
        factory = self._factory(now)
        self.steps = 0
        self._server.settle()
        while (due := self._server.next_due(periodic=False)) is not None and due <= target.timestamp():
            self.steps += 1
            if self.steps > MAX_STEPS_PER_MOVE:
                raise RuntimeError(f"more than {MAX_STEPS_PER_MOVE} moments were due before {target.isoformat()}")
            moment_due = datetime.fromtimestamp(due, UTC)
            if moment_due > self.now():
                factory.move_to(moment_due)
            self._server.settle()
        factory.move_to(target)
        self._server.settle()
        return self.now()

    def _factory(self, now: datetime) -> _FrozenFactory:
        """The active freeze's factory, or a freeze of our own at ``now``."""
        freezegun_api = sys.modules.get("freezegun.api")
        active = getattr(freezegun_api, "freeze_factories", None) if freezegun_api else None
        if active:
            factory: _FrozenFactory = active[-1]
            return factory
        from freezegun import freeze_time

        from fakeapi.testing.frozen_clock import prepare_freezegun

        prepare_freezegun()
        self._own_freeze = freeze_time(now)
        started: _FrozenFactory = self._own_freeze.start()
        return started

    def stop(self) -> None:
        """Let go of the freeze the first move started, if it did (the clock is real again)."""
        freeze, self._own_freeze = self._own_freeze, None
        if freeze is not None:
            freeze.stop()
