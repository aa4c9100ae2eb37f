"""StorageFactory: one shared backend by default, a backend of its own for a group-resource when set."""

from __future__ import annotations

from fakeapi.apimachinery.schema import GroupResource, GroupVersionResource
from fakeapi.registry.autoscaling.conversion import HorizontalPodAutoscalerV1Codec
from fakeapi.server.storage.storage_factory import StorageFactory
from fakeapi.storage.codec import CodecStorage
from fakeapi.storage.memory import MemoryStorage

CONFIGMAPS = GroupVersionResource("", "v1", "configmaps")
DEPLOYMENTS = GroupVersionResource("apps", "v1", "deployments")


def test_resources_share_the_default_backend_unless_given_their_own() -> None:
    shared, own = MemoryStorage(), MemoryStorage()
    factory = StorageFactory(shared)
    factory.set_backend(GroupResource("apps", "deployments"), own)
    assert factory.get_rest_options(CONFIGMAPS).storage is shared
    assert factory.get_rest_options(DEPLOYMENTS).storage is own
    assert factory.get_rest_options(DEPLOYMENTS).resource_prefix == "apps/deployments"


def test_a_version_with_a_codec_is_served_from_the_storage_version() -> None:
    backend = MemoryStorage()
    factory = StorageFactory(backend)
    v1 = GroupVersionResource("autoscaling", "v1", "horizontalpodautoscalers")
    factory.add_version_codec(v1, HorizontalPodAutoscalerV1Codec())
    v2 = GroupVersionResource("autoscaling", "v2", "horizontalpodautoscalers")
    assert factory.get_rest_options(v1).resource_prefix == factory.get_rest_options(v2).resource_prefix
    assert isinstance(factory.get_rest_options(v1).storage, CodecStorage)
    assert factory.get_rest_options(v2).storage is backend
