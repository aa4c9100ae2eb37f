"""The embedded storage backend: an in-memory, versioned object store with a watch window.

It plays the part of etcd3 plus the watch cache (k8s.io/apiserver/pkg/storage/etcd3/store.go
and storage/cacher): one global revision counter becomes every object's resourceVersion,
updates are compare-and-swap on that revision, an update that changes nothing commits
nothing, and a bounded window of past events lets a watch start from an older
resourceVersion until that version has left the window (then: too old, 410 Expired).
"""

from __future__ import annotations

import bisect
import queue
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fakeapi.storage.caching_object import EncodedObjects
from fakeapi.storage.interfaces import (
    Event,
    KeyExistsError,
    KeyNotFoundError,
    Object,
    ObjectKey,
    TooOldResourceVersionError,
    UpdateFunc,
)

DEFAULT_WINDOW = 10_000
# A watcher that falls this far behind is cut off, as the cacher does with slow watchers;
# the client sees its stream end and starts a new watch.
MAX_PENDING_EVENTS = 50_000

EventListener = Callable[[Event], None]
# The values an object is indexed under (cache.IndexFunc).
IndexFunc = Callable[[Object], list[str]]


@dataclass(frozen=True)
class History:
    """The objects at ``start_revision`` (by key), the events after it (oldest first), and the revision of the cut."""

    start_revision: int
    objects: list[tuple[ObjectKey, Object]]
    events: list[Event]
    revision: int


def _key_order(key: ObjectKey) -> tuple[str, str, str]:
    return key.prefix, key.namespace, key.name


class MemoryWatch:
    """One watcher's queue of events, fed by the storage under its lock."""

    _STOP = object()

    def __init__(self, storage: MemoryStorage, prefix: str, namespace: str | None, after: int) -> None:
        self._storage = storage
        self.prefix = prefix
        self.namespace = namespace
        # Only events after this revision are sent, even when it lies ahead of the storage (cache_watcher's
        # process sends an event only when its resourceVersion is past the watch's).
        self._after = after
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stopped = False
        self._on_change: Callable[[], None] | None = None

    def notify(self, on_change: Callable[[], None]) -> bool:
        """Call ``on_change`` after each event is queued and when the watch stops.

        It runs in the writer's thread under the storage lock, so it must only hand the news on
        (the watch handler schedules the stream's writer). Returns True: this watch supports it.
        """
        self._on_change = on_change
        return True

    def deliver(self, event: Event) -> None:
        if (self.namespace is not None and event.key.namespace != self.namespace) or event.revision <= self._after:
            return
        if self._queue.qsize() >= MAX_PENDING_EVENTS:
            self.stop()
            return
        self._queue.put(event)
        if self._on_change is not None:
            self._on_change()

    def next_event(self, timeout: float) -> Event | None:
        if self._stopped and self._queue.empty():
            return None
        try:
            item = self._queue.get(timeout=max(timeout, 0))
        except queue.Empty:
            return None
        if item is self._STOP:
            return None
        event: Event = item
        return event

    def bookmark_revision(self) -> int | None:
        """The revision a BOOKMARK may announce now: only when every earlier event was delivered."""
        with self._storage._lock:
            current = self._storage.current_revision
            return current if self._queue.empty() and current >= self._after else None

    def stop(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._storage._remove_watch(self)
            self._queue.put(self._STOP)
            if self._on_change is not None:
                self._on_change()

    @property
    def stopped(self) -> bool:
        return self._stopped


def _revision_of(obj: Object) -> int:
    """The revision that committed a stored object (its resourceVersion)."""
    return int((obj.get("metadata") or {}).get("resourceVersion") or 0)


def _same_apart_from_version(new: Object, old: Object) -> bool:
    """Whether storing ``new`` over ``old`` would change nothing a client can see.

    The resourceVersion and managedFields timestamps are ignored, as upstream's
    IgnoreManagedFieldsTimestampsTransformer does, so such churn causes no event.
    """
    new_meta = dict(new.get("metadata") or {})
    old_meta = dict(old.get("metadata") or {})
    new_meta.pop("resourceVersion", None)
    old_meta.pop("resourceVersion", None)
    for meta in (new_meta, old_meta):
        if "managedFields" in meta:
            meta["managedFields"] = [{k: v for k, v in entry.items() if k != "time"} for entry in meta["managedFields"]]
    return new_meta == old_meta and {k: v for k, v in new.items() if k != "metadata"} == {
        k: v for k, v in old.items() if k != "metadata"
    }


class MemoryStorage:
    """All objects of one server, every resource prefix, one revision counter."""

    def __init__(self, *, initial_revision: int = 1, window: int = DEFAULT_WINDOW) -> None:
        self._lock = threading.RLock()
        self._revision = initial_revision
        # Events after this revision are all in the window; a watch from an older one is too old.
        self._compacted_revision = initial_revision
        self._objects: dict[str, dict[tuple[str, str], Object]] = {}
        # Each prefix's keys in order, made by the first list that needs them and kept in step by
        # creates and deletes: a list reads one namespace's run of keys by bisection, unsorted.
        self._sorted_keys: dict[str, list[tuple[str, str]]] = {}
        self._window: deque[Event] = deque(maxlen=window)
        self._watches: dict[str, set[MemoryWatch]] = {}
        self._listeners: list[EventListener] = []
        # The JSON of every version whose event is in the window, encoded when first asked for.
        self.encodings = EncodedObjects()
        # Secondary indexes (the cacher's Indexers, client-go's indexers): by prefix, index name,
        # then value, the slots of the objects indexed under it.
        self._index_funcs: dict[str, dict[str, IndexFunc]] = {}
        self._indexes: dict[str, dict[str, dict[str, set[tuple[str, str]]]]] = {}

    @property
    def current_revision(self) -> int:
        return self._revision

    def add_listener(self, listener: EventListener) -> None:
        """Call ``listener`` with every committed event (under the storage lock: keep it short)."""
        with self._lock:
            self._listeners.append(listener)

    def add_index(self, prefix: str, name: str, index_func: IndexFunc) -> None:
        """Index the objects under ``prefix`` by ``index_func`` (kept through every write, clear and restore)."""
        with self._lock:
            if name in self._index_funcs.get(prefix, {}):
                return
            self._index_funcs.setdefault(prefix, {})[name] = index_func
            self._reindex(prefix)

    def by_index(self, prefix: str, name: str, value: str) -> list[Object]:
        """ByIndex: the objects under ``prefix`` that ``name`` indexes under ``value``, in key order."""
        with self._lock:
            bucket = self._objects.get(prefix, {})
            slots = self._indexes.get(prefix, {}).get(name, {}).get(value, ())
            return [bucket[slot] for slot in sorted(slots)]

    def _reindex(self, prefix: str) -> None:
        funcs = self._index_funcs.get(prefix)
        if not funcs:
            return
        self._indexes[prefix] = {name: {} for name in funcs}
        for slot, obj in self._objects.get(prefix, {}).items():
            self._index(prefix, slot, obj, add=True)

    def _index(self, prefix: str, slot: tuple[str, str], obj: Object, *, add: bool) -> None:
        for name, index_func in self._index_funcs.get(prefix, {}).items():
            index = self._indexes[prefix][name]
            for value in index_func(obj):
                if add:
                    index.setdefault(value, set()).add(slot)
                elif value in index:
                    index[value].discard(slot)
                    if not index[value]:
                        del index[value]

    # -- reads ------------------------------------------------------------------------------

    def get(self, key: ObjectKey) -> Object | None:
        bucket = self._objects.get(key.prefix)
        return bucket.get((key.namespace, key.name)) if bucket else None

    def get_list(self, prefix: str, namespace: str | None = None) -> tuple[list[Object], int]:
        """Every object under ``prefix`` (in one namespace if given), in key order, and the revision."""
        with self._lock:
            bucket = self._objects.get(prefix, {})
            keys = self._keys_in_order(prefix, bucket)
            if namespace is not None:
                # (namespace,) sorts before the namespace's keys; namespace + NUL after them (names hold no NUL).
                keys = keys[bisect.bisect_left(keys, (namespace,)) : bisect.bisect_left(keys, (namespace + "\0",))]
            return [bucket[k] for k in keys], self._revision

    def _keys_in_order(self, prefix: str, bucket: dict[tuple[str, str], Object]) -> list[tuple[str, str]]:
        keys = self._sorted_keys.get(prefix)
        if keys is None:
            keys = self._sorted_keys[prefix] = sorted(bucket)
        return keys

    def get_list_at(self, prefix: str, namespace: str | None, revision: int) -> list[Object]:
        """The objects under ``prefix`` as they were at ``revision``, rebuilt by undoing later events.

        Raises TooOldResourceVersionError when events after ``revision`` have left the window.
        """
        with self._lock:
            if revision < self._compacted_revision:
                raise TooOldResourceVersionError(revision, self._compacted_revision)
            state = dict(self._objects.get(prefix, {}))
            for event in reversed(self._window):
                if event.revision <= revision:
                    break
                if event.key.prefix != prefix:
                    continue
                slot = (event.key.namespace, event.key.name)
                if event.previous is None:
                    state.pop(slot, None)
                else:
                    state[slot] = event.previous
        keys = sorted(k for k in state if namespace is None or k[0] == namespace)
        return [state[k] for k in keys]

    def history(self, after: int | None = None) -> History:
        """What the window knows of the past, read in one consistent cut.

        Without ``after``: every object as it was at the window's start and every event since
        (the trace's object history). With ``after``: no objects, the events after that revision.

        Raises TooOldResourceVersionError when events after ``after`` have left the window.
        """
        with self._lock:
            if after is not None:
                if after < self._compacted_revision:
                    raise TooOldResourceVersionError(after, self._compacted_revision)
                return History(after, [], [e for e in self._window if e.revision > after], self._revision)
            state = {
                ObjectKey(prefix, namespace, name): obj
                for prefix, bucket in self._objects.items()
                for (namespace, name), obj in bucket.items()
            }
            events = list(self._window)
            start = self._compacted_revision
            revision = self._revision
        for event in reversed(events):
            if event.previous is None:
                state.pop(event.key, None)
            else:
                state[event.key] = event.previous
        return History(start, sorted(state.items(), key=lambda item: _key_order(item[0])), events, revision)

    # -- writes -----------------------------------------------------------------------------

    def create(self, key: ObjectKey, obj: Object, *, dry_run: bool = False) -> Object:
        with self._lock:
            existing = self.get(key)
            if existing is not None:
                raise KeyExistsError(key, existing)
            if dry_run:
                return obj
            self._commit("ADDED", key, obj, None)
            return obj

    def guaranteed_update(
        self, key: ObjectKey, try_update: UpdateFunc, *, dry_run: bool = False
    ) -> tuple[Object, Object | None]:
        """Read, compute the new object outside the lock, then compare-and-swap; retry on a race.

        ``try_update`` may raise to abort. Returns (stored object, previous object); when the
        update changes nothing, the previous object is returned as the stored one.
        """
        while True:
            current = self.get(key)
            updated = try_update(current)
            with self._lock:
                if self.get(key) is not current:
                    continue  # somebody else wrote in between: run try_update again on fresh state
                if current is not None and _same_apart_from_version(updated, current):
                    return current, current
                if dry_run:
                    return updated, current
                self._commit("ADDED" if current is None else "MODIFIED", key, updated, current)
                return updated, current

    def delete(
        self,
        key: ObjectKey,
        check: Callable[[Object], None] | None = None,
        *,
        dry_run: bool = False,
    ) -> Object:
        """Remove the object; ``check`` runs on the current state under the lock (preconditions)."""
        with self._lock:
            current = self.get(key)
            if current is None:
                raise KeyNotFoundError(key)
            if check is not None:
                check(current)
            if dry_run:
                return current
            # The DELETED event carries the last state stamped with the deletion revision.
            tombstone = {**current, "metadata": dict(current.get("metadata") or {})}
            self._commit("DELETED", key, tombstone, current)
            return tombstone

    def _commit(self, event_type: str, key: ObjectKey, obj: Object, previous: Object | None) -> None:
        self._revision += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self._revision)
        bucket = self._objects.setdefault(key.prefix, {})
        slot = (key.namespace, key.name)
        if previous is not None and key.prefix in self._index_funcs:
            self._index(key.prefix, slot, previous, add=False)
        keys = self._sorted_keys.get(key.prefix)
        if event_type == "DELETED":
            if bucket.pop(slot, None) is not None and keys is not None:
                del keys[bisect.bisect_left(keys, slot)]
        else:
            if keys is not None and slot not in bucket:
                bisect.insort(keys, slot)
            bucket[slot] = obj
            if key.prefix in self._index_funcs:
                self._index(key.prefix, slot, obj, add=True)
        event = Event(event_type, key, obj, previous, self._revision)
        # Encodings are kept for the versions in the window and for every current version (a
        # LIST of more objects than the window holds reuses them too): a version loses them
        # when it is neither.
        if previous is not None and _revision_of(previous) <= self._compacted_revision:
            self.encodings.forget(previous)
        if len(self._window) == self._window.maxlen:
            leaving = self._window[0]
            self._compacted_revision = leaving.revision
            current = self._objects.get(leaving.key.prefix, {}).get((leaving.key.namespace, leaving.key.name))
            if current is not leaving.object:
                self.encodings.forget(leaving.object)
        self._window.append(event)
        self.encodings.track(obj)
        for watch in list(self._watches.get(key.prefix, ())):
            watch.deliver(event)
        for listener in self._listeners:
            listener(event)

    # -- watch ------------------------------------------------------------------------------

    def watch(self, prefix: str, namespace: str | None, from_revision: int) -> MemoryWatch:
        """Events after ``from_revision``: first those still in the window, then live ones."""
        with self._lock:
            if from_revision < self._compacted_revision:
                raise TooOldResourceVersionError(from_revision, self._compacted_revision)
            watch = MemoryWatch(self, prefix, namespace, from_revision)
            for event in self._window:
                if event.key.prefix == prefix:
                    watch.deliver(event)
            self._watches.setdefault(prefix, set()).add(watch)
            return watch

    def list_and_watch(self, prefix: str, namespace: str | None) -> tuple[list[Object], int, MemoryWatch]:
        """The current objects and a watch of every change after them, atomically."""
        with self._lock:
            items, revision = self.get_list(prefix, namespace)
            return items, revision, self.watch(prefix, namespace, revision)

    def _remove_watch(self, watch: MemoryWatch) -> None:
        with self._lock:
            watches = self._watches.get(watch.prefix)
            if watches is not None:
                watches.discard(watch)

    def stop_all_watches(self) -> None:
        with self._lock:
            for watches in list(self._watches.values()):
                for watch in list(watches):
                    watch.stop()

    def clear(self, *, revision: int | None = None) -> None:
        """Drop every object and event (tests reset state between runs); open watches end.

        With ``revision``, counting starts over from it, as in a fresh storage: a reproducible
        restart, after which clients must list again rather than watch from a version they had.
        """
        with self._lock:
            self.stop_all_watches()
            self._objects.clear()
            self._sorted_keys.clear()
            self._window.clear()
            self.encodings.clear()
            for prefix in self._index_funcs:
                self._reindex(prefix)
            if revision is not None:
                self._revision = revision
            self._compacted_revision = self._revision

    def restore(self, objects: dict[str, list[Object]], revision: int) -> None:
        """Hold exactly ``objects`` (by key prefix, as ``dump`` gives them) at ``revision``.

        Like ``clear``, open watches end; no event is recorded, so a watch must start at
        ``revision`` or later (older versions are compacted).
        """
        with self._lock:
            self.stop_all_watches()
            self._window.clear()
            self.encodings.clear()
            self._objects = {
                prefix: {(obj["metadata"].get("namespace") or "", obj["metadata"]["name"]): obj for obj in items}
                for prefix, items in objects.items()
            }
            self._sorted_keys.clear()
            for prefix in self._index_funcs:
                self._reindex(prefix)
            self._revision = self._compacted_revision = revision

    def dump(self) -> tuple[dict[str, list[Object]], int]:
        """Every object by key prefix (each prefix's in key order) and the revision, read in one consistent cut."""
        with self._lock:
            objects = {
                prefix: [bucket[k] for k in self._keys_in_order(prefix, bucket)]
                for prefix, bucket in self._objects.items()
                if bucket
            }
            return objects, self._revision
