"""Watch on a Store: where a stream starts, selector filtering, bookmarks.

Follows k8s.io/apiserver/pkg/storage/cacher (cache_watcher.go): a watch with no
resourceVersion (or "0") starts with a synthetic ADDED for every current object; one from
resourceVersion N replays every change after N still in the window; ``sendInitialEvents``
sends the current state and then a BOOKMARK annotated ``k8s.io/initial-events-end``. An
object that stops matching the selectors is sent as DELETED, one that starts matching as
ADDED. Bookmarks announce a revision only once every event before it was delivered.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from fakeapi.apimachinery import errors
from fakeapi.registry.rest import ListOptions
from fakeapi.storage.interfaces import Event, Object, TooOldResourceVersionError, Watch
from fakeapi.util.clock import real_monotonic

if TYPE_CHECKING:
    from fakeapi.registry.generic.store import Store

INITIAL_EVENTS_END_ANNOTATION = "k8s.io/initial-events-end"
# The cacher's defaultBookmarkFrequency; and the last bookmark comes this long before the watch's deadline
# (cache_watcher.go nextBookmarkTime), so a client that watches again starts as late as it can.
BOOKMARK_INTERVAL_SECONDS = 60.0
BOOKMARK_BEFORE_DEADLINE_SECONDS = 2.0


class StoreWatchStream:
    """The typed events of one watch request, ready for the watch handler to encode."""

    def __init__(self, store: Store, options: ListOptions) -> None:
        self._store = store
        self._options = options
        self._pending: deque[tuple[str, Object]] = deque()
        self._watch: Watch | None = None
        now = real_monotonic()
        timeout = options.timeout_seconds
        self._deadline = now + timeout if timeout and timeout > 0 else None
        self._next_bookmark = self._bookmark_time(now)
        self._error: Object | None = None

    def _bookmark_time(self, now: float) -> float:
        """nextBookmarkTime: a minute on, or 2 s before the deadline if that comes first (inf: no more)."""
        due = now + BOOKMARK_INTERVAL_SECONDS
        if self._deadline is not None:
            due = min(due, self._deadline - BOOKMARK_BEFORE_DEADLINE_SECONDS)
        return due if due > now else float("inf")

    @classmethod
    def start(cls, store: Store, namespace: str | None, options: ListOptions) -> StoreWatchStream:
        stream = cls(store, options)
        storage = store.storage
        rv = options.resource_version
        send_initial = options.send_initial_events
        if send_initial is None:
            send_initial = rv in ("", "0")
        if send_initial:
            if options.send_initial_events and rv not in ("", "0"):
                # The initial events must reflect at least rv (waitUntilWatchCacheFreshAndForceAllEvents).
                try:
                    store.require_revision(int(rv))
                except errors.StatusError as exc:
                    stream._error = exc.status
                    return stream
            items, revision, watch = storage.list_and_watch(store.key_prefix, namespace)
            for obj in items:
                if stream._selected(obj):
                    stream._pending.append(("ADDED", obj))
            if options.send_initial_events and options.allow_watch_bookmarks:
                stream._pending.append(("BOOKMARK", stream._bookmark(revision, initial_events_end=True)))
            stream._watch = watch
        else:
            # sendInitialEvents=false from "" or "0" watches from now (getWatchCacheResourceVersion,
            # watch_cache.go's getAllEventsSinceLocked); events written meanwhile are in the window.
            from_revision = storage.current_revision if rv in ("", "0") else int(rv)
            try:
                stream._watch = storage.watch(store.key_prefix, namespace, from_revision)
            except TooOldResourceVersionError as exc:
                stream._error = _expired_status(exc)
        return stream

    def _selected(self, obj: Object | None) -> bool:
        return obj is not None and self._store.matches(obj, self._options.label_selector, self._options.field_selector)

    def _bookmark(self, revision: int, *, initial_events_end: bool = False) -> Object:
        bookmark = self._store.new()
        bookmark["metadata"] = {"resourceVersion": str(revision)}
        if initial_events_end:
            bookmark["metadata"]["annotations"] = {INITIAL_EVENTS_END_ANNOTATION: "true"}
        return bookmark

    def _translate(self, event: Event) -> tuple[str, Object] | None:
        now = self._selected(event.object) if event.type != "DELETED" else False
        before = self._selected(event.previous)
        if event.type == "DELETED":
            return ("DELETED", event.object) if before else None
        if now and before:
            return ("MODIFIED", event.object)
        if now:
            return ("ADDED", event.object)
        if before and event.previous is not None:
            # cache_watcher.go's convertToWatchEvent: the object as it last matched, at the event's revision.
            metadata = {**(event.previous.get("metadata") or {}), "resourceVersion": str(event.revision)}
            return ("DELETED", {**event.previous, "metadata": metadata})
        return None

    def next(self, timeout: float) -> tuple[str, Object] | None:
        """The next event, or None if ``timeout`` passed (or the watch ended) first."""
        if self._pending:
            return self._pending.popleft()
        if self._error is not None:
            error, self._error = self._error, None
            self.stop()
            return ("ERROR", error)
        if self._watch is None:
            return None
        deadline = real_monotonic() + timeout
        while not self._watch.stopped:
            remaining = deadline - real_monotonic()
            if self._options.allow_watch_bookmarks:
                remaining = min(remaining, self._next_bookmark - real_monotonic())
            try:
                event = self._watch.next_event(max(remaining, 0))
            except errors.StatusError as exc:
                # An event that cannot be decoded (a conversion webhook failed) ends the watch with an
                # ERROR event, an InternalError unless it was a Status already (etcd3 watcher.go
                # transformErrorToEvent).
                self.stop()
                status = exc if exc.reason else errors.new_internal_error(exc.message)
                return ("ERROR", status.status)
            if event is not None:
                translated = self._translate(event)
                if translated is not None:
                    return translated
                continue
            if self._options.allow_watch_bookmarks and real_monotonic() >= self._next_bookmark:
                self._next_bookmark = self._bookmark_time(real_monotonic())
                revision = self._watch.bookmark_revision()
                if revision is not None:
                    return ("BOOKMARK", self._bookmark(revision))
            if real_monotonic() >= deadline:
                return None
        return None

    def notify(self, on_change: Callable[[], None]) -> bool:
        """Have ``on_change`` called whenever ``next(0)`` may have something new; False if this watch cannot.

        Only a watch of the storage itself can: a watch read through a codec converts each event
        as it is read, which may call a conversion webhook, so only its own thread may read it.
        """
        notify = getattr(self._watch, "notify", None)
        return notify is not None and bool(notify(on_change))

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.stop()
        self._pending.clear()

    @property
    def stopped(self) -> bool:
        if self._pending or self._error is not None:
            return False
        return self._watch is None or self._watch.stopped


def _expired_status(exc: TooOldResourceVersionError) -> Object:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"too old resource version: {exc.requested} ({exc.compacted})",
        "reason": "Expired",
        "code": 410,
    }
