"""A real kopf operator, run by kopf's own KopfRunner, against fakeapi."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from crd_manifests import crd_manifest

from fakeapi.pytest_plugin.plugin import FakeAPI

kopf_testing = pytest.importorskip("kopf.testing")

OPERATOR = Path(__file__).with_name("widget_operator.py")
WIDGETS = "/apis/example.com/v1/namespaces/default/widgets"
T = TypeVar("T")

CRD = crd_manifest(
    "Widget",
    schema={
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {"size": {"type": "integer", "default": 1}}},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
    },
    names={"shortNames": ["wd"]},
    subresources={"status": {}},
)


def eventually(check: Callable[[], T | None], timeout: float = 15.0, what: str = "condition") -> T:
    """Poll ``check`` until it returns something truthy; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def standalone_run(operator: Path) -> list[str]:
    """``kopf run`` arguments for an operator file watching the default namespace, without peering."""
    return ["run", "--standalone", "--namespace=default", "--verbose", str(operator)]


def get(fakeapi: FakeAPI, path: str) -> dict[str, Any] | None:
    response = fakeapi.server.request("GET", path)
    return response.json() if response.status == 200 else None


def test_kopf_operator_handles_a_custom_resource_end_to_end(fakeapi_kubeconfig_env: FakeAPI) -> None:
    fakeapi = fakeapi_kubeconfig_env
    fakeapi.seed(CRD)
    with kopf_testing.KopfRunner(standalone_run(OPERATOR), timeout=60) as runner:
        fakeapi.seed(
            {
                "apiVersion": "example.com/v1",
                "kind": "Widget",
                "metadata": {"name": "w1", "namespace": "default"},
                "spec": {"size": 3},
            }
        )

        child = eventually(lambda: get(fakeapi, "/api/v1/namespaces/default/configmaps/w1-config"), what="the child")
        assert child["data"] == {"size": "3"}
        owner = child["metadata"]["ownerReferences"][0]
        widget = get(fakeapi, f"{WIDGETS}/w1")
        assert widget is not None
        assert (owner["kind"], owner["name"], owner["uid"]) == ("Widget", "w1", widget["metadata"]["uid"])

        status = eventually(
            lambda: (get(fakeapi, f"{WIDGETS}/w1") or {}).get("status", {}).get("create_widget"), what="status"
        )
        assert status == {"child": "w1-config", "size": 3}

        # kopf posts events from a background task of its own, so they may land after the status.
        eventually(
            lambda: any(
                e["reason"] == "ChildCreated" and e["involvedObject"]["name"] == "w1"
                for e in fakeapi.server.request("GET", "/api/v1/namespaces/default/events").json()["items"]
            ),
            what="the ChildCreated event",
        )

        fakeapi.server.request(
            "PATCH", f"{WIDGETS}/w1", {"spec": {"size": 5}}, headers={"Content-Type": "application/merge-patch+json"}
        )
        eventually(
            lambda: (
                (get(fakeapi, "/api/v1/namespaces/default/configmaps/w1-config") or {}).get("data") == {"size": "5"}
            ),
            what="the update handler",
        )

        fakeapi.server.request("DELETE", f"{WIDGETS}/w1")
        eventually(lambda: get(fakeapi, f"{WIDGETS}/w1") is None, what="the widget to go (finalizer released)")
        eventually(
            lambda: get(fakeapi, "/api/v1/namespaces/default/configmaps/w1-config") is None, what="garbage collection"
        )

    assert runner.exit_code == 0, runner.output
    assert runner.exception is None
    assert "Handler 'create_widget' succeeded" in runner.output
    assert "Handler 'delete_widget' succeeded" in runner.output
