"""Helpers of the controller tests: in-process requests that check their status, and waiting for a deletion."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

from crd_manifests import crd_manifest

from fakeapi.server.instance import FakeAPIServer
from fakeapi.storage.interfaces import ObjectKey
from fakeapi.util.clock import real_monotonic

# A namespaced custom resource with any content: what a test needs of a resource defined at run time.
WIDGET_CRD = crd_manifest("Widget", names={"listKind": "WidgetList"})

T = TypeVar("T")


class Api:
    """In-process requests that check the status code and return the decoded body."""

    def __init__(self, server: FakeAPIServer) -> None:
        self.server = server

    def call(self, method: str, path: str, body: Any = None, *, status: int = 200, **kwargs: Any) -> Any:
        response = self.server.request(method, path, body, **kwargs)
        assert response.status == status, f"{method} {path}: {response.status} {response.body.decode()}"
        return response.json() if response.body else None

    def create(self, path: str, body: dict[str, Any]) -> Any:
        return self.call("POST", path, body, status=201)

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def absent(self, path: str) -> bool:
        return self.server.request("GET", path).status == 404

    def delete(self, path: str, propagation: str | None = None, *, status: int = 200) -> Any:
        options = {"propagationPolicy": propagation} if propagation else None
        return self.call("DELETE", path, options, status=status)

    def merge_patch(self, path: str, patch: dict[str, Any]) -> Any:
        return self.call(
            "PATCH",
            path,
            json.dumps(patch).encode(),
            headers={"Content-Type": "application/merge-patch+json"},
        )

    def namespace(self, name: str) -> Any:
        return self.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})

    def events_about(self, kind: str, name: str, namespace: str = "default") -> list[tuple[str, str, str]]:
        """(type, reason, message) of the core Events about one object, oldest first."""
        events = self.get(f"/api/v1/namespaces/{namespace}/events")["items"]
        about = [e for e in events if (e["involvedObject"]["kind"], e["involvedObject"]["name"]) == (kind, name)]
        return [(e["type"], e["reason"], e["message"]) for e in sorted(about, key=lambda e: e["metadata"]["name"])]


def wait_deleted(server: FakeAPIServer, key: ObjectKey, timeout: float) -> float:
    """Wait for the object at ``key`` to be deleted; the seconds it took. Fails after ``timeout``."""
    start = real_monotonic()
    watch = server.storage.watch(key.prefix, key.namespace or None, server.storage.current_revision)
    try:
        if server.storage.get(key) is None:
            return real_monotonic() - start
        while (remaining := start + timeout - real_monotonic()) > 0:
            event = watch.next_event(remaining)
            if event is not None and event.type == "DELETED" and event.key == key:
                return real_monotonic() - start
    finally:
        watch.stop()
    raise AssertionError(f"{key} still exists after {timeout} s")


def eventually(check: Callable[[], T | None], timeout: float = 20.0, what: str = "the condition") -> T:
    """Poll ``check`` until it returns something other than None or False; that value. Fails after ``timeout``.

    For clusters whose controllers run in background threads: wait on the state, never on a sleep.
    """
    deadline = real_monotonic() + timeout
    while True:
        value = check()
        if value is not None and value is not False:
            return value
        if real_monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)
