"""The storage's secondary indexes (the cacher's Indexers; client-go's ByIndex for informers).

Controllers read a ReplicaSet's pods by controller UID and a node's pods by node name from
them (pkg/controller/controller_utils.go AddPodControllerUIDIndexer, PodNodeNameKeyIndex), so
an index must follow every write, clear and restore exactly.
"""

from __future__ import annotations

from typing import Any

from fakeapi.controllers.controller_utils import orphan_pod_index_key, pod_controller_uid_index, pod_node_name_index
from fakeapi.storage.interfaces import ObjectKey
from fakeapi.storage.memory import MemoryStorage


def pod(name: str, node: str = "", owner: str = "", namespace: str = "ns") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if owner:
        metadata["ownerReferences"] = [{"uid": owner, "controller": True, "kind": "ReplicaSet", "name": "rs"}]
    return {"metadata": metadata, "spec": {"nodeName": node} if node else {}}


def key(name: str, namespace: str = "ns") -> ObjectKey:
    return ObjectKey("pods", namespace, name)


def names(objects: list[dict[str, Any]]) -> list[str]:
    return [o["metadata"]["name"] for o in objects]


def test_an_index_follows_creates_updates_and_deletes() -> None:
    storage = MemoryStorage()
    storage.create(key("b"), pod("b", node="n1", owner="u1"))
    storage.add_index("pods", "node", pod_node_name_index)  # built from what is there
    storage.add_index("pods", "owner", pod_controller_uid_index)
    storage.create(key("a"), pod("a", node="n1"))
    storage.create(key("c"), pod("c"))

    assert names(storage.by_index("pods", "node", "n1")) == ["a", "b"]
    assert names(storage.by_index("pods", "owner", "u1")) == ["b"]
    assert names(storage.by_index("pods", "owner", orphan_pod_index_key("ns"))) == ["a", "c"]

    storage.guaranteed_update(key("a"), lambda current: pod("a", node="n2", owner="u1"))
    storage.delete(key("b"))

    assert names(storage.by_index("pods", "node", "n1")) == []
    assert names(storage.by_index("pods", "node", "n2")) == ["a"]
    assert names(storage.by_index("pods", "owner", "u1")) == ["a"]
    assert names(storage.by_index("pods", "owner", orphan_pod_index_key("ns"))) == ["c"]
    assert storage.by_index("pods", "owner", "nobody") == [] and storage.by_index("nodes", "owner", "u1") == []


def test_an_index_is_rebuilt_on_clear_and_restore() -> None:
    storage = MemoryStorage()
    storage.add_index("pods", "node", pod_node_name_index)
    storage.create(key("a"), pod("a", node="n1"))
    objects, revision = storage.dump()

    storage.clear()
    assert storage.by_index("pods", "node", "n1") == []
    storage.create(key("b"), pod("b", node="n1"))
    storage.restore(objects, revision)
    assert names(storage.by_index("pods", "node", "n1")) == ["a"]
