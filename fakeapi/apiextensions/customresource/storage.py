"""The storage of custom resources: one backend key prefix for every version of a CRD.

Upstream, a CRD's versions share one etcd prefix; the storage codec writes objects in the
storage version and, on every read, decodes them (pruning, ObjectMeta coercion, defaulting)
and converts them to the version asked for (registry/customresource/etcd.go and the codecs of
apiserver/customresource_handler.go). ``VersionedStorage`` plays that codec over the shared
backend for one served version; conversion is strategy None, so converting is rewriting
``apiVersion``. ``CustomResourceStore`` is the generic Store with the differences of
custom resources: list items keep kind and apiVersion, deletes return the object, and field
labels outside ``metadata.name``/``metadata.namespace`` and the CRD's selectableFields fail
with ``field label not supported``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fakeapi.apiextensions.customresource.info import CustomResourceVersion
from fakeapi.apiextensions.customresource.strategy import decode
from fakeapi.apimachinery import errors
from fakeapi.apimachinery.jsonutil import deep_copy_json
from fakeapi.endpoints.request import RequestContext
from fakeapi.registry.generic.store import Store
from fakeapi.registry.rest import ListOptions
from fakeapi.storage.interfaces import Event, Object, ObjectKey, UpdateFunc, VersionedStorage, Watch


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
    """The backend seen through one version's codec: writes in the storage version, reads decoded."""

    def __init__(self, backend: VersionedStorage, info: CustomResourceVersion) -> None:
        self.backend = backend
        self.info = info

    @property
    def current_revision(self) -> int:
        return self.backend.current_revision

    def to_storage(self, obj: Object) -> Object:
        return {**obj, "apiVersion": self.info.storage_api_version}

    def from_storage(self, obj: Object) -> Object:
        """Decode a stored object: prune and default with this version's schema, then set apiVersion."""
        out = deep_copy_json(obj)
        out["apiVersion"] = self.info.api_version
        decode(out, self.info)
        return out

    def get(self, key: ObjectKey) -> Object | None:
        obj = self.backend.get(key)
        return None if obj is None else self.from_storage(obj)

    def get_list(self, prefix: str, namespace: str | None = None) -> tuple[list[Object], int]:
        items, revision = self.backend.get_list(prefix, namespace)
        return [self.from_storage(o) for o in items], revision

    def get_list_at(self, prefix: str, namespace: str | None, revision: int) -> list[Object]:
        return [self.from_storage(o) for o in self.backend.get_list_at(prefix, namespace, revision)]

    def create(self, key: ObjectKey, obj: Object, *, dry_run: bool = False) -> Object:
        return self.from_storage(self.backend.create(key, self.to_storage(obj), dry_run=dry_run))

    def guaranteed_update(
        self, key: ObjectKey, try_update: UpdateFunc, *, dry_run: bool = False
    ) -> tuple[Object, Object | None]:
        def update(current: Object | None) -> Object:
            return self.to_storage(try_update(None if current is None else self.from_storage(current)))

        stored, previous = self.backend.guaranteed_update(key, update, dry_run=dry_run)
        return self.from_storage(stored), None if previous is None else self.from_storage(previous)

    def delete(
        self,
        key: ObjectKey,
        check: Callable[[Object], None] | None = None,
        *,
        dry_run: bool = False,
    ) -> Object:
        inner_check = None if check is None else (lambda current: check(self.from_storage(current)))
        return self.from_storage(self.backend.delete(key, inner_check, dry_run=dry_run))

    def watch(self, prefix: str, namespace: str | None, from_revision: int) -> Watch:
        return _ConvertingWatch(self.backend.watch(prefix, namespace, from_revision), self.from_storage)

    def list_and_watch(self, prefix: str, namespace: str | None) -> tuple[list[Object], int, Watch]:
        items, revision, watch = self.backend.list_and_watch(prefix, namespace)
        return [self.from_storage(o) for o in items], revision, _ConvertingWatch(watch, self.from_storage)


@dataclass
class CustomResourceStore(Store):
    """The REST storage of one served version of a CRD."""

    def list(self, ctx: RequestContext, options: ListOptions) -> Object:
        result = super().list(ctx, options)
        # Unstructured lists keep every item's kind and apiVersion.
        result["items"] = [
            {"apiVersion": self.spec.gvk.api_version, "kind": self.spec.kind, **item} for item in result["items"]
        ]
        return result

    def unknown_field_label(self, label: str, known: set[str]) -> errors.StatusError:
        """crConverter.ConvertFieldLabel: the same refusal whether or not the CRD has selectableFields."""
        return errors.new_bad_request(f"field label not supported: {label}")
