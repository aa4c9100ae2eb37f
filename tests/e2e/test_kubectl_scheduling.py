"""Real kubectl reads what the scheduler leaves: nodes in ``get pods -o wide``, the Unschedulable condition and events in ``describe``."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
# The worker's whole allocatable is less than the request, so evicting pods there would not help either.
MESSAGE = (
    "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
    "{node-role.kubernetes.io/control-plane: }. preemption: 0/2 nodes are available: "
    "2 Preemption is not helpful for scheduling."
)
BIG_POD = """
apiVersion: v1
kind: Pod
metadata:
  name: big
spec:
  containers:
  - name: app
    image: nginx
    resources:
      requests:
        cpu: "2"
"""


def _node(fakeapi: FakeAPI, name: str, cpu: str, taints: list[dict[str, Any]]) -> None:
    server = fakeapi.server
    body = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}, "spec": {"taints": taints}}
    created = server.request("POST", "/api/v1/nodes", body).json()
    created["status"] = {"capacity": {"cpu": cpu, "memory": "8Gi", "pods": "110"}}
    created["status"]["allocatable"] = created["status"]["capacity"]
    assert server.request("PUT", f"/api/v1/nodes/{name}/status", created).status == 200


@pytest.mark.fakeapi(controllers=without_simulation("scheduler"), run_controllers=False)
def test_kubectl_shows_where_pods_went_and_why_one_did_not(kubectl: Kubectl, fakeapi: FakeAPI) -> None:
    _node(
        fakeapi, "kind-control-plane", "4", [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
    )
    _node(fakeapi, "kind-worker", "1", [])
    kubectl("run", "small", "--image=nginx")
    kubectl("apply", "-f", "-", input=BIG_POD)
    fakeapi.server.settle()

    rows = [
        line.split() for line in kubectl("get", "pods", "-o", "wide", "--sort-by=.metadata.name").stdout.splitlines()
    ]
    assert rows[0] == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED",
        "NODE",
        "READINESS",
        "GATES",
    ]
    assert [(r[0], r[2], r[6]) for r in rows[1:]] == [("big", "Pending", "<none>"), ("small", "Pending", "kind-worker")]

    described = kubectl("describe", "pod", "big").stdout
    assert "Node:             <none>" in described
    assert "  Type           Status\n  PodScheduled   False \n" in described
    event = next(line for line in described.splitlines() if "FailedScheduling" in line).split(None, 4)
    assert event[0] == "Warning" and event[1] == "FailedScheduling" and event[3] == "default-scheduler"
    assert event[4] == MESSAGE

    small = kubectl("describe", "pod", "small").stdout
    assert "Node:             kind-worker/" in small
    assert "Successfully assigned default/small to kind-worker" in small
