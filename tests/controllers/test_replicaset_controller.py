"""The ReplicaSet and ReplicationController controllers (pkg/controller/replicaset, pkg/controller/replication).

Pods are made Running and Ready by the tests themselves (workload_helpers), as the simulated
kubelet would report them; the controllers are stepped with ``settle()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from controller_helpers import Api
from freezegun import freeze_time
from workload_helpers import make_ready, ready_all_pods

from fakeapi.apimachinery import errors
from fakeapi.apimachinery.schema import GroupResource
from fakeapi.controllers.controller_utils import POD_DELETION_COST
from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.kube_tools import ToolRunner
from fakeapi.pytest_plugin.plugin import FakeAPI
from fakeapi.server.instance import FakeAPIServer, ServerConfig

NS = "default"
REPLICASETS = f"/apis/apps/v1/namespaces/{NS}/replicasets"
RCS = f"/api/v1/namespaces/{NS}/replicationcontrollers"
PODS = f"/api/v1/namespaces/{NS}/pods"
DEPLOYMENTS = f"/apis/apps/v1/namespaces/{NS}/deployments"
# Loopback requests run as the API server; the controller is named by its user agent, as kube-controller-manager's.
AGENT = "kube-controller-manager/v1.37.0 (linux/amd64) kubernetes/0000000/system:serviceaccount:kube-system:"
CONTROLLER_AGENT = AGENT + "replicaset-controller"


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    """A stepped server running the two replica controllers besides the default ones."""
    instance = FakeAPIServer(
        ServerConfig(controllers=without_simulation("replicaset", "replicationcontroller"), run_controllers=False)
    )
    yield instance
    instance.check()


def template(app: str, **extra_labels: str) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": app, **extra_labels}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
    }


def replica_set(name: str, replicas: int, *, min_ready: int = 0, owner: dict[str, Any] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if owner is not None:
        metadata["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": metadata,
        "spec": {
            "replicas": replicas,
            "minReadySeconds": min_ready,
            "selector": {"matchLabels": {"app": name}},
            "template": template(name),
        },
    }


def bare_pod(name: str, app: str) -> dict[str, Any]:
    body = template(app)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **body["metadata"]}, "spec": body["spec"]}


def pods(api: Api, **labels: str) -> list[dict[str, Any]]:
    selector = ",".join(f"{k}={v}" for k, v in labels.items())
    items: list[dict[str, Any]] = api.call("GET", PODS, query=f"labelSelector={selector}")["items"]
    return items


def names(items: list[dict[str, Any]]) -> set[str]:
    return {item["metadata"]["name"] for item in items}


def scale(api: Api, path: str, replicas: int) -> None:
    api.merge_patch(path, {"spec": {"replicas": replicas}})


def test_pods_are_created_from_the_template_with_a_controller_reference(server: FakeAPIServer, api: Api) -> None:
    rs = api.create(REPLICASETS, replica_set("web", 3))
    server.settle()

    created = pods(api, app="web")
    assert len(created) == 3
    for pod in created:
        assert pod["metadata"]["generateName"] == "web-"
        assert pod["metadata"]["name"].startswith("web-")
        assert pod["metadata"]["labels"] == {"app": "web"}
        assert pod["metadata"]["ownerReferences"] == [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web",
                "uid": rs["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        assert pod["spec"]["containers"][0]["image"] == "nginx:1.27"
    # Written as the controller's own service account, through the API.
    server.audit_log.assert_requested("create", "pods", count=3, user_agent=CONTROLLER_AGENT, code=201)
    status = api.get(f"{REPLICASETS}/web")["status"]
    assert status == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1, "terminatingReplicas": 0}

    ready_all_pods(server, NS)
    server.settle()
    status = api.get(f"{REPLICASETS}/web")["status"]
    assert status == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "observedGeneration": 1,
        "terminatingReplicas": 0,
    }


def test_status_is_written_only_when_it_changed(server: FakeAPIServer, api: Api) -> None:
    api.create(REPLICASETS, replica_set("web", 2))
    server.settle()
    writes = len(server.audit_log.requests("update", "replicasets", subresource="status", user_agent=CONTROLLER_AGENT))
    server.controllers["replicaset"].enqueue_key(f"{NS}/web", cause="test")
    server.settle()
    assert len(server.audit_log.requests("update", "replicasets", subresource="status")) == writes
    # A spec change that needs no pods still moves observedGeneration.
    api.merge_patch(f"{REPLICASETS}/web", {"spec": {"minReadySeconds": 5}})
    server.settle()
    rs = api.get(f"{REPLICASETS}/web")
    assert rs["metadata"]["generation"] == 2
    assert rs["status"]["observedGeneration"] == 2


def test_scale_up_and_down_deletes_unscheduled_and_not_ready_pods_first(server: FakeAPIServer, api: Api) -> None:
    api.create(REPLICASETS, replica_set("web", 4))
    server.settle()
    first, second, third, fourth = sorted(names(pods(api, app="web")))
    make_ready(server, NS, first)
    make_ready(server, NS, second)
    # Bound but not ready; the fourth stays unscheduled.
    api.create(
        f"{PODS}/{third}/binding",
        {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": third}, "target": {"kind": "Node", "name": "n"}},
    )
    server.settle()

    scale(api, f"{REPLICASETS}/web", 3)
    server.settle()
    assert names(pods(api, app="web")) == {first, second, third}
    scale(api, f"{REPLICASETS}/web", 2)
    server.settle()
    assert names(pods(api, app="web")) == {first, second}
    status = api.get(f"{REPLICASETS}/web")["status"]
    assert (status["replicas"], status["readyReplicas"], status["availableReplicas"]) == (2, 2, 2)
    deletes = server.audit_log.requests("delete", "pods", user_agent=CONTROLLER_AGENT)
    assert [e.name for e in deletes] == [fourth, third]

    scale(api, f"{REPLICASETS}/web", 5)
    server.settle()
    assert len(pods(api, app="web")) == 5
    assert api.get(f"{REPLICASETS}/web")["status"]["replicas"] == 5


def test_scale_down_prefers_pods_doubled_up_with_their_deployments_other_pods(server: FakeAPIServer, api: Api) -> None:
    """getPodsRankedByRelatedPodsOnSameNode: pods of the other ReplicaSets of the same Deployment count."""
    deployment = api.create(
        DEPLOYMENTS,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "app"},
            "spec": {"selector": {"matchLabels": {"app": "old"}}, "template": template("old")},
        },
    )
    with freeze_time("2030-01-01T00:00:00Z", ignore=["kubernetes"]):
        api.create(REPLICASETS, replica_set("old", 1, owner=deployment))
        api.create(REPLICASETS, replica_set("new", 2, owner=deployment))
        server.settle()
        (old_pod,) = names(pods(api, app="old"))
        low, high = sorted(names(pods(api, app="new")))
        # Everything equal but the node: without the ranks the lower name would go first.
        make_ready(server, NS, old_pod, node="node-1")
        make_ready(server, NS, high, node="node-1")
        make_ready(server, NS, low, node="node-2")
        server.settle()
        scale(api, f"{REPLICASETS}/new", 1)
        server.settle()
    assert names(pods(api, app="new")) == {low}


def test_scale_down_deletes_the_lowest_pod_deletion_cost_first(server: FakeAPIServer, api: Api) -> None:
    with freeze_time("2030-01-01T00:00:00Z", ignore=["kubernetes"]):
        api.create(REPLICASETS, replica_set("web", 3))
        server.settle()
        ready_all_pods(server, NS)
        low, middle, high = sorted(names(pods(api, app="web")))
        # Everything else equal, the lowest name would go first; the cost overrides it.
        api.merge_patch(f"{PODS}/{high}", {"metadata": {"annotations": {POD_DELETION_COST: "-5"}}})
        api.merge_patch(f"{PODS}/{low}", {"metadata": {"annotations": {POD_DELETION_COST: "10"}}})
        server.settle()
        scale(api, f"{REPLICASETS}/web", 1)
        server.settle()
    assert names(pods(api, app="web")) == {low}
    deletes = server.audit_log.requests("delete", "pods", user_agent=CONTROLLER_AGENT)
    assert [e.name for e in deletes] == [high, middle]


def test_an_orphan_pod_matching_the_selector_is_adopted(server: FakeAPIServer, api: Api) -> None:
    orphan = api.create(PODS, bare_pod("stray", "web"))
    elsewhere = api.create(
        "/api/v1/namespaces/kube-system/pods",
        bare_pod("stray", "web"),
    )
    rs = api.create(REPLICASETS, replica_set("web", 2))
    server.settle()

    adopted = api.get(f"{PODS}/stray")
    assert adopted["metadata"]["uid"] == orphan["metadata"]["uid"]
    assert adopted["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]
    assert adopted["metadata"]["ownerReferences"][0]["controller"] is True
    # Only the missing replica is created; a pod of another namespace is never adopted.
    assert len(pods(api, app="web")) == 2
    server.audit_log.assert_requested("create", "pods", count=1, user_agent=CONTROLLER_AGENT)
    assert "ownerReferences" not in api.get("/api/v1/namespaces/kube-system/pods/stray")["metadata"]
    assert elsewhere["metadata"]["uid"]


def test_an_orphan_created_later_wakes_the_matching_replica_sets_only(server: FakeAPIServer, api: Api) -> None:
    api.create(REPLICASETS, replica_set("web", 2))
    api.create(REPLICASETS, replica_set("db", 1))
    server.settle()
    api.create(PODS, bare_pod("stray", "web"))
    causes = [(e.key, e.cause) for e in server.enqueue_log.events if e.listener == "replicaset" and "stray" in e.cause]
    assert causes == [(f"{NS}/web", "orphan pod stray added")]
    server.settle()
    # Adopted, and then one of the three surplus: the ReplicaSet is back at two pods, all its own.
    web = pods(api, app="web")
    assert len(web) == 2
    assert {p["metadata"]["ownerReferences"][0]["name"] for p in web} == {"web"}
    server.audit_log.assert_requested("delete", "pods", count=1, user_agent=CONTROLLER_AGENT)


def test_a_relabelled_pod_is_released_and_replaced(server: FakeAPIServer, api: Api) -> None:
    api.create(REPLICASETS, replica_set("web", 2))
    server.settle()
    leaving = sorted(names(pods(api, app="web")))[0]
    api.merge_patch(f"{PODS}/{leaving}", {"metadata": {"labels": {"app": "debug"}}})
    server.settle()

    released = api.get(f"{PODS}/{leaving}")
    assert released["metadata"].get("ownerReferences", []) == []
    remaining = names(pods(api, app="web"))
    assert leaving not in remaining
    assert len(remaining) == 2
    assert api.get(f"{REPLICASETS}/web")["status"]["replicas"] == 2


def test_a_deleted_pod_is_replaced(server: FakeAPIServer, api: Api) -> None:
    api.create(REPLICASETS, replica_set("web", 2))
    server.settle()
    before = names(pods(api, app="web"))
    gone = sorted(before)[0]
    api.delete(f"{PODS}/{gone}")
    server.settle()
    after = names(pods(api, app="web"))
    assert len(after) == 2
    assert gone not in after
    assert after & before == before - {gone}


def test_terminating_and_finished_pods_do_not_count(server: FakeAPIServer, api: Api) -> None:
    api.create(REPLICASETS, replica_set("web", 2))
    server.settle()
    held, done = sorted(names(pods(api, app="web")))
    # A finalizer keeps the deleted pod (as a kubelet would until its containers stop).
    api.merge_patch(f"{PODS}/{held}", {"metadata": {"finalizers": ["example.com/hold"]}})
    api.delete(f"{PODS}/{held}")
    pod = make_ready(server, NS, done)
    pod["status"]["phase"] = "Succeeded"
    api.call("PUT", f"{PODS}/{done}/status", pod)
    server.settle()

    active = [p for p in pods(api, app="web") if p["metadata"]["name"] not in (held, done)]
    assert len(active) == 2
    status = api.get(f"{REPLICASETS}/web")["status"]
    assert (status["replicas"], status["terminatingReplicas"]) == (2, 1)

    api.merge_patch(f"{PODS}/{held}", {"metadata": {"finalizers": None}})
    server.settle()
    assert api.get(f"{REPLICASETS}/web")["status"]["terminatingReplicas"] == 0


def test_a_replica_set_being_deleted_makes_no_pods(server: FakeAPIServer, api: Api) -> None:
    api.create(REPLICASETS, replica_set("web", 2))
    server.settle()
    # Held by a finalizer of someone else, so the ReplicaSet stays while being deleted.
    api.merge_patch(f"{REPLICASETS}/web", {"metadata": {"finalizers": ["example.com/hold"]}})
    api.delete(f"{REPLICASETS}/web", "Orphan")
    server.settle()
    orphaned = sorted(names(pods(api, app="web")))
    assert len(orphaned) == 2
    api.delete(f"{PODS}/{orphaned[0]}")
    server.settle()
    # Neither replaced nor adopted back while the owner is being deleted.
    assert names(pods(api, app="web")) == {orphaned[1]}
    assert "ownerReferences" not in api.get(f"{PODS}/{orphaned[1]}")["metadata"]
    server.audit_log.assert_requested("create", "pods", count=2, user_agent=CONTROLLER_AGENT)


def test_available_replicas_wait_for_min_ready_seconds(server: FakeAPIServer, api: Api) -> None:
    with freeze_time("2030-01-01T00:00:00Z", ignore=["kubernetes"]) as frozen:
        api.create(REPLICASETS, replica_set("web", 2, min_ready=30))
        server.settle()
        ready_all_pods(server, NS)
        server.settle()
        status = api.get(f"{REPLICASETS}/web")["status"]
        assert (status["readyReplicas"], status.get("availableReplicas")) == (2, None)

        frozen.tick(29)
        server.settle()
        assert "availableReplicas" not in api.get(f"{REPLICASETS}/web")["status"]
        frozen.tick(1)
        server.settle()
        assert api.get(f"{REPLICASETS}/web")["status"]["availableReplicas"] == 2


def test_failed_creates_stop_the_slow_start_and_set_replica_failure(server: FakeAPIServer, api: Api) -> None:
    refusal = errors.new_forbidden(GroupResource("", "pods"), "web-", "exceeded quota: pods, requested: pods=1")
    fault = server.faults.fail(refusal, times=None, verb="create", resource="pods")
    api.create(REPLICASETS, replica_set("web", 5))
    server.settle()
    # Each sync stops after its first batch (one pod) failed: the first sync, and the one its own
    # status write (the condition) caused, as upstream's updateRS handler requeues it.
    server.audit_log.assert_requested("create", "pods", count=2, code=403)
    condition = api.get(f"{REPLICASETS}/web")["status"]["conditions"]
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in condition] == [
        ("ReplicaFailure", "True", "FailedCreate", refusal.message)
    ]

    fault.remove()
    api.merge_patch(f"{REPLICASETS}/web", {"metadata": {"annotations": {"retry": "now"}}})
    server.settle()
    assert len(pods(api, app="web")) == 5
    # Slow start: batches of 1, 2 and 2 after the failure.
    assert len(server.audit_log.requests("create", "pods", code=201)) == 5
    assert "conditions" not in api.get(f"{REPLICASETS}/web")["status"]


def replication_controller(name: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ReplicationController",
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"app": name}, "template": template(name)},
    }


def test_a_replication_controller_is_run_the_same_way(server: FakeAPIServer, api: Api) -> None:
    orphan = api.create(PODS, bare_pod("stray", "rc"))
    rc = api.create(RCS, replication_controller("rc", 3))
    server.settle()

    created = pods(api, app="rc")
    assert len(created) == 3
    for pod in created:
        assert pod["metadata"]["ownerReferences"] == [
            {
                "apiVersion": "v1",
                "kind": "ReplicationController",
                "name": "rc",
                "uid": rc["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    assert orphan["metadata"]["name"] in names(created)
    server.audit_log.assert_requested("create", "pods", count=2, user_agent=AGENT + "replication-controller")
    ready_all_pods(server, NS)
    server.settle()
    assert api.get(f"{RCS}/rc")["status"] == {
        "replicas": 3,
        "fullyLabeledReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        "observedGeneration": 1,
    }

    api.delete(f"{PODS}/stray")
    api.call(
        "PUT",
        f"{RCS}/rc/scale",
        {
            "apiVersion": "autoscaling/v1",
            "kind": "Scale",
            "metadata": {"name": "rc", "namespace": NS},
            "spec": {"replicas": 1},
        },
    )
    server.settle()
    assert len(pods(api, app="rc")) == 1
    assert api.get(f"{RCS}/rc")["status"]["replicas"] == 1
    # The ReplicaSet controller leaves ReplicationControllers' pods alone.
    server.audit_log.assert_not_requested("delete", "pods", user_agent=CONTROLLER_AGENT)


RS_MANIFEST = """
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""


@pytest.mark.fakeapi(controllers=without_simulation("replicaset"))
def test_kubectl_scale_and_get_replicaset(kubectl: ToolRunner, fakeapi: FakeAPI) -> None:
    kubectl("apply", "-f", "-", input=RS_MANIFEST)
    fakeapi.server.settle()
    ready_all_pods(fakeapi.server, NS)
    fakeapi.server.settle()

    assert kubectl("scale", "rs/web", "--replicas=5").stdout.strip() == "replicaset.apps/web scaled"
    fakeapi.server.settle()
    rows = kubectl("get", "rs", "web").stdout.split("\n")
    assert rows[0].split() == ["NAME", "DESIRED", "CURRENT", "READY", "AGE"]
    assert rows[1].split()[:4] == ["web", "5", "5", "2"]

    ready_all_pods(fakeapi.server, NS)
    fakeapi.server.settle()
    rows = kubectl("get", "rs", "web", "-o", "wide").stdout.split("\n")
    assert rows[0].split() == ["NAME", "DESIRED", "CURRENT", "READY", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"]
    assert rows[1].split()[:4] == ["web", "5", "5", "5"]
    assert rows[1].split()[5:] == ["web", "nginx:1.27", "app=web"]
    described = kubectl("describe", "rs", "web").stdout
    assert "Replicas:     5 current / 5 desired" in described
    assert "Pods Status:  5 Running / 0 Waiting / 0 Succeeded / 0 Failed" in described
    listed = kubectl("get", "pods", "-l", "app=web", "-o", "name").stdout.split()
    assert len(listed) == 5
    assert all(name.startswith("pod/web-") for name in listed)
