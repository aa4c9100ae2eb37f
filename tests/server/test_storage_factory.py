"""StorageFactory: one shared backend by default, a backend of its own for a group-resource when set."""

from __future__ import annotations

from fakeapi.apimachinery.schema import GroupResource, GroupVersionResource
from fakeapi.server.storage.storage_factory import StorageFactory
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


def test_a_separated_version_gets_its_own_prefix() -> None:
    factory = StorageFactory(MemoryStorage())
    v1 = GroupVersionResource("autoscaling", "v1", "horizontalpodautoscalers")
    factory.separate_version(v1)
    assert factory.resource_prefix(v1) == "autoscaling/horizontalpodautoscalers@v1"
    assert factory.resource_prefix(GroupVersionResource("autoscaling", "v2", "horizontalpodautoscalers")) == (
        "autoscaling/horizontalpodautoscalers"
    )
