"""StorageFactory and RESTOptionsGetter (server/storage/storage_factory.go, registry/generic/options.go).

The factory gives each group-resource its backend and key prefix. By default every resource
shares one in-memory MemoryStorage, so one revision counter spans them all as etcd's does.
Every version of a resource shares its prefix: a version other than the storage version
(autoscaling/v1 HorizontalPodAutoscalers, stored as v2) is converted through a codec. A resource
that cohabits with another (events.k8s.io Events with core Events) is kept under the other's
prefix, in its storage form, through a codec.
"""

from __future__ import annotations

from dataclasses import dataclass

from fakeapi.apimachinery.schema import GroupResource, GroupVersionResource
from fakeapi.storage.codec import Codec, CodecStorage
from fakeapi.storage.interfaces import VersionedStorage
from fakeapi.storage.memory import MemoryStorage


@dataclass(frozen=True)
class RESTOptions:
    storage: VersionedStorage
    resource_prefix: str
    enable_garbage_collection: bool


class StorageFactory:
    def __init__(self, default_storage: MemoryStorage, *, enable_garbage_collection: bool = False) -> None:
        self.default_storage = default_storage
        self.enable_garbage_collection = enable_garbage_collection
        self._overrides: dict[GroupResource, VersionedStorage] = {}
        self._version_codecs: dict[GroupVersionResource, Codec] = {}
        self._cohabitants: dict[GroupResource, tuple[GroupResource, Codec]] = {}

    def set_backend(self, resource: GroupResource, storage: VersionedStorage) -> None:
        """Give one group-resource its own backend."""
        self._overrides[resource] = storage

    def add_version_codec(self, gvr: GroupVersionResource, codec: Codec) -> None:
        """Serve ``gvr`` from its resource's storage, converted by ``codec`` from and to the storage version."""
        self._version_codecs[gvr] = codec

    def add_cohabitating_resources(self, resource: GroupResource, stored_as: GroupResource, codec: Codec) -> None:
        """Keep ``resource`` with ``stored_as``: same backend and prefix, converted by ``codec`` both ways."""
        self._cohabitants[resource] = (stored_as, codec)

    def get_rest_options(self, gvr: GroupVersionResource) -> RESTOptions:
        """RESTOptionsGetter.GetRESTOptions."""
        cohabitant = self._cohabitants.get(gvr.group_resource)
        if cohabitant is not None:
            stored_as, codec = cohabitant
            return RESTOptions(
                CodecStorage(self._backend(stored_as), codec), _prefix(stored_as), self.enable_garbage_collection
            )
        storage = self._backend(gvr.group_resource)
        version_codec = self._version_codecs.get(gvr)
        if version_codec is not None:
            storage = CodecStorage(storage, version_codec)
        return RESTOptions(storage, _prefix(gvr.group_resource), self.enable_garbage_collection)

    def _backend(self, resource: GroupResource) -> VersionedStorage:
        return self._overrides.get(resource, self.default_storage)


def _prefix(resource: GroupResource) -> str:
    return f"{resource.group}/{resource.resource}" if resource.group else resource.resource
