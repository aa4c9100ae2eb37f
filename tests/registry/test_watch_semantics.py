"""Watch semantics of the Store: watch-list initial events, selector transitions, bookmarks."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.registry.generic import watch_stream

CM_PATH = "/api/v1/namespaces/default/configmaps"
MERGE = {"Content-Type": "application/merge-patch+json"}


def configmap(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}}


def watch(fakeapi: FakeAPI, query: str) -> list[dict[str, Any]]:
    response = fakeapi.server.request("GET", CM_PATH, query=f"watch=true&timeoutSeconds=1&{query}")
    assert response.status == 200
    return [json.loads(line) for line in response.body.splitlines()]


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(e["type"], e["object"]["metadata"].get("name", "")) for e in events]


def test_watch_list_sends_the_state_then_the_initial_events_end_bookmark(fakeapi: FakeAPI) -> None:
    for name in ("a", "b"):
        fakeapi.server.request("POST", CM_PATH, configmap(name, app="web"))
    fakeapi.server.request("POST", CM_PATH, configmap("other", app="db"))
    listed = fakeapi.server.request("GET", CM_PATH, query="labelSelector=app%3Dweb").json()
    events = watch(
        fakeapi,
        "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&labelSelector=app%3Dweb",
    )
    assert summary(events) == [("ADDED", "a"), ("ADDED", "b"), ("BOOKMARK", "")]
    bookmark = events[-1]["object"]
    assert bookmark["kind"] == "ConfigMap" and bookmark["apiVersion"] == "v1"
    assert bookmark["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert int(bookmark["metadata"]["resourceVersion"]) >= int(listed["metadata"]["resourceVersion"])


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        ("sendInitialEvents=true", ["sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"]),
        (
            "resourceVersion=5&resourceVersionMatch=NotOlderThan",
            ["resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"],
        ),
        (
            "sendInitialEvents=true&resourceVersionMatch=Exact",
            [
                "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                'Unsupported value: "Exact": supported values: "NotOlderThan"',
            ],
        ),
    ],
)
def test_watch_options_are_validated_as_upstream(fakeapi: FakeAPI, query: str, messages: list[str]) -> None:
    response = fakeapi.server.request("GET", CM_PATH, query=f"watch=true&{query}")
    assert response.status == 422
    causes = response.json()["details"]["causes"]
    assert [c["message"].removeprefix("Forbidden: ") for c in causes] == messages
    assert {c["field"] for c in causes} == {"resourceVersionMatch"}


def test_a_watch_from_now_is_a_watch_list(fakeapi: FakeAPI) -> None:
    fakeapi.server.request("POST", CM_PATH, configmap("only", app="web"))
    events = watch(fakeapi, "allowWatchBookmarks=true&labelSelector=app%3Dweb")
    assert summary(events) == [("ADDED", "only"), ("BOOKMARK", "")]
    assert summary(watch(fakeapi, "labelSelector=app%3Dweb")) == [("ADDED", "only")]


def test_objects_entering_and_leaving_a_selector_are_added_and_deleted(fakeapi: FakeAPI) -> None:
    start = fakeapi.server.request("GET", CM_PATH).json()["metadata"]["resourceVersion"]
    fakeapi.server.request("POST", CM_PATH, configmap("x", tier="front"))
    for tier in ("back", "front"):
        fakeapi.server.request("PATCH", f"{CM_PATH}/x", {"metadata": {"labels": {"tier": tier}}}, headers=MERGE)
    fakeapi.server.request("DELETE", f"{CM_PATH}/x")
    events = watch(fakeapi, f"resourceVersion={start}&labelSelector=tier%3Dfront")
    assert summary(events) == [("ADDED", "x"), ("DELETED", "x"), ("ADDED", "x"), ("DELETED", "x")]
    versions = [int(e["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and len(set(versions)) == 4
    # Leaving the selector is the object as it last matched, at the new revision (convertToWatchEvent).
    assert [e["object"]["metadata"]["labels"] for e in events] == [{"tier": "front"}] * 4


def _watch_while(fakeapi: FakeAPI, query: str, write: Callable[[], None]) -> list[dict[str, Any]]:
    """The events of a one-second watch during which ``write`` runs (once the watch had time to start)."""
    timer = threading.Timer(0.3, write)
    timer.start()
    try:
        return watch(fakeapi, query)
    finally:
        timer.join()


@pytest.mark.parametrize("resource_version", ["", "0"])
def test_a_watch_without_initial_events_starts_now(fakeapi: FakeAPI, resource_version: str) -> None:
    # sendInitialEvents=false from "" or "0": the cacher's getWatchCacheResourceVersion and
    # watch_cache.go's getAllEventsSinceLocked start from the current revision.
    fakeapi.server.request("POST", CM_PATH, configmap("before"))
    query = f"sendInitialEvents=false&resourceVersionMatch=NotOlderThan&resourceVersion={resource_version}"
    events = _watch_while(fakeapi, query, lambda: fakeapi.server.request("POST", CM_PATH, configmap("after")))
    assert summary(events) == [("ADDED", "after")]


def test_a_watch_from_a_revision_ahead_sends_only_what_comes_after_it(fakeapi: FakeAPI) -> None:
    # cache_watcher.go sends an event only when its resourceVersion is past the watch's.
    ahead = fakeapi.server.storage.current_revision + 2
    written: dict[str, int] = {}

    def write() -> None:
        for name in ("a", "b", "c"):
            created = fakeapi.server.request("POST", CM_PATH, configmap(name)).json()
            written[name] = int(created["metadata"]["resourceVersion"])

    events = _watch_while(fakeapi, f"resourceVersion={ahead}", write)
    assert summary(events) == [("ADDED", name) for name, revision in written.items() if revision > ahead]
    assert summary(events)[-1:] == [("ADDED", "c")]


def test_a_watch_list_from_a_revision_ahead_is_a_too_large_error(fakeapi: FakeAPI) -> None:
    # waitUntilWatchCacheFreshAndForceAllEvents gives up on a revision the cache does not reach.
    ahead = fakeapi.server.storage.current_revision + 10**6
    query = f"sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion={ahead}"
    [event] = watch(fakeapi, query)
    assert event["type"] == "ERROR"
    status = event["object"]
    assert (status["code"], status["reason"]) == (504, "Timeout")
    assert status["message"].startswith(f"Timeout: Too large resource version: {ahead}, current: ")


def test_idle_watches_get_bookmarks_at_the_current_revision(fakeapi: FakeAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watch_stream, "BOOKMARK_INTERVAL_SECONDS", 0.2)
    monkeypatch.setattr(watch_stream, "BOOKMARK_BEFORE_DEADLINE_SECONDS", 0.1)
    current = fakeapi.server.request("GET", CM_PATH).json()["metadata"]["resourceVersion"]
    events = watch(fakeapi, f"resourceVersion={current}&allowWatchBookmarks=true")
    assert events and {e["type"] for e in events} == {"BOOKMARK"}
    assert {e["object"]["metadata"]["resourceVersion"] for e in events} == {current}
    assert watch(fakeapi, f"resourceVersion={current}") == []  # no bookmarks unless asked for


def test_the_last_bookmark_comes_two_seconds_before_the_deadline(fakeapi: FakeAPI) -> None:
    # cache_watcher.go nextBookmarkTime: a minute on, or 2 s before the watch's deadline when that is sooner.
    current = fakeapi.server.request("GET", CM_PATH).json()["metadata"]["resourceVersion"]
    response = fakeapi.server.request(
        "GET", CM_PATH, query=f"watch=true&timeoutSeconds=3&resourceVersion={current}&allowWatchBookmarks=true"
    )
    events = [json.loads(line) for line in response.body.splitlines()]
    assert [(e["type"], e["object"]["metadata"]["resourceVersion"]) for e in events] == [("BOOKMARK", current)]
    # Too short a watch for any: the moment has passed before it starts.
    assert watch(fakeapi, f"resourceVersion={current}&allowWatchBookmarks=true") == []
