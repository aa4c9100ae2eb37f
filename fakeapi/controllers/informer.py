"""Informers fed by the storage's own change notifications (k8s.io/client-go/tools/cache).

Upstream a controller's informer lists and watches the API server, keeps a local cache and
calls its ResourceEventHandlers on every change. Inside the server there is nothing to
reflect: the storage calls :class:`InformerFactory` with each committed event, in revision
order, and the factory hands it to the handlers registered for that resource prefix (or for
every resource, as the garbage collector's and the namespace controller's metadata informers
do). A lister reads the storage itself, so it is never behind and has no cache to reset.

Handlers run under the storage lock, inside the write that caused the event: they must only
queue work (``QueueController.enqueue_key``), never call back into the server.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from fakeapi.storage.interfaces import Event, Object, ObjectKey, VersionedStorage
from fakeapi.storage.memory import IndexFunc, MemoryStorage

logger = logging.getLogger("fakeapi.controllers")

EventHandler = Callable[[Event], None]

ADDED = "ADDED"
MODIFIED = "MODIFIED"
DELETED = "DELETED"


@dataclass(frozen=True)
class ResourceEventHandlerFuncs:
    """cache.ResourceEventHandlerFuncs: optional add, update and delete callbacks, called with objects."""

    add: Callable[[Object], None] | None = None
    update: Callable[[Object, Object], None] | None = None
    delete: Callable[[Object], None] | None = None

    def __call__(self, event: Event) -> None:
        if event.type == ADDED and self.add is not None:
            self.add(event.object)
        elif event.type == MODIFIED and self.update is not None:
            self.update(event.previous or event.object, event.object)
        elif event.type == DELETED and self.delete is not None:
            self.delete(event.object)


class Lister:
    """A lister over the current state of one resource prefix."""

    def __init__(self, storage: VersionedStorage, prefix: str) -> None:
        self._storage = storage
        self.prefix = prefix

    def get(self, namespace: str, name: str) -> Object | None:
        """The object, or None; ``namespace`` is empty for cluster-scoped resources. Read-only."""
        return self._storage.get(ObjectKey(self.prefix, namespace, name))

    def list(self, namespace: str | None = None) -> list[Object]:
        """Every object (in one namespace if given), in key order. Read-only."""
        items, _ = self._storage.get_list(self.prefix, namespace)
        return items


class Indexer:
    """One index of a resource's objects (cache.Indexer's ByIndex), kept by the storage on every write."""

    def __init__(self, storage: MemoryStorage, prefix: str, name: str) -> None:
        self._storage = storage
        self.prefix = prefix
        self.name = name

    def by_index(self, value: str) -> list[Object]:
        """The objects indexed under ``value``, in key order. Read-only."""
        return self._storage.by_index(self.prefix, self.name, value)


class InformerFactory:
    """One storage listener that fans every committed event out to the handlers that want it."""

    def __init__(self, storage: MemoryStorage) -> None:
        self._storage = storage
        self._lock = threading.Lock()
        self._by_prefix: dict[str, list[EventHandler]] = {}
        self._every_resource: list[EventHandler] = []
        storage.add_listener(self._dispatch)

    def add_event_handler(self, prefix: str, handler: EventHandler) -> None:
        """Call ``handler`` with every event of one resource prefix (``namespaces``, ``apps/deployments``)."""
        with self._lock:
            self._by_prefix.setdefault(prefix, []).append(handler)

    def add_event_handler_for_every_resource(self, handler: EventHandler) -> None:
        """Call ``handler`` with every event of every resource, including ones installed later."""
        with self._lock:
            self._every_resource.append(handler)

    def lister(self, prefix: str) -> Lister:
        return Lister(self._storage, prefix)

    def indexer(self, prefix: str, name: str, index_func: IndexFunc) -> Indexer:
        """AddIndexers: index ``prefix`` by ``index_func`` under ``name`` (once, however many controllers ask)."""
        self._storage.add_index(prefix, name, index_func)
        return Indexer(self._storage, prefix, name)

    def _dispatch(self, event: Event) -> None:
        handlers = [*self._every_resource, *self._by_prefix.get(event.key.prefix, ())]
        for handler in handlers:
            try:
                handler(event)
            except Exception:
                # The write that caused the event has committed; a broken handler must not fail it.
                logger.exception("event handler %r failed on %s %s", handler, event.type, event.key)
