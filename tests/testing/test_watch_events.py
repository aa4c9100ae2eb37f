"""The watch event log: one entry per event line a watch response sent, with the client that got it."""

from __future__ import annotations

import threading

import pytest
from testing_objects import configmap

from fakeapi import FakeAPIServer
from fakeapi.controllers.manager import without_simulation

# Watch events of a test's own writes: no controller writes meanwhile.
pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

TIMEOUT = 10.0
AGENT = {"User-Agent": "my-operator/1.0"}
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io"


def _watch(server: FakeAPIServer, path: str, query: str, headers: dict[str, str] | None = None) -> list[bytes]:
    answer = server.request(
        "GET", path, query=f"watch=1&timeoutSeconds=1&{query}", headers={**AGENT, **(headers or {})}
    )
    assert answer.status == 200
    return answer.body.splitlines()


def test_each_line_sent_is_recorded_with_the_object_and_the_client(server: FakeAPIServer) -> None:
    created = server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("watched")).json()
    lines = _watch(server, "/api/v1/namespaces/default/configmaps", "fieldSelector=metadata.name%3Dwatched")

    (event,) = server.watch_events.events()
    assert len(lines) == 1
    assert (event.type, event.resource, event.api_group) == ("ADDED", "configmaps", "")
    assert (event.namespace, event.name) == ("default", "watched")
    assert event.resource_version == created["metadata"]["resourceVersion"]
    assert (event.user_agent, event.user, event.verb) == ("my-operator/1.0", "system:apiserver", "watch")
    assert event.request is server.audit_log.requests("watch")[0]
    assert (
        str(event)
        == f"#{event.sequence} ADDED configmaps default/watched rv={event.resource_version} to 'my-operator/1.0'"
    )


def test_a_table_watch_names_the_rows_object(server: FakeAPIServer) -> None:
    server.request("POST", "/apis/apps/v1/namespaces/default/deployments", _deployment("web"))
    _watch(server, "/apis/apps/v1/namespaces/default/deployments", "", headers={"Accept": TABLE})

    (event,) = server.watch_events.events(resource="deployments")
    assert (event.type, event.api_group, event.name, event.namespace) == ("ADDED", "apps", "web", "default")
    assert event.resource_version


def test_initial_events_end_with_a_bookmark(server: FakeAPIServer) -> None:
    query = "sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=1&allowWatchBookmarks=true"
    _watch(server, "/api/v1/namespaces", query)

    *added, bookmark = server.watch_events.events(resource="namespaces")
    assert {e.type for e in added} == {"ADDED"}
    assert {"default", "kube-system"} <= {e.name for e in added}
    assert (bookmark.type, bookmark.name) == ("BOOKMARK", "")
    assert int(bookmark.resource_version) >= max(int(e.resource_version) for e in added)


def test_queries_and_waiting(server: FakeAPIServer) -> None:
    def watch_then_create() -> None:
        server.request("POST", "/api/v1/namespaces/default/configmaps", configmap("later"))

    timer = threading.Timer(0.2, watch_then_create)
    timer.start()
    try:
        _watch(server, "/api/v1/namespaces/default/configmaps", "")
    finally:
        timer.cancel()

    later = server.watch_events.wait_for(timeout=TIMEOUT, type="ADDED", name="later")
    assert later is not None and later.user_agent == "my-operator/1.0"
    assert server.watch_events.events("DELETED") == []
    assert server.watch_events.events(("ADDED", "MODIFIED"), "configmaps", user_agent="my-operator")
    assert server.watch_events.wait_for(lambda e: e.name == "never", 0.05) is None
    server.watch_events.clear()
    assert server.watch_events.events() == []


def _deployment(name: str) -> dict[str, object]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}},
        },
    }
