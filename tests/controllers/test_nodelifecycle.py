"""The node lifecycle and taint eviction controllers on a stepped cluster (pkg/controller/nodelifecycle,
pkg/controller/tainteviction): taints follow the Ready condition and spec.unschedulable; tolerations decide
when a pod goes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from freezegun import freeze_time

from fakeapi.controllers.tainteviction import min_toleration_seconds
from fakeapi.kubelet.config import ClusterConfig
from fakeapi.server.instance import FakeAPIServer, ServerConfig

WORKER = "fakeapi-worker"
UNREACHABLE = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}


@pytest.mark.parametrize(
    ("tolerations", "expected"),
    [
        ([], 0.0),
        ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}], None),
        ([{"key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 30}], 30.0),
        ([{"operator": "Exists", "tolerationSeconds": -5}], 0.0),
    ],
)
def test_min_toleration_seconds(tolerations: list[dict[str, Any]], expected: float | None) -> None:
    assert min_toleration_seconds(tolerations, [UNREACHABLE]) == expected


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    instance = FakeAPIServer(
        ServerConfig(run_controllers=False, cluster=ClusterConfig.with_workers(1, kube_system=False))
    )
    with freeze_time(datetime(2030, 1, 2, tzinfo=UTC)):
        instance.settle()
        yield instance
        instance.check()


def _node(server: FakeAPIServer) -> Any:
    return server.request("GET", f"/api/v1/nodes/{WORKER}").json()


def test_cordon_gives_the_unschedulable_taint_and_uncordon_takes_it_away(server: FakeAPIServer) -> None:
    server.nodes.cordon(WORKER)
    server.settle()
    assert _node(server)["spec"]["taints"] == [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    server.nodes.uncordon(WORKER)
    server.settle()
    assert "taints" not in _node(server)["spec"]


def test_a_pod_tolerating_unreachable_forever_stays(server: FakeAPIServer) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "agent", "namespace": "default"},
        "spec": {
            "nodeName": WORKER,
            "containers": [{"name": "c", "image": "agent:1"}],
            "tolerations": [{"operator": "Exists"}],
        },
    }
    server.seed(pod)
    server.settle()
    server.nodes.stop(WORKER)
    server.clock.advance(3600)
    node = _node(server)
    assert {t["key"] for t in node["spec"]["taints"]} == {"node.kubernetes.io/unreachable"}
    assert next(t for t in node["spec"]["taints"] if t["effect"] == "NoExecute")["timeAdded"] == "2030-01-02T00:00:50Z"
    kept = server.request("GET", "/api/v1/namespaces/default/pods/agent").json()
    assert "deletionTimestamp" not in kept["metadata"]

    # The kubelet comes back: the node is Ready again and the taints go.
    server.nodes.start(WORKER)
    server.settle()
    assert "taints" not in _node(server)["spec"]
    ready = next(c for c in _node(server)["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("True", "KubeletReady")


def test_node_control_refuses_unknown_nodes(server: FakeAPIServer) -> None:
    with pytest.raises(ValueError, match="nope is not a simulated node"):
        server.nodes.stop("nope")
    with pytest.raises(ValueError, match="node fakeapi-worker is already simulated"):
        server.nodes.add(WORKER)
