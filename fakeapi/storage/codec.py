"""A backend seen through a codec: objects are written in a storage form and read in a served one.

Upstream, the storage layer encodes every object in the resource's storage version and
decodes it, converted, into the version a request asked for (the codecs that
``StorageFactory.NewConfig`` hands to ``storagebackend``). ``CodecStorage`` plays that part
over a ``VersionedStorage``: several served versions of one resource (a CRD's versions,
core and events.k8s.io Events) share one backend prefix, each through its own codec.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from fakeapi.storage.interfaces import Event, Object, ObjectKey, UpdateFunc, VersionedStorage, Watch


class Codec(Protocol):
    """The conversion between a served version and the storage form. Neither side is mutated."""

    def to_storage(self, obj: Object) -> Object: ...

    def from_storage(self, obj: Object) -> Object: ...


class _ConvertingWatch:
    """A backend watch whose events come out in the served version."""

    def __init__(self, inner: Watch, convert: Callable[[Object], Object]) -> None:
        self._inner = inner
        self._convert = convert

    def next_event(self, timeout: float) -> Event | None:
        event = self._inner.next_event(timeout)
        if event is None:
            return None
        previous = None if event.previous is None else self._convert(event.previous)
        return Event(event.type, event.key, self._convert(event.object), previous, event.revision)

    def bookmark_revision(self) -> int | None:
        return self._inner.bookmark_revision()

    def stop(self) -> None:
        self._inner.stop()

    @property
    def stopped(self) -> bool:
        return self._inner.stopped


class CodecStorage:
    """A ``VersionedStorage`` that keeps objects in ``backend`` in the codec's storage form."""

    def __init__(self, backend: VersionedStorage, codec: Codec) -> None:
        self.backend = backend
        self.codec = codec

    @property
    def current_revision(self) -> int:
        return self.backend.current_revision

    def get(self, key: ObjectKey) -> Object | None:
        obj = self.backend.get(key)
        return None if obj is None else self.codec.from_storage(obj)

    def get_list(self, prefix: str, namespace: str | None = None) -> tuple[list[Object], int]:
        items, revision = self.backend.get_list(prefix, namespace)
        return [self.codec.from_storage(o) for o in items], revision

    def get_list_at(self, prefix: str, namespace: str | None, revision: int) -> list[Object]:
        return [self.codec.from_storage(o) for o in self.backend.get_list_at(prefix, namespace, revision)]

    def create(self, key: ObjectKey, obj: Object, *, dry_run: bool = False) -> Object:
        codec = self.codec
        return codec.from_storage(self.backend.create(key, codec.to_storage(obj), dry_run=dry_run))

    def guaranteed_update(
        self, key: ObjectKey, try_update: UpdateFunc, *, dry_run: bool = False
    ) -> tuple[Object, Object | None]:
        codec = self.codec

        def update(current: Object | None) -> Object:
            return codec.to_storage(try_update(None if current is None else codec.from_storage(current)))

        stored, previous = self.backend.guaranteed_update(key, update, dry_run=dry_run)
        return codec.from_storage(stored), None if previous is None else codec.from_storage(previous)

    def delete(
        self,
        key: ObjectKey,
        check: Callable[[Object], None] | None = None,
        *,
        dry_run: bool = False,
    ) -> Object:
        codec = self.codec
        inner_check = None if check is None else (lambda current: check(codec.from_storage(current)))
        return codec.from_storage(self.backend.delete(key, inner_check, dry_run=dry_run))

    def watch(self, prefix: str, namespace: str | None, from_revision: int) -> Watch:
        return _ConvertingWatch(self.backend.watch(prefix, namespace, from_revision), self.codec.from_storage)

    def list_and_watch(self, prefix: str, namespace: str | None) -> tuple[list[Object], int, Watch]:
        items, revision, watch = self.backend.list_and_watch(prefix, namespace)
        convert = self.codec.from_storage
        return [convert(o) for o in items], revision, _ConvertingWatch(watch, convert)
