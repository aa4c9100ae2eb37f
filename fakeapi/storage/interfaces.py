"""What the registry needs from a storage backend (k8s.io/apiserver/pkg/storage/interfaces.go).

Objects are JSON-shaped dicts. A dict handed to the storage belongs to it from then on and is
never changed again; readers get those same dicts and must treat them as read-only (copy
before changing). That keeps reads cheap and means a reader never sees half-written state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

Object = dict[str, Any]


@dataclass(frozen=True)
class ObjectKey:
    """Where an object lives: its resource prefix (``configmaps``, ``apps/deployments``), namespace, name.

    Cluster-scoped objects have an empty namespace.
    """

    prefix: str
    namespace: str
    name: str


@dataclass(frozen=True)
class Event:
    """One committed change, as the watch cache records it."""

    type: str  # ADDED, MODIFIED or DELETED
    key: ObjectKey
    object: Object
    previous: Object | None
    revision: int


class StorageError(Exception):
    """Base of the storage errors; the registry turns each into a Status error."""


class KeyExistsError(StorageError):
    def __init__(self, key: ObjectKey, existing: Object) -> None:
        super().__init__(f"key exists: {key}")
        self.key = key
        self.existing = existing


class KeyNotFoundError(StorageError):
    def __init__(self, key: ObjectKey) -> None:
        super().__init__(f"key not found: {key}")
        self.key = key


class TooOldResourceVersionError(StorageError):
    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(f"too old resource version: {requested} ({compacted})")
        self.requested = requested
        self.compacted = compacted


# Called with the current object (None when absent); returns the object to store, or raises.
UpdateFunc = Callable[[Object | None], Object]


class Watch(Protocol):
    """A stream of events for one prefix, optionally one namespace."""

    def next_event(self, timeout: float) -> Event | None:
        """The next event, or None when ``timeout`` seconds pass first or the watch was stopped."""
        ...

    def bookmark_revision(self) -> int | None:
        """The revision a bookmark may announce now, or None while events are still queued."""
        ...

    def stop(self) -> None: ...

    @property
    def stopped(self) -> bool: ...


class VersionedStorage(Protocol):
    """storage.Interface, reduced to what the generic Store uses."""

    @property
    def current_revision(self) -> int: ...

    def create(self, key: ObjectKey, obj: Object, *, dry_run: bool = False) -> Object: ...

    def get(self, key: ObjectKey) -> Object | None: ...

    def get_list(self, prefix: str, namespace: str | None = None) -> tuple[list[Object], int]: ...

    def get_list_at(self, prefix: str, namespace: str | None, revision: int) -> list[Object]: ...

    def guaranteed_update(
        self, key: ObjectKey, try_update: UpdateFunc, *, dry_run: bool = False
    ) -> tuple[Object, Object | None]: ...

    def delete(
        self,
        key: ObjectKey,
        check: Callable[[Object], None] | None = None,
        *,
        dry_run: bool = False,
    ) -> Object: ...

    def watch(self, prefix: str, namespace: str | None, from_revision: int) -> Watch: ...

    def list_and_watch(self, prefix: str, namespace: str | None) -> tuple[list[Object], int, Watch]: ...
