"""PodDisruptionBudget status and evictions; pod garbage collection.

Upstream: pkg/controller/disruption/disruption.go, pkg/registry/core/pod/storage/eviction.go,
pkg/controller/podgc/gc_controller.go.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from controller_helpers import Api, eventually
from freezegun import freeze_time
from kubernetes import client
from kubernetes.client.rest import ApiException
from workload_helpers import make_ready

from fakeapi.controllers.manager import without_simulation
from fakeapi.kubelet.config import CONTROL_PLANE_NODE
from fakeapi.pytest_plugin.kube_tools import ToolRunner
from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.server.instance import FakeAPIServer, ServerConfig

NS = "default"
PODS = f"/api/v1/namespaces/{NS}/pods"
PDBS = f"/apis/policy/v1/namespaces/{NS}/poddisruptionbudgets"
REPLICASETS = f"/apis/apps/v1/namespaces/{NS}/replicasets"
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"
NODES = "/api/v1/nodes"


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    instance = FakeAPIServer(ServerConfig(controllers=without_simulation("disruption", "podgc"), run_controllers=False))
    # The node make_ready binds pods to: without it the pod garbage collector would delete them.
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": CONTROL_PLANE_NODE}}
    assert instance.request("POST", NODES, node).status == 201
    yield instance
    instance.check()


@pytest.fixture
def api(server: FakeAPIServer) -> Api:
    return Api(server)


def owner(obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": True,
    }


def pod(name: str, *owners: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": "web"}, "ownerReferences": list(owners), **meta},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }


def replicaset(replicas: int, *owners: dict[str, Any]) -> dict[str, Any]:
    template = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "web-1", "ownerReferences": list(owners)},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}}, "template": template},
    }


def budget(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, **spec},
    }


def status_counts(status: dict[str, Any]) -> dict[str, Any]:
    keys = ("expectedPods", "desiredHealthy", "currentHealthy", "disruptionsAllowed", "observedGeneration")
    return {k: status.get(k) for k in keys}


def condition(status: dict[str, Any]) -> tuple[str, str, str]:
    (found,) = status["conditions"]
    assert found["type"] == "DisruptionAllowed"
    assert found["observedGeneration"] == status["observedGeneration"]
    return found["status"], found["reason"], found["message"]


def ready_pods(server: FakeAPIServer, api: Api, count: int, *owners: dict[str, Any]) -> None:
    for i in range(count):
        api.create(PODS, pod(f"web-{i}", *owners))
        make_ready(server, NS, f"web-{i}")


def test_min_available_two_of_three(server: FakeAPIServer, api: Api) -> None:
    ready_pods(server, api, 3)
    api.create(PDBS, budget(minAvailable=2))
    server.settle()
    status = api.get(f"{PDBS}/web")["status"]
    assert status_counts(status) == {
        "expectedPods": 3,
        "desiredHealthy": 2,
        "currentHealthy": 3,
        "disruptionsAllowed": 1,
        "observedGeneration": 1,
    }
    assert condition(status) == ("True", "SufficientPods", "")
    assert "disruptedPods" not in status

    # One pod stops being ready: no disruption left.
    make_ready(server, NS, "web-0", ready=False)
    server.settle()
    status = api.get(f"{PDBS}/web")["status"]
    assert (status["currentHealthy"], status["disruptionsAllowed"]) == (2, 0)
    assert condition(status) == ("False", "InsufficientPods", "")

    # Written only when something changed.
    version = api.get(f"{PDBS}/web")["metadata"]["resourceVersion"]
    server.settle()
    assert api.get(f"{PDBS}/web")["metadata"]["resourceVersion"] == version

    # A pod relabelled out of the selector no longer counts.
    api.merge_patch(f"{PODS}/web-1", {"metadata": {"labels": {"app": "other"}}})
    server.settle()
    status = api.get(f"{PDBS}/web")["status"]
    assert (status["expectedPods"], status["currentHealthy"], status["disruptionsAllowed"]) == (2, 1, 0)


def test_max_unavailable_percentage_scales_from_the_controllers(server: FakeAPIServer, api: Api) -> None:
    """50% of a ReplicaSet's 3 replicas, rounded up, may be down; above it a Deployment's scale counts."""
    rs = api.create(REPLICASETS, replicaset(3))
    ready_pods(server, api, 3, owner(rs))
    api.create(PDBS, budget(maxUnavailable="50%"))
    server.settle()
    status = api.get(f"{PDBS}/web")["status"]
    assert status_counts(status) == {
        "expectedPods": 3,
        "desiredHealthy": 1,
        "currentHealthy": 3,
        "disruptionsAllowed": 2,
        "observedGeneration": 1,
    }

    template = replicaset(3)["spec"]["template"]
    deployment = api.create(
        DEPLOYMENTS,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"replicas": 6, "selector": {"matchLabels": {"app": "web"}}, "template": template},
        },
    )
    api.merge_patch(f"{REPLICASETS}/web-1", {"metadata": {"ownerReferences": [owner(deployment)]}})
    api.merge_patch(f"{PDBS}/web", {"spec": {"maxUnavailable": "50%"}, "metadata": {"labels": {"touched": "yes"}}})
    make_ready(server, NS, "web-2", ready=False)
    server.settle()
    status = api.get(f"{PDBS}/web")["status"]
    assert (status["expectedPods"], status["desiredHealthy"], status["currentHealthy"]) == (6, 3, 2)
    assert status["disruptionsAllowed"] == 0


def test_a_pod_whose_controller_is_missing_fails_safe(server: FakeAPIServer, api: Api) -> None:
    # A controller of a kind nobody serves (the garbage collector leaves such dependents alone).
    ghost = {"apiVersion": "example.com/v1", "kind": "Scaler", "name": "gone", "uid": "0000", "controller": True}
    ready_pods(server, api, 2, ghost)
    api.create(PDBS, budget(maxUnavailable=1))
    server.settle()
    status = api.get(f"{PDBS}/web")["status"]
    assert status["disruptionsAllowed"] == 0
    assert status["conditions"][0]["status"] == "False"
    assert status["conditions"][0]["reason"] == "SyncFailed"
    assert status["conditions"][0]["message"] == 'found no controllers for pod "web-0"'


@pytest.mark.fakeapi(controllers=without_simulation("disruption"))
def test_eviction_through_the_python_client(fakeapi: FakeAPI, k8s_client: client.ApiClient) -> None:
    server = fakeapi.server
    api = Api(server)
    ready_pods(server, api, 3)
    api.create(PDBS, budget(minAvailable=2))
    server.settle()
    core = client.CoreV1Api(k8s_client)

    def evict(name: str) -> Any:
        body = client.V1Eviction(metadata=client.V1ObjectMeta(name=name, namespace=NS))
        return core.create_namespaced_pod_eviction(name, NS, body)

    evict("web-0")
    assert api.absent(f"{PODS}/web-0")
    server.settle()
    status = api.get(f"{PDBS}/web")["status"]
    assert (status["currentHealthy"], status["disruptionsAllowed"]) == (2, 0)
    assert "disruptedPods" not in status  # the evicted pod is gone, so the controller dropped it

    with pytest.raises(ApiException) as refused:
        evict("web-1")
    assert refused.value.status == 429
    body = json.loads(refused.value.body)
    assert body["reason"] == "TooManyRequests"
    assert body["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert body["details"]["causes"] == [
        {"reason": "DisruptionBudget", "message": "The disruption budget web needs 2 healthy pods and has 2 currently"}
    ]
    assert api.get(f"{PODS}/web-1")["metadata"]["name"] == "web-1"

    # A pod that is not Ready costs no disruption while the budget holds.
    api.create(PODS, pod("web-3"))
    make_ready(server, NS, "web-3", ready=False)
    server.settle()
    evict("web-3")
    assert api.absent(f"{PODS}/web-3")


def test_eviction_records_the_disrupted_pod_and_waits_for_the_controller(server: FakeAPIServer, api: Api) -> None:
    ready_pods(server, api, 3)
    api.create(PODS, {**pod("held"), "metadata": {**pod("held")["metadata"], "finalizers": ["example.com/hold"]}})
    make_ready(server, NS, "held")
    api.create(PDBS, budget(minAvailable=2))
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web-0"}}
    # Not observed by the controller yet.
    refused = server.request("POST", f"{PODS}/web-0/eviction", eviction)
    assert refused.status == 429
    assert refused.json()["details"]["causes"][0]["message"] == (
        "The disruption budget web is still being processed by the server."
    )
    assert refused.json()["details"]["retryAfterSeconds"] == 10

    server.settle()
    held = {**eviction, "metadata": {"name": "held"}}
    api.create(f"{PODS}/held/eviction", held)
    status = api.get(f"{PDBS}/web")["status"]
    assert list(status["disruptedPods"]) == ["held"]
    assert status["disruptionsAllowed"] == 1
    server.settle()
    status = api.get(f"{PDBS}/web")["status"]
    # The pod is terminating (its finalizer holds it): not healthy, no longer listed as disrupted.
    assert "disruptedPods" not in status
    assert (status["currentHealthy"], status["disruptionsAllowed"]) == (3, 1)
    api.merge_patch(f"{PODS}/held", {"metadata": {"finalizers": None}})


def test_more_than_one_budget_is_a_server_error(server: FakeAPIServer, api: Api) -> None:
    ready_pods(server, api, 1)
    api.create(PDBS, budget(minAvailable=0))
    api.create(PDBS, {**budget(minAvailable=0), "metadata": {"name": "second"}})
    server.settle()
    response = server.request(
        "POST", f"{PODS}/web-0/eviction", {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "web-0"}}
    )
    assert response.status == 500
    assert response.json()["message"] == (
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
    )


def test_podgc_deletes_pods_of_a_deleted_node(server: FakeAPIServer, api: Api) -> None:
    for node in ("node-a", "node-b"):
        api.create(NODES, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}})
    hold = {"finalizers": ["example.com/hold"]}
    api.create(PODS, pod("on-a", **hold))
    api.create(PODS, pod("on-b"))
    make_ready(server, NS, "on-a", node="node-a")
    make_ready(server, NS, "on-b", node="node-b")
    server.settle()
    assert not api.absent(f"{PODS}/on-a")

    api.delete(f"{NODES}/node-a")
    server.settle()
    # The finalizer keeps the pod visible: Failed, marked as a disruption target, deleted without grace.
    orphan = api.get(f"{PODS}/on-a")
    assert orphan["status"]["phase"] == "Failed"
    target = next(c for c in orphan["status"]["conditions"] if c["type"] == "DisruptionTarget")
    assert (target["status"], target["reason"], target["message"]) == (
        "True",
        "DeletionByPodGC",
        "PodGC: node no longer exists",
    )
    assert orphan["metadata"]["deletionTimestamp"]
    assert orphan["metadata"]["deletionGracePeriodSeconds"] == 0
    assert api.get(f"{PODS}/on-b")["status"]["phase"] == "Running"
    api.merge_patch(f"{PODS}/on-a", {"metadata": {"finalizers": None}})
    server.settle()
    assert api.absent(f"{PODS}/on-a")
    (delete,) = server.audit_log.requests("delete", "pods", name="on-a")
    assert delete.user_agent.endswith("/system:serviceaccount:kube-system:pod-garbage-collector")


def test_podgc_keeps_the_newest_terminated_pods_and_removes_unscheduled_terminating(
    server: FakeAPIServer, api: Api
) -> None:
    server.controllers["podgc"].terminated_pod_threshold = 1  # type: ignore[attr-defined]
    with freeze_time("2030-01-01T00:00:00Z", ignore=["kubernetes"]) as frozen:
        for name in ("c-oldest", "a-middle", "b-newest"):
            api.create(PODS, pod(name))
            done = make_ready(server, NS, name)
            done["status"]["phase"] = "Succeeded"
            api.call("PUT", f"{PODS}/{name}/status", done)
            frozen.tick(10)
        server.settle()
    assert [p["metadata"]["name"] for p in api.get(PODS)["items"]] == ["b-newest"]

    api.create(PODS, pod("pending", finalizers=["example.com/hold"]))
    api.delete(f"{PODS}/pending")
    server.settle()
    pending = api.get(f"{PODS}/pending")
    assert pending["status"]["phase"] == "Failed"
    assert pending["metadata"]["deletionGracePeriodSeconds"] == 0
    api.merge_patch(f"{PODS}/pending", {"metadata": {"finalizers": None}})


def test_kubectl_drain_respects_the_budget(fakeapi: FakeAPI, kubectl: ToolRunner) -> None:
    """`kubectl drain` retries an eviction the budget refuses, and finishes once the budget allows it.

    A full cluster of one node: the scheduler binds the pods and the kubelet runs and stops them.
    """
    server = fakeapi.server
    api = Api(server)
    node = api.get(NODES)["items"][0]["metadata"]["name"]
    # Pods of a controller (drain refuses bare pods without --force): the ReplicaSet creates them,
    # the scheduler binds them and the kubelet runs them.
    rs = api.create(REPLICASETS, replicaset(2))
    api.create(PDBS, budget(minAvailable=2))
    kubectl("wait", "--for=jsonpath={.status.readyReplicas}=2", "replicaset/web-1", "--timeout=20s")
    evicted = {p["metadata"]["name"] for p in api.get(PODS)["items"]}
    assert len(evicted) == 2
    # The budget is met, with no disruption to spare.
    status = eventually(
        lambda: (s := api.get(f"{PDBS}/web").get("status")) and s.get("currentHealthy") == 2 and s,
        what="the budget counting both pods healthy",
    )
    assert (status["desiredHealthy"], status["disruptionsAllowed"]) == (2, 0)

    blocked = kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=3s", check=False)
    assert blocked.returncode != 0
    assert "Cannot evict pod as it would violate the pod's disruption budget." in blocked.stderr
    assert api.get(f"{NODES}/{node}")["spec"]["unschedulable"] is True

    api.merge_patch(f"{PDBS}/web", {"spec": {"minAvailable": 0}})
    server.settle()
    done = kubectl("drain", node, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=20s")
    assert f"node/{node} drained" in done.stdout
    # drain returns once the evicted pods are gone.
    for name in evicted:
        assert api.absent(f"{PODS}/{name}")

    # The ReplicaSet replaces them, but the only node is cordoned: the replacements stay Pending, unscheduled.
    def unschedulable_replacements() -> list[dict[str, Any]] | None:
        web = [p for p in api.get(PODS)["items"] if p["metadata"]["labels"].get("app") == "web"]
        scheduled = [c for p in web for c in p["status"].get("conditions") or [] if c["type"] == "PodScheduled"]
        done = len(web) == 2 and len(scheduled) == 2 and all(c["reason"] == "Unschedulable" for c in scheduled)
        return web if done else None

    replacements = eventually(unschedulable_replacements, what="two unschedulable replacement pods")
    assert not evicted & {p["metadata"]["name"] for p in replacements}
    for replacement in replacements:
        assert replacement["metadata"]["generateName"] == "web-1-"
        assert replacement["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
        assert replacement["status"]["phase"] == "Pending"
        assert not replacement["spec"].get("nodeName")
