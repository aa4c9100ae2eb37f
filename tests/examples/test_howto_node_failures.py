"""How to test what happens when a node fails or is drained: ``fakeapi.nodes`` steers the simulated nodes.

A node's kubelet can stop (``fakeapi.nodes.stop``: no more Lease renewals) or report NotReady
(``set_ready(name, False)``). The node lifecycle controller then sets the conditions to Unknown
after the grace period and taints the node ``node.kubernetes.io/unreachable:NoExecute`` (or
``not-ready``); the taint eviction controller evicts the pods after their toleration seconds (300 s,
added by the DefaultTolerationSeconds admission plugin), and the ReplicaSet's new pods are scheduled
on the nodes left (pkg/controller/nodelifecycle, pkg/controller/tainteviction).
``kubectl drain`` evicts through the Eviction API and ``kubectl uncordon`` lets pods back.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from fakeapi.kubelet.config import ClusterConfig
from fakeapi.pytest_plugin.plugin import FakeAPI

pytestmark = [
    pytest.mark.kubectl,
    pytest.mark.fakeapi(cluster=ClusterConfig.with_workers(2), freeze="2030-01-02T00:00:00Z"),
]

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
WORKER, WORKER2 = "fakeapi-worker", "fakeapi-worker2"


def _web_pods(kubectl: Kubectl) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(kubectl("get", "pods", "-l", "app=web", "-o", "json").stdout)["items"]
    return items


def _placement(kubectl: Kubectl) -> list[tuple[str, str, bool]]:
    """(node, phase, terminating) of each web pod."""
    return sorted(
        (p["spec"]["nodeName"], p["status"]["phase"], "deletionTimestamp" in p["metadata"]) for p in _web_pods(kubectl)
    )


def _web_on_the_first_worker(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    fakeapi.nodes.cordon(WORKER2)
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    fakeapi.nodes.uncordon(WORKER2)
    assert _placement(kubectl) == [(WORKER, "Running", False)] * 2


def test_a_silent_node_goes_unknown_and_its_pods_move(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    _web_on_the_first_worker(fakeapi, kubectl)
    fakeapi.nodes.stop(WORKER)

    fakeapi.clock.advance(49)
    assert kubectl("get", "node", WORKER, "--no-headers").stdout.split()[1] == "Ready"
    fakeapi.clock.advance(1)
    node = json.loads(kubectl("get", "node", WORKER, "-o", "json").stdout)
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "Unknown",
        "NodeStatusUnknown",
        "Kubelet stopped posting node status.",
    )
    assert {(t["key"], t["effect"]) for t in node["spec"]["taints"]} == {
        ("node.kubernetes.io/unreachable", "NoExecute"),
        ("node.kubernetes.io/unreachable", "NoSchedule"),
    }
    assert kubectl("get", "node", WORKER, "--no-headers").stdout.split()[1] == "NotReady"
    # The pods are marked not ready at once (the Service stops routing to them), and stay for 300 s.
    assert all(
        c["status"] == "False" for p in _web_pods(kubectl) for c in p["status"]["conditions"] if c["type"] == "Ready"
    )
    fakeapi.clock.advance(299)
    assert _placement(kubectl) == [(WORKER, "Running", False)] * 2

    fakeapi.clock.advance(1)
    # Evicted: they stay Terminating on the silent node (no kubelet finishes them); new ones run on the other worker.
    assert _placement(kubectl) == [(WORKER, "Running", True)] * 2 + [(WORKER2, "Running", False)] * 2
    events = kubectl("get", "events", "--field-selector", "reason=TaintManagerEviction", "-o", "json").stdout
    assert len(json.loads(events)["items"]) == 2
    kubectl("rollout", "status", "deployment/web", "--timeout=10s")


def test_a_not_ready_node_is_tainted_and_drained_of_pods(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    _web_on_the_first_worker(fakeapi, kubectl)
    fakeapi.nodes.set_ready(WORKER, False)
    fakeapi.clock.advance(1)
    node = json.loads(kubectl("get", "node", WORKER, "-o", "json").stdout)
    ready = next(c for c in node["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "KubeletNotReady")
    assert ("node.kubernetes.io/not-ready", "NoExecute") in {(t["key"], t["effect"]) for t in node["spec"]["taints"]}

    fakeapi.clock.advance(300)
    # The kubelet still runs, so the evicted pods terminate and go.
    assert _placement(kubectl) == [(WORKER2, "Running", False)] * 2

    fakeapi.nodes.set_ready(WORKER)
    fakeapi.clock.advance(1)
    assert "taints" not in json.loads(kubectl("get", "node", WORKER, "-o", "json").stdout)["spec"]


def test_kubectl_drain_and_uncordon(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    _web_on_the_first_worker(fakeapi, kubectl)
    drained = kubectl("drain", WORKER, "--ignore-daemonsets", "--timeout=30s")
    assert f"node/{WORKER} drained" in drained.stdout
    assert _placement(kubectl) == [(WORKER2, "Running", False)] * 2
    listed = kubectl("get", "node", WORKER, "--no-headers").stdout.split()
    assert listed[1] == "Ready,SchedulingDisabled"
    node = json.loads(kubectl("get", "node", WORKER, "-o", "json").stdout)
    assert node["spec"]["taints"] == [{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]

    kubectl("uncordon", WORKER)
    fakeapi.clock.advance(1)
    assert kubectl("get", "node", WORKER, "--no-headers").stdout.split()[1] == "Ready"
    kubectl("scale", "deployment/web", "--replicas=4")
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    assert {p["spec"]["nodeName"] for p in _web_pods(kubectl)} == {WORKER, WORKER2}


def test_nodes_come_and_go(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    fakeapi.nodes.add("fakeapi-gpu", labels={"gpu": "true"}, cpu="32", memory="128Gi")
    fakeapi.clock.advance(1)
    node = json.loads(kubectl("get", "node", "fakeapi-gpu", "-o", "json").stdout)
    assert node["metadata"]["labels"]["gpu"] == "true"
    assert node["status"]["allocatable"]["cpu"] == "32"
    fakeapi.nodes.set_capacity("fakeapi-gpu", cpu="64")
    fakeapi.nodes.taint("fakeapi-gpu", "dedicated", "NoSchedule", "ml")
    fakeapi.clock.advance(1)
    node = json.loads(kubectl("get", "node", "fakeapi-gpu", "-o", "json").stdout)
    assert node["status"]["capacity"]["cpu"] == "64"
    assert node["spec"]["taints"] == [{"key": "dedicated", "value": "ml", "effect": "NoSchedule"}]
    fakeapi.nodes.remove("fakeapi-gpu")
    names = kubectl("get", "nodes", "-o", "name").stdout.split()
    assert names == ["node/fakeapi-control-plane", f"node/{WORKER}", f"node/{WORKER2}"]
