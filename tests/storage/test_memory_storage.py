"""The in-memory versioned storage: revisions, compare-and-swap, no-op updates, the watch window."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from fakeapi.storage.interfaces import KeyExistsError, KeyNotFoundError, ObjectKey, TooOldResourceVersionError
from fakeapi.storage.memory import MemoryStorage

KEY = ObjectKey("configmaps", "default", "a")


def cm(name: str = "a", **data: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": data,
    }


def test_every_write_takes_the_next_global_revision() -> None:
    storage = MemoryStorage(initial_revision=100)
    first = storage.create(KEY, cm())
    second = storage.create(ObjectKey("secrets", "default", "s"), {"metadata": {"name": "s"}})
    assert first["metadata"]["resourceVersion"] == "101"
    assert second["metadata"]["resourceVersion"] == "102"
    assert storage.current_revision == 102


def test_create_refuses_an_existing_key() -> None:
    storage = MemoryStorage()
    storage.create(KEY, cm())
    with pytest.raises(KeyExistsError):
        storage.create(KEY, cm())


def test_dry_run_create_stores_nothing_and_keeps_the_revision() -> None:
    storage = MemoryStorage()
    storage.create(KEY, cm(), dry_run=True)
    assert storage.get(KEY) is None
    assert storage.current_revision == 1


def test_update_that_changes_nothing_commits_nothing() -> None:
    storage = MemoryStorage()
    storage.create(KEY, cm(x="1"))
    watch = storage.watch("configmaps", None, storage.current_revision)

    stored, previous = storage.guaranteed_update(KEY, lambda cur: {**cm(x="1"), "metadata": dict(cur["metadata"])})

    assert stored is previous
    assert storage.current_revision == 2
    assert watch.next_event(0.05) is None


def test_guaranteed_update_reruns_the_update_after_a_concurrent_write() -> None:
    storage = MemoryStorage()
    storage.create(KEY, cm(n="0"))
    calls = []

    def bump(current: dict[str, Any]) -> dict[str, Any]:
        calls.append(current["data"]["n"])
        if len(calls) == 1:  # a concurrent writer gets in between read and commit
            storage.guaranteed_update(KEY, lambda c: {**c, "data": {"n": "concurrent"}})
        return {**current, "data": {"n": current["data"]["n"] + "+1"}}

    stored, _ = storage.guaranteed_update(KEY, bump)
    assert calls == ["0", "concurrent"]
    assert stored["data"] == {"n": "concurrent+1"}


def test_delete_removes_and_emits_the_last_state_at_the_deletion_revision() -> None:
    storage = MemoryStorage()
    storage.create(KEY, cm())
    watch = storage.watch("configmaps", "default", storage.current_revision)
    deleted = storage.delete(KEY)
    event = watch.next_event(1)
    assert event is not None and event.type == "DELETED"
    assert event.object["metadata"]["resourceVersion"] == deleted["metadata"]["resourceVersion"] == "3"
    assert storage.get(KEY) is None
    with pytest.raises(KeyNotFoundError):
        storage.delete(KEY)


def test_watch_replays_the_window_then_follows_live_changes() -> None:
    storage = MemoryStorage()
    storage.create(KEY, cm())
    storage.guaranteed_update(KEY, lambda c: {**c, "data": {"k": "v"}})
    watch = storage.watch("configmaps", None, 1)
    storage.delete(KEY)
    events = [watch.next_event(1) for _ in range(3)]
    assert [(e.type, e.revision) for e in events if e] == [("ADDED", 2), ("MODIFIED", 3), ("DELETED", 4)]


def test_watch_from_a_revision_that_left_the_window_is_too_old() -> None:
    storage = MemoryStorage(window=3)
    for i in range(5):
        storage.create(ObjectKey("configmaps", "default", f"c{i}"), cm(f"c{i}"))
    with pytest.raises(TooOldResourceVersionError) as info:
        storage.watch("configmaps", None, 2)
    assert (info.value.requested, info.value.compacted) == (2, 3)
    assert storage.watch("configmaps", None, 3).next_event(1).revision == 4  # type: ignore[union-attr]


def test_watch_filters_namespace_and_prefix() -> None:
    storage = MemoryStorage()
    watch = storage.watch("configmaps", "other", 1)
    storage.create(KEY, cm())
    storage.create(ObjectKey("secrets", "other", "s"), {"metadata": {"name": "s"}})
    storage.create(ObjectKey("configmaps", "other", "b"), cm("b"))
    event = watch.next_event(1)
    assert event is not None and event.key.name == "b"


def test_list_is_in_key_order_with_the_current_revision() -> None:
    storage = MemoryStorage()
    for ns, name in [("b", "x"), ("a", "z"), ("a", "y")]:
        storage.create(ObjectKey("configmaps", ns, name), cm(name))
    items, revision = storage.get_list("configmaps")
    assert [i["metadata"]["name"] for i in items] == ["y", "z", "x"]
    assert revision == 4
    assert [i["metadata"]["name"] for i in storage.get_list("configmaps", "a")[0]] == ["y", "z"]


def test_a_namespace_list_stays_exact_through_creates_and_deletes() -> None:
    # The ordered keys are kept between lists: each namespace's run must stay exact, also for
    # namespaces whose names begin with another's.
    storage = MemoryStorage()
    expected: dict[str, set[str]] = {}

    def check() -> None:
        for namespace in ("a", "a-b", "ab", "b", "missing"):
            names = [i["metadata"]["name"] for i in storage.get_list("configmaps", namespace)[0]]
            assert names == sorted(expected.get(namespace, ()))
        everything = [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in storage.get_list("configmaps")[0]]
        assert everything == sorted((ns, name) for ns, names in expected.items() for name in names)

    def create(namespace: str, name: str) -> None:
        storage.create(
            ObjectKey("configmaps", namespace, name), {**cm(name), "metadata": {"name": name, "namespace": namespace}}
        )
        expected.setdefault(namespace, set()).add(name)

    for namespace, name in [("ab", "m"), ("a", "z"), ("a-b", "k"), ("a", "b")]:
        create(namespace, name)
    check()
    create("a", "c")
    create("b", "a")
    storage.guaranteed_update(ObjectKey("configmaps", "a", "z"), lambda current: {**current, "data": {"v": "2"}})
    check()
    storage.delete(ObjectKey("configmaps", "a", "b"))
    expected["a"].discard("b")
    storage.delete(ObjectKey("configmaps", "ab", "m"))
    expected["ab"].discard("m")
    check()
    storage.clear()
    expected.clear()
    check()
    create("a-b", "n")
    check()


def test_concurrent_writers_get_unique_increasing_revisions() -> None:
    storage = MemoryStorage()
    revisions: list[int] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(50):
            obj = storage.create(ObjectKey("configmaps", "default", f"w{n}-{i}"), cm(f"w{n}-{i}"))
            with lock:
                revisions.append(int(obj["metadata"]["resourceVersion"]))

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(revisions) == list(range(2, 202))


def test_stopped_watch_returns_none_and_detaches() -> None:
    storage = MemoryStorage()
    watch = storage.watch("configmaps", None, 1)
    watch.stop()
    storage.create(KEY, cm())
    assert watch.next_event(0.01) is None
    assert watch.stopped


def test_list_at_an_older_revision_undoes_later_events() -> None:
    storage = MemoryStorage()
    storage.create(KEY, cm(v="1"))
    storage.create(ObjectKey("configmaps", "default", "b"), cm("b"))
    at = storage.current_revision
    storage.guaranteed_update(KEY, lambda c: {**c, "data": {"v": "2"}})
    storage.delete(ObjectKey("configmaps", "default", "b"))
    storage.create(ObjectKey("configmaps", "default", "c"), cm("c"))
    past = storage.get_list_at("configmaps", None, at)
    assert [(o["metadata"]["name"], o["data"]) for o in past] == [("a", {"v": "1"}), ("b", {})]
    assert [o["metadata"]["name"] for o in storage.get_list_at("configmaps", None, 1)] == []


def test_list_at_a_revision_that_left_the_window_is_too_old() -> None:
    storage = MemoryStorage(window=2)
    for i in range(4):
        storage.create(ObjectKey("configmaps", "default", f"c{i}"), cm(f"c{i}"))
    with pytest.raises(TooOldResourceVersionError):
        storage.get_list_at("configmaps", None, 2)


def test_history_gives_the_objects_at_the_windows_start_and_every_event_since() -> None:
    storage = MemoryStorage(window=3)
    a, b = ObjectKey("configmaps", "default", "a"), ObjectKey("configmaps", "default", "b")
    storage.create(a, {"metadata": {"name": "a"}, "data": {"v": "1"}})
    storage.create(b, {"metadata": {"name": "b"}})
    # A new object each time, as the Store hands over: the storage never changes one it holds.
    storage.guaranteed_update(a, lambda current: {"metadata": {"name": "a"}, "data": {"v": "2"}})
    storage.delete(b)
    storage.guaranteed_update(a, lambda current: {"metadata": {"name": "a"}, "data": {"v": "3"}})

    history = storage.history()
    # The window holds the last three events; before them, a had v=1 and b existed.
    assert history.start_revision == 3
    assert [(key.name, obj["metadata"]["resourceVersion"]) for key, obj in history.objects] == [("a", "2"), ("b", "3")]
    assert [(e.type, e.key.name, e.revision) for e in history.events] == [
        ("MODIFIED", "a", 4),
        ("DELETED", "b", 5),
        ("MODIFIED", "a", 6),
    ]
    after = storage.history(after=5)
    assert (after.objects, [e.revision for e in after.events]) == ([], [6])
    with pytest.raises(TooOldResourceVersionError):
        storage.history(after=2)
