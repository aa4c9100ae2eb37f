"""When each storage revision was committed, and by which request: the link from an object's versions to the audit log.

The storage keeps every change within its watch window (the object before and after, by
revision) but not who made it nor when; kube-apiserver has no such record either (an audit
event's ``responseObject`` carries the new resourceVersion, when it is logged at that level).
The commit log listens to the storage and notes, for each revision, the real monotonic time and
the request the committing thread was serving (:meth:`AuditLog.current_request`): a client's
write, a controller's loopback request, or none for seeding. It is cheap (one small record per
commit, made under the storage lock) and bounded like the watch window it annotates, so it is
always on; the trace (:mod:`fakeapi.testing.trace`) reads it only when it renders.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

from fakeapi.storage.interfaces import Event
from fakeapi.testing.audit import AuditEvent, AuditLog, InFlightRequest
from fakeapi.util.clock import real_monotonic


@dataclass(frozen=True, slots=True)
class Commit:
    """One storage revision: when it was committed (real monotonic seconds) and during which request."""

    revision: int
    at: float
    request: InFlightRequest | None

    @property
    def audit_event(self) -> AuditEvent | None:
        """The audit event of the request that made it (None for seeding, or a request not logged)."""
        if self.request is None or self.request.event is None or self.request.event.sequence == 0:
            return None
        return self.request.event


class CommitLog:
    """The last ``capacity`` commits of a storage, oldest first (thread-safe).

    Args:
        audit_log: Tells which request the committing thread is serving.
        capacity: How many commits are kept (the storage's watch window is the natural size).
    """

    def __init__(self, audit_log: AuditLog, capacity: int) -> None:
        self._audit_log = audit_log
        self._lock = threading.Lock()
        self._commits: deque[Commit] = deque(maxlen=capacity)

    def record(self, event: Event) -> None:
        """A storage listener: called under the storage lock with every committed event."""
        commit = Commit(event.revision, real_monotonic(), self._audit_log.current_request())
        with self._lock:
            self._commits.append(commit)

    def by_revision(self, after: int = 0) -> dict[int, Commit]:
        """The commits kept of revisions after ``after``, by revision."""
        with self._lock:
            return {c.revision: c for c in self._commits if c.revision > after}

    def clear(self) -> None:
        with self._lock:
            self._commits.clear()
