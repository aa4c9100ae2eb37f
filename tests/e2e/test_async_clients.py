"""lightkube and kr8s, the httpx-based clients, against fakeapi over HTTPS."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

# kr8s warns that it has not been tested against Kubernetes 1.37 yet.
pytestmark = pytest.mark.filterwarnings("ignore:Kubernetes version v1.37")

lightkube = pytest.importorskip("lightkube")
kr8s = pytest.importorskip("kr8s")

from lightkube import ApiError, Client, KubeConfig  # noqa: E402
from lightkube.models.meta_v1 import ObjectMeta  # noqa: E402
from lightkube.resources.core_v1 import ConfigMap  # noqa: E402


def _client(fakeapi: FakeAPI) -> Any:
    return Client(config=KubeConfig.from_file(str(fakeapi.kubeconfig)), field_manager="lightkube-test")


def test_lightkube_create_apply_conflict_and_pages(fakeapi: FakeAPI) -> None:
    client = _client(fakeapi)
    client.create(ConfigMap(metadata=ObjectMeta(name="lk", namespace="default"), data={"a": "1"}))
    applied = client.apply(
        ConfigMap(metadata=ObjectMeta(name="lk", namespace="default"), data={"a": "2", "b": "3"}),
        field_manager="other",
        force=True,
    )
    assert applied.data == {"a": "2", "b": "3"}
    with pytest.raises(ApiError) as conflict:
        client.apply(
            ConfigMap(metadata=ObjectMeta(name="lk", namespace="default"), data={"b": "4"}), field_manager="third"
        )
    assert conflict.value.status.code == 409
    assert conflict.value.status.reason == "Conflict"
    assert conflict.value.status.message == 'Apply failed with 1 conflict: conflict with "other": .data.b'
    for i in range(7):
        client.create(ConfigMap(metadata=ObjectMeta(name=f"page-{i}", namespace="default")))
    # lightkube follows continue tokens by itself when it is given a chunk size.
    names = [cm.metadata.name for cm in client.list(ConfigMap, namespace="default", chunk_size=3)]
    assert [n for n in names if n.startswith("page-")] == [f"page-{i}" for i in range(7)]


def test_lightkube_watch_sees_changes_in_order(fakeapi: FakeAPI) -> None:
    client = _client(fakeapi)
    listed = client.list(ConfigMap, namespace="default")
    list(listed)  # lightkube knows the list's resourceVersion once it has iterated it
    start = listed.resourceVersion
    seen: list[tuple[str, str]] = []
    done = threading.Event()

    def consume() -> None:
        for kind, obj in client.watch(ConfigMap, namespace="default", resource_version=start):
            if obj.metadata.name == "watched":
                seen.append((kind, obj.metadata.name))
                if kind == "DELETED":
                    done.set()
                    return

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    client.create(ConfigMap(metadata=ObjectMeta(name="watched", namespace="default")))
    client.patch(ConfigMap, "watched", {"data": {"x": "y"}}, namespace="default")
    client.delete(ConfigMap, "watched", namespace="default")
    assert done.wait(10)
    assert seen == [("ADDED", "watched"), ("MODIFIED", "watched"), ("DELETED", "watched")]


def test_kr8s_async_reads_writes_and_404(fakeapi: FakeAPI) -> None:
    async def scenario() -> None:
        api = await kr8s.asyncio.api(kubeconfig=str(fakeapi.kubeconfig))
        version = await api.version()
        assert version["minor"] == "37"
        from kr8s.asyncio.objects import ConfigMap as Kr8sConfigMap

        created = await Kr8sConfigMap(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "kr", "namespace": "default"},
                "data": {"k": "v"},
            },
            api=api,
        )
        await created.create()
        fetched = await Kr8sConfigMap.get("kr", namespace="default", api=api)
        assert fetched.raw["data"] == {"k": "v"}
        await fetched.patch({"data": {"k": "w"}})
        await fetched.refresh()
        assert fetched.raw["data"] == {"k": "w"}
        names = [cm.name async for cm in api.get("configmaps", namespace="default")]
        assert "kr" in names
        await fetched.delete()
        with pytest.raises(kr8s.NotFoundError):
            await Kr8sConfigMap.get("kr", namespace="default", api=api)

    asyncio.run(scenario())
