"""How to test what a real cluster's controllers do: a Deployment rolls out, its pods run on the
node and a Service routes to them, with real kubectl, as the README shows.

The fixture's cluster runs the workload controllers, a scheduler and a kubelet on its node, so a
test waits for a rollout the way a user does, with ``kubectl rollout status`` or
``kubectl wait``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def test_rollout(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    assert fakeapi.get("apps/v1", "Deployment", "web")["status"]["availableReplicas"] == 3


def test_the_controllers_events_tell_what_they_did(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    kubectl("rollout", "status", "deployment/web", "--timeout=30s")
    (replica_set,) = fakeapi.list("apps/v1", "ReplicaSet", label_selector="app=web")
    name = replica_set["metadata"]["name"]
    pods = sorted(p["metadata"]["name"] for p in fakeapi.list("v1", "Pod", label_selector="app=web"))

    events = json.loads(kubectl("get", "events", "-o", "json").stdout)["items"]
    told = sorted(
        (e["involvedObject"]["kind"], e["source"].get("component", ""), e["reason"], e["message"]) for e in events
    )
    assert told == sorted(
        [
            ("Deployment", "deployment-controller", "ScalingReplicaSet", f"Scaled up replica set {name} from 0 to 2"),
            *(("ReplicaSet", "replicaset-controller", "SuccessfulCreate", f"Created pod: {pod}") for pod in pods),
            *(
                ("Pod", "", "Scheduled", f"Successfully assigned default/{pod} to fakeapi-control-plane")
                for pod in pods
            ),
        ]
    )
    described = kubectl("describe", "deployment", "web").stdout
    assert f"Scaled up replica set {name} from 0 to 2" in described


def test_a_service_routes_to_the_ready_pods(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2", "--port=80")
    kubectl("expose", "deployment", "web", "--port=8080", "--target-port=80")
    kubectl("wait", "--for=condition=Available", "deployment/web", "--timeout=30s")

    pods = json.loads(kubectl("get", "pods", "-l", "app=web", "-o", "json").stdout)["items"]
    assert {p["spec"]["nodeName"] for p in pods} == {"fakeapi-control-plane"}
    pod_ips = sorted(p["status"]["podIP"] for p in pods)
    slices = fakeapi.list("discovery.k8s.io/v1", "EndpointSlice", label_selector="kubernetes.io/service-name=web")
    [endpoint_slice] = slices
    assert sorted(e["addresses"][0] for e in endpoint_slice["endpoints"]) == pod_ips
    assert endpoint_slice["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
