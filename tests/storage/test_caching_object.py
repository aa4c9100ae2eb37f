"""The storage's shared encodings (storage/caching_object.py, after cacher/caching_object.go).

Each version in the watch window is encoded once and the same bytes are handed out again; the
bytes are always those a fresh ``encode_json`` of the same object gives, whatever the object
holds; versions that are neither current nor in the window, and objects the storage does not
hold, are encoded afresh.
"""

from __future__ import annotations

from typing import Any

from fakeapi.apimachinery.jsonutil import encode_json
from fakeapi.endpoints.http import encode_json_body
from fakeapi.storage.caching_object import EncodedObjects, list_item
from fakeapi.storage.interfaces import ObjectKey
from fakeapi.storage.memory import MemoryStorage


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": name, "namespace": "ns"}, "data": data}


def key(name: str) -> ObjectKey:
    return ObjectKey("configmaps", "ns", name)


def test_a_stored_version_is_encoded_once_and_its_bytes_are_a_fresh_encoding() -> None:
    storage = MemoryStorage()
    stored = storage.create(key("a"), configmap("a", text="ünïcode ✓", quote='"<&>"'))
    encodings = storage.encodings

    first = encodings.encode(stored)

    assert first == encode_json(stored)
    assert encodings.encode(stored) is first  # the cached bytes, not a second encoding
    assert encodings.watch_event("ADDED", stored) == encode_json({"type": "ADDED", "object": stored}) + b"\n"
    assert encodings.body(stored) == encode_json_body(stored)


def test_list_items_are_one_dict_per_version_and_lists_encode_as_a_whole() -> None:
    storage = MemoryStorage()
    a = storage.create(key("a"), configmap("a", x="1"))
    b = storage.create(key("b"), configmap("b", y="2"))
    encodings = storage.encodings

    items = [encodings.list_item(a), encodings.list_item(b)]
    listed = {"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {"resourceVersion": "3"}, "items": items}

    assert items == [list_item(a), list_item(b)] and "kind" not in items[0]
    assert encodings.list_item(a) is items[0]
    assert encodings.body(listed) == encode_json_body(listed)
    assert encodings.encode(items[0]) is encodings.encode(encodings.list_item(a))
    empty = {"apiVersion": "v1", "kind": "ConfigMapList", "metadata": {}, "items": []}
    assert encodings.body(empty) == encode_json_body(empty)
    only_items = {"items": items}
    assert encodings.body(only_items) == encode_json_body(only_items)
    items_not_last = {"items": items, "kind": "ConfigMapList"}
    assert encodings.body(items_not_last) == encode_json_body(items_not_last)


def test_an_update_is_a_new_version_with_its_own_bytes_and_the_old_ones_stay_true() -> None:
    storage = MemoryStorage()
    old = storage.create(key("a"), configmap("a", v="old"))
    old_bytes = storage.encodings.encode(old)

    new, previous = storage.guaranteed_update(key("a"), lambda current: configmap("a", v="new"))
    deleted = storage.delete(key("a"))

    assert previous is old
    assert storage.encodings.encode(new) == encode_json(new) and b'"new"' in storage.encodings.encode(new)
    assert storage.encodings.encode(old) is old_bytes and old_bytes == encode_json(old)
    assert storage.encodings.encode(deleted) == encode_json(deleted)
    assert deleted["metadata"]["resourceVersion"] == "4"


def test_current_versions_keep_their_encodings_after_leaving_the_window() -> None:
    storage = MemoryStorage(window=3)
    versions = [storage.create(key(f"cm-{i}"), configmap(f"cm-{i}")) for i in range(5)]
    encoded = [storage.encodings.encode(v) for v in versions]

    # Every version is its object's current one: all keep their bytes, in the window or not.
    assert storage.encodings.tracked() == 5
    assert storage.encodings.encode(versions[0]) is encoded[0]
    assert storage.encodings.list_item(versions[0]) is storage.encodings.list_item(versions[0])


def test_versions_neither_current_nor_in_the_window_lose_their_encodings() -> None:
    storage = MemoryStorage(window=3)
    first = storage.create(key("a"), configmap("a", v="1"))
    storage.create(key("b"), configmap("b"))
    storage.create(key("c"), configmap("c"))
    storage.create(key("d"), configmap("d"))  # "a"'s creation leaves the window; "a" is still current
    assert storage.encodings.encode(first) is storage.encodings.encode(first)

    second, _ = storage.guaranteed_update(key("a"), lambda current: configmap("a", v="2"))
    # The first version is neither current nor in the window: encoded afresh, and still right.
    assert storage.encodings.encode(first) == encode_json(first)
    assert storage.encodings.encode(first) is not storage.encodings.encode(first)
    assert storage.encodings.encode(second) is storage.encodings.encode(second)

    storage.create(key("e"), configmap("e"))
    storage.create(key("f"), configmap("f"))
    storage.create(key("g"), configmap("g"))  # the update leaves the window; "a" is still current
    assert storage.encodings.encode(second) is storage.encodings.encode(second)
    storage.delete(key("a"))
    storage.create(key("h"), configmap("h"))
    storage.create(key("i"), configmap("i"))
    storage.create(key("j"), configmap("j"))  # the deletion leaves the window too
    assert storage.encodings.encode(second) is not storage.encodings.encode(second)
    # The nine current objects b..j are tracked; a's versions and its tombstone are not.
    assert storage.encodings.tracked() == 9


def test_clear_and_restore_drop_every_encoding() -> None:
    storage = MemoryStorage()
    storage.create(key("a"), configmap("a"))
    objects, revision = storage.dump()

    storage.clear()
    assert storage.encodings.tracked() == 0
    storage.create(key("b"), configmap("b"))
    storage.restore(objects, revision)
    assert storage.encodings.tracked() == 0


def test_an_object_the_storage_does_not_hold_is_encoded_afresh() -> None:
    encodings = EncodedObjects()
    obj = configmap("loose")

    assert encodings.encode(obj) == encode_json(obj)
    assert encodings.encode(obj) is not encodings.encode(obj)
    assert encodings.list_item(obj) == list_item(obj)
