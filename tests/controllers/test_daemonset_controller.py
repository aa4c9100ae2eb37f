"""The DaemonSet controller (pkg/controller/daemon): pods per eligible node, rolling updates, revisions, status.

Expected objects follow what a real cluster shows (daemon_controller_test.go and update_test.go
check the same decisions): one pod per node pinned with ``matchFields metadata.name In [node]``,
the default daemon tolerations, the ``controller-revision-hash`` and ``pod-template-generation``
labels, and the status counts ``kubectl rollout status`` reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from controller_helpers import Api
from freezegun import freeze_time
from workload_helpers import make_ready, ready_all_pods

from fakeapi.controllers.daemon.util import node_should_run_daemon_pod
from fakeapi.controllers.manager import without_simulation
from fakeapi.kubelet.config import ClusterConfig
from fakeapi.pytest_plugin.handle import FakeAPI
from fakeapi.server.instance import FakeAPIServer, ServerConfig

NS = "default"
DS_PATH = f"/apis/apps/v1/namespaces/{NS}/daemonsets"
PODS_PATH = f"/api/v1/namespaces/{NS}/pods"
REVISIONS_PATH = f"/apis/apps/v1/namespaces/{NS}/controllerrevisions"
NODES = ("node-a", "node-b", "node-c")

# util.AddOrUpdateDaemonPodTolerations, in upstream's order.
DAEMON_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
]


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    """A server with the DaemonSet controller (and the apiserver's own), stepped by settle()."""
    instance = FakeAPIServer(ServerConfig(controllers=without_simulation("daemonset"), run_controllers=False))
    yield instance
    instance.check()


def add_node(api: Api, name: str, labels: dict[str, str] | None = None, **spec: Any) -> Any:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels or {}}, "spec": spec}
    created = api.create("/api/v1/nodes", node)
    created["status"] = {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}]}
    return api.call("PUT", f"/api/v1/nodes/{name}/status", created)


def daemon_set(name: str = "agent", image: str = "agent:1", **spec: Any) -> dict[str, Any]:
    pod_spec = spec.pop("pod_spec", {})
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "agent", "image": image}], **pod_spec},
            },
            **spec,
        },
    }


def pinned(pod: dict[str, Any]) -> str:
    """The node a daemon pod's ``metadata.name In [node]`` affinity names."""
    required = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    node: str = required["nodeSelectorTerms"][0]["matchFields"][0]["values"][0]
    return node


def target(pod: dict[str, Any]) -> str:
    """GetTargetNodeName: where the pod is bound, or pinned to go."""
    return pod["spec"].get("nodeName") or pinned(pod)


def pods_by_node_of(api: Api, app: str = "agent") -> dict[str, dict[str, Any]]:
    """One DaemonSet's live pods by their node (one each, or the test fails)."""
    result: dict[str, dict[str, Any]] = {}
    for pod in api.get(PODS_PATH)["items"]:
        if pod["metadata"]["labels"]["app"] == app:
            node = target(pod)
            assert node not in result, f"two pods for {node}"
            result[node] = pod
    return result


def roll_out(server: FakeAPIServer) -> None:
    """Make pods ready until the controller creates no more: the rollout has finished."""
    server.settle()
    while ready_all_pods(server, NS):
        server.settle()


def _affinity(key: str, operator: str, *values: str) -> dict[str, Any]:
    requirement: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        requirement["values"] = list(values)
    term = {"matchExpressions": [requirement]}
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}}}


def status(api: Api, name: str = "agent") -> dict[str, Any]:
    result: dict[str, Any] = api.get(f"{DS_PATH}/{name}")["status"]
    return result


def set_image(api: Api, image: str, name: str = "agent") -> None:
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "agent", "image": image}]}}}}
    api.merge_patch(f"{DS_PATH}/{name}", patch)


@pytest.fixture
def api(server: FakeAPIServer) -> Api:
    api = Api(server)
    for name in NODES:
        add_node(api, name)
    return api


def test_one_pod_per_node_pinned_by_node_affinity_with_daemon_labels_and_tolerations(
    server: FakeAPIServer, api: Api
) -> None:
    ds = api.create(DS_PATH, daemon_set())
    assert ds["metadata"]["annotations"] == {"deprecated.daemonset.template.generation": "1"}
    server.settle()

    revisions = api.get(REVISIONS_PATH)["items"]
    assert len(revisions) == 1
    revision = revisions[0]
    hash_value = revision["metadata"]["labels"]["controller-revision-hash"]
    assert revision["metadata"]["name"] == f"agent-{hash_value}"
    assert revision["revision"] == 1
    assert revision["metadata"]["labels"] == {"app": "agent", "controller-revision-hash": hash_value}
    assert revision["data"]["spec"]["template"]["$patch"] == "replace"
    assert revision["metadata"]["ownerReferences"][0]["uid"] == ds["metadata"]["uid"]

    pods = pods_by_node_of(api)
    assert sorted(pods) == list(NODES)
    for node, pod in pods.items():
        assert pod["metadata"]["name"].startswith("agent-")
        assert pod["metadata"]["generateName"] == "agent-"
        assert pod["metadata"]["labels"] == {
            "app": "agent",
            "controller-revision-hash": hash_value,
            "pod-template-generation": "1",
        }
        assert pod["metadata"]["ownerReferences"] == [
            {
                "apiVersion": "apps/v1",
                "kind": "DaemonSet",
                "name": "agent",
                "uid": ds["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        # Placed by the scheduler through the affinity, not by the controller.
        assert "nodeName" not in pod["spec"]
        assert pod["spec"]["affinity"] == {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}
                    ]
                }
            }
        }
        assert pod["spec"]["tolerations"] == DAEMON_TOLERATIONS

    # Pending pods count as scheduled for their node; none is ready yet.
    assert status(api) == {
        "currentNumberScheduled": 3,
        "desiredNumberScheduled": 3,
        "numberMisscheduled": 0,
        "numberReady": 0,
        "numberUnavailable": 3,
        "updatedNumberScheduled": 3,
        "observedGeneration": 1,
    }

    make_ready(server, NS, pods["node-a"]["metadata"]["name"])
    server.settle()
    assert status(api)["numberReady"] == 1
    assert status(api)["numberAvailable"] == 1
    assert status(api)["numberUnavailable"] == 2

    ready_all_pods(server, NS)
    server.settle()
    assert status(api) == {
        "currentNumberScheduled": 3,
        "desiredNumberScheduled": 3,
        "numberMisscheduled": 0,
        "numberReady": 3,
        "numberAvailable": 3,
        "updatedNumberScheduled": 3,
        "observedGeneration": 1,
    }
    # Settled means settled: nothing more to write.
    assert {p["metadata"]["name"] for p in pods.values()} == {
        p["metadata"]["name"] for p in pods_by_node_of(api).values()
    }


def test_the_template_generation_moves_only_with_the_template(server: FakeAPIServer, api: Api) -> None:
    """pkg/registry/apps/daemonset/strategy.go: generation follows the spec, the template generation the template."""
    api.create(DS_PATH, daemon_set())
    annotation = "deprecated.daemonset.template.generation"
    ds = api.merge_patch(f"{DS_PATH}/agent", {"spec": {"minReadySeconds": 5}})
    assert (ds["metadata"]["generation"], ds["metadata"]["annotations"][annotation]) == (2, "1")
    ds = api.merge_patch(f"{DS_PATH}/agent", {"metadata": {"annotations": {annotation: "7"}}})
    assert (ds["metadata"]["generation"], ds["metadata"]["annotations"][annotation]) == (2, "1")
    set_image(api, "agent:2")
    ds = api.get(f"{DS_PATH}/agent")
    assert (ds["metadata"]["generation"], ds["metadata"]["annotations"][annotation]) == (3, "2")


def test_min_ready_seconds_delays_availability_on_the_server_clock(server: FakeAPIServer, api: Api) -> None:
    with freeze_time("2030-01-02T03:04:05Z", ignore=["kubernetes"]) as frozen:
        api.create(DS_PATH, daemon_set(minReadySeconds=10))
        roll_out(server)
        assert status(api)["numberReady"] == 3
        assert "numberAvailable" not in status(api)
        assert status(api)["numberUnavailable"] == 3
        frozen.tick(9)
        server.settle()
        assert "numberAvailable" not in status(api)
        frozen.tick(1)
        server.settle()
        assert status(api)["numberAvailable"] == 3
        assert "numberUnavailable" not in status(api)


def test_a_host_network_pod_also_tolerates_an_unavailable_network(server: FakeAPIServer, api: Api) -> None:
    api.create(DS_PATH, daemon_set(pod_spec={"hostNetwork": True}))
    server.settle()
    pod = pods_by_node_of(api)["node-a"]
    assert pod["spec"]["tolerations"] == [
        *DAEMON_TOLERATIONS,
        {"key": "node.kubernetes.io/network-unavailable", "operator": "Exists", "effect": "NoSchedule"},
    ]


def test_a_tainted_node_is_skipped_unless_tolerated(server: FakeAPIServer, api: Api) -> None:
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    add_node(api, "node-gpu", taints=[taint])
    api.create(DS_PATH, daemon_set())
    toleration = {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
    api.create(DS_PATH, daemon_set("gpu-agent", pod_spec={"tolerations": [toleration]}))
    server.settle()

    nodes = {app: sorted(pods_by_node_of(api, app)) for app in ("agent", "gpu-agent")}
    assert nodes == {"agent": list(NODES), "gpu-agent": [*NODES, "node-gpu"]}
    assert status(api)["desiredNumberScheduled"] == 3
    assert status(api, "gpu-agent")["desiredNumberScheduled"] == 4
    gpu_pod = pods_by_node_of(api, "gpu-agent")["node-gpu"]
    assert gpu_pod["spec"]["tolerations"] == [toleration, *DAEMON_TOLERATIONS]


def test_taints_added_later_no_schedule_keeps_the_pod_no_execute_evicts_it(server: FakeAPIServer, api: Api) -> None:
    api.create(DS_PATH, daemon_set())
    server.settle()
    ready_all_pods(server, NS)
    server.settle()
    kept = pods_by_node_of(api)["node-b"]["metadata"]["name"]

    api.merge_patch("/api/v1/nodes/node-b", {"spec": {"taints": [{"key": "maint", "effect": "NoSchedule"}]}})
    server.settle()
    assert pods_by_node_of(api)["node-b"]["metadata"]["name"] == kept
    # The node no longer wants a daemon pod, but may keep its running one: counted as misscheduled.
    assert status(api)["desiredNumberScheduled"] == 2
    assert status(api)["currentNumberScheduled"] == 2
    assert status(api)["numberMisscheduled"] == 1

    api.merge_patch("/api/v1/nodes/node-b", {"spec": {"taints": [{"key": "maint", "effect": "NoExecute"}]}})
    server.settle()
    assert sorted(pods_by_node_of(api)) == ["node-a", "node-c"]
    assert status(api)["numberMisscheduled"] == 0


def test_cordoned_nodes_keep_and_get_daemon_pods(server: FakeAPIServer, api: Api) -> None:
    api.merge_patch("/api/v1/nodes/node-c", {"spec": {"unschedulable": True}})
    add_node(
        api, "node-d", unschedulable=True, taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}]
    )
    api.create(DS_PATH, daemon_set())
    server.settle()
    assert sorted(pods_by_node_of(api)) == [*NODES, "node-d"]


def test_node_selector_and_node_affinity_choose_nodes_as_their_labels_change(server: FakeAPIServer, api: Api) -> None:
    api.merge_patch("/api/v1/nodes/node-b", {"metadata": {"labels": {"disktype": "ssd", "zone": "z1"}}})
    api.create(DS_PATH, daemon_set(pod_spec={"nodeSelector": {"disktype": "ssd"}}))
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [{"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["z1"]}]}]
            }
        }
    }
    api.create(DS_PATH, daemon_set("zonal", pod_spec={"affinity": affinity}))
    server.settle()
    by_app: dict[str, list[str]] = {}
    for pod in api.get(PODS_PATH)["items"]:
        values = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        by_app.setdefault(pod["metadata"]["labels"]["app"], []).append(
            values["nodeSelectorTerms"][0]["matchFields"][0]["values"][0]
        )
    # The template's own required terms are replaced by the node name (upstream assumes they agree).
    assert {k: sorted(v) for k, v in by_app.items()} == {"agent": ["node-b"], "zonal": ["node-a", "node-c"]}

    api.merge_patch("/api/v1/nodes/node-c", {"metadata": {"labels": {"disktype": "ssd"}}})
    server.settle()
    assert sorted(n for n, p in pods_by_node_of(api, "agent").items()) == ["node-b", "node-c"]

    api.merge_patch("/api/v1/nodes/node-b", {"metadata": {"labels": {"disktype": None}}})
    server.settle()
    assert sorted(pods_by_node_of(api, "agent")) == ["node-c"]
    assert status(api)["desiredNumberScheduled"] == 1


def test_node_added_gets_a_pod_and_a_removed_node_loses_its_pending_pod(server: FakeAPIServer, api: Api) -> None:
    api.create(DS_PATH, daemon_set())
    server.settle()
    add_node(api, "node-d")
    server.settle()
    assert sorted(pods_by_node_of(api)) == [*NODES, "node-d"]
    events = [(e.key, e.cause) for e in server.enqueue_log.events if e.listener == "daemonset"]
    assert ("default/agent", "node node-d added") in events
    assert status(api)["desiredNumberScheduled"] == 4

    # A pod the scheduler never bound is deleted by the DaemonSet controller when its node goes.
    api.delete("/api/v1/nodes/node-d")
    server.settle()
    assert sorted(pods_by_node_of(api)) == list(NODES)
    assert status(api)["desiredNumberScheduled"] == 3
    assert status(api)["currentNumberScheduled"] == 3


def test_a_removed_node_stops_counting_and_its_bound_pod_is_left_to_pod_gc(server: FakeAPIServer, api: Api) -> None:
    api.create(DS_PATH, daemon_set())
    server.settle()
    ready_all_pods(server, NS)
    server.settle()
    bound = pods_by_node_of(api)["node-c"]["metadata"]["name"]

    api.delete("/api/v1/nodes/node-c")
    server.settle()
    # Upstream the pod GC controller deletes pods bound to a node that is gone; the DaemonSet does not.
    assert bound in {p["metadata"]["name"] for p in api.get(PODS_PATH)["items"]}
    assert status(api) == {
        "currentNumberScheduled": 2,
        "desiredNumberScheduled": 2,
        "numberMisscheduled": 0,
        "numberReady": 2,
        "numberAvailable": 2,
        "updatedNumberScheduled": 2,
        "observedGeneration": 1,
    }


def test_rolling_update_with_max_unavailable_one_replaces_one_node_at_a_time(server: FakeAPIServer, api: Api) -> None:
    api.create(DS_PATH, daemon_set())
    server.settle()
    ready_all_pods(server, NS)
    server.settle()
    old_hash = pods_by_node_of(api)["node-a"]["metadata"]["labels"]["controller-revision-hash"]

    set_image(api, "agent:2")
    ds = api.get(f"{DS_PATH}/agent")
    assert ds["metadata"]["generation"] == 2
    assert ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"
    server.settle()
    revisions = sorted(api.get(REVISIONS_PATH)["items"], key=lambda r: r["revision"])
    assert [r["revision"] for r in revisions] == [1, 2]
    new_hash = revisions[1]["metadata"]["labels"]["controller-revision-hash"]
    assert revisions[0]["metadata"]["labels"]["controller-revision-hash"] == old_hash != new_hash

    for step, node in enumerate(NODES, start=1):
        pods = pods_by_node_of(api)
        images = {n: p["spec"]["containers"][0]["image"] for n, p in pods.items()}
        # Nodes are taken in name order: the first `step` carry the new pod, the rest still the old one.
        assert images == {n: "agent:2" if i < step else "agent:1" for i, n in enumerate(NODES)}
        new_pod = pods[node]
        assert new_pod["metadata"]["labels"]["controller-revision-hash"] == new_hash
        assert new_pod["metadata"]["labels"]["pod-template-generation"] == "2"
        assert status(api) == {
            "currentNumberScheduled": 3,
            "desiredNumberScheduled": 3,
            "numberMisscheduled": 0,
            "numberReady": 2,
            "numberAvailable": 2,
            "numberUnavailable": 1,
            "updatedNumberScheduled": step,
            "observedGeneration": 2,
        }
        make_ready(server, NS, new_pod["metadata"]["name"])
        server.settle()

    assert status(api) == {
        "currentNumberScheduled": 3,
        "desiredNumberScheduled": 3,
        "numberMisscheduled": 0,
        "numberReady": 3,
        "numberAvailable": 3,
        "updatedNumberScheduled": 3,
        "observedGeneration": 2,
    }


def test_rolling_update_with_max_surge_starts_the_new_pod_before_the_old_one_goes(
    server: FakeAPIServer, api: Api
) -> None:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    api.create(DS_PATH, daemon_set(updateStrategy=strategy))
    server.settle()
    ready_all_pods(server, NS)
    server.settle()
    set_image(api, "agent:2")
    server.settle()

    pods = api.get(PODS_PATH)["items"]
    on_a = [p for p in pods if pinned(p) == "node-a"]
    assert sorted(p["spec"]["containers"][0]["image"] for p in on_a) == ["agent:1", "agent:2"]
    assert len(pods) == 4
    assert status(api)["numberAvailable"] == 3

    new_pod = next(p for p in on_a if p["spec"]["containers"][0]["image"] == "agent:2")
    make_ready(server, NS, new_pod["metadata"]["name"])
    server.settle()
    pods = api.get(PODS_PATH)["items"]
    assert sorted((pinned(p), p["spec"]["containers"][0]["image"]) for p in pods) == [
        ("node-a", "agent:2"),
        ("node-b", "agent:1"),
        ("node-b", "agent:2"),
        ("node-c", "agent:1"),
    ]


def test_on_delete_replaces_only_the_pods_a_user_deletes(server: FakeAPIServer, api: Api) -> None:
    api.create(DS_PATH, daemon_set(updateStrategy={"type": "OnDelete"}))
    server.settle()
    ready_all_pods(server, NS)
    server.settle()
    set_image(api, "agent:2")
    server.settle()
    assert {p["spec"]["containers"][0]["image"] for p in pods_by_node_of(api).values()} == {"agent:1"}
    assert "updatedNumberScheduled" not in status(api)

    api.delete(f"{PODS_PATH}/{pods_by_node_of(api)['node-b']['metadata']['name']}")
    server.settle()
    images = {n: p["spec"]["containers"][0]["image"] for n, p in pods_by_node_of(api).items()}
    assert images == {"node-a": "agent:1", "node-b": "agent:2", "node-c": "agent:1"}
    assert status(api)["updatedNumberScheduled"] == 1


def test_revision_history_limit_keeps_only_revisions_pods_still_use_or_the_newest(
    server: FakeAPIServer, api: Api
) -> None:
    api.create(DS_PATH, daemon_set(revisionHistoryLimit=1))
    server.settle()
    for image in ("agent:2", "agent:3", "agent:4"):
        set_image(api, image)
        roll_out(server)
    revisions = sorted(api.get(REVISIONS_PATH)["items"], key=lambda r: r["revision"])
    assert [r["revision"] for r in revisions] == [3, 4]

    # Back to an old template: its revision is made again and becomes the newest.
    set_image(api, "agent:3")
    server.settle()
    revisions = sorted(api.get(REVISIONS_PATH)["items"], key=lambda r: r["revision"])
    assert [r["revision"] for r in revisions] == [4, 5]
    assert revisions[1]["data"]["spec"]["template"]["spec"]["containers"][0]["image"] == "agent:3"


def test_orphan_pods_matching_the_selector_are_adopted_on_their_node(server: FakeAPIServer, api: Api) -> None:
    orphan = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "stray", "labels": {"app": "agent"}},
        "spec": {"nodeName": "node-a", "containers": [{"name": "agent", "image": "agent:0"}]},
    }
    api.create(PODS_PATH, orphan)
    make_ready(server, NS, "stray")
    ds = api.create(DS_PATH, daemon_set())
    server.settle()
    stray = api.get(f"{PODS_PATH}/stray")
    assert stray["metadata"]["ownerReferences"][0]["uid"] == ds["metadata"]["uid"]
    pods = pods_by_node_of(api)
    assert pods["node-a"]["metadata"]["name"] == "stray"
    # Adopted, but of no revision: an old pod, replaced once the new ones elsewhere are available.
    assert status(api)["updatedNumberScheduled"] == 2
    roll_out(server)
    pods = pods_by_node_of(api)
    assert pods["node-a"]["metadata"]["name"] != "stray"
    assert pods["node-a"]["spec"]["containers"][0]["image"] == "agent:1"
    assert status(api)["updatedNumberScheduled"] == 3


def test_deleting_the_daemon_set_is_left_to_the_garbage_collector(server: FakeAPIServer, api: Api) -> None:
    api.create(DS_PATH, daemon_set())
    server.settle()
    api.delete(f"{DS_PATH}/agent")
    server.settle()
    assert api.get(PODS_PATH)["items"] == []
    assert api.get(REVISIONS_PATH)["items"] == []


def _node(labels: dict[str, str] | None = None, taints: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"metadata": {"name": "n1", "labels": labels or {}}, "spec": {"taints": taints or []}}


@pytest.mark.parametrize(
    ("node", "pod_spec", "expected"),
    [
        (_node(), {}, (True, True)),
        # An untolerated NoSchedule taint: no new pod, but a running one stays.
        (_node(taints=[{"key": "k", "effect": "NoSchedule"}]), {}, (False, True)),
        (_node(taints=[{"key": "k", "effect": "NoExecute"}]), {}, (False, False)),
        (_node(taints=[{"key": "k", "effect": "PreferNoSchedule"}]), {}, (True, True)),
        # An empty key with Exists tolerates every taint.
        (_node(taints=[{"key": "k", "effect": "NoExecute"}]), {"tolerations": [{"operator": "Exists"}]}, (True, True)),
        (
            _node(taints=[{"key": "k", "value": "a", "effect": "NoSchedule"}]),
            {"tolerations": [{"key": "k", "value": "b", "effect": "NoSchedule"}]},
            (False, True),
        ),
        # The default daemon tolerations cover a not-ready node.
        (_node(taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoExecute"}]), {}, (True, True)),
        (_node({"disk": "ssd"}), {"nodeSelector": {"disk": "hdd"}}, (False, False)),
        (_node(), {"nodeName": "n2"}, (False, False)),
        (_node(), {"nodeName": "n1"}, (True, True)),
        (_node({"cores": "16"}), {"affinity": _affinity("cores", "Gt", "8")}, (True, True)),
        (_node({"cores": "4"}), {"affinity": _affinity("cores", "Gt", "8")}, (False, False)),
        (_node({"cores": "4"}), {"affinity": _affinity("cores", "Lt", "8")}, (True, True)),
        (_node(), {"affinity": _affinity("gpu", "DoesNotExist")}, (True, True)),
        (_node({"gpu": ""}), {"affinity": _affinity("gpu", "Exists")}, (True, True)),
    ],
)
def test_node_should_run_daemon_pod(
    node: dict[str, Any], pod_spec: dict[str, Any], expected: tuple[bool, bool]
) -> None:
    """NodeShouldRunDaemonPod as daemon_controller_test.go's predicate cases expect."""
    assert node_should_run_daemon_pod(node, daemon_set(pod_spec=pod_spec)) == expected


AGENT_MANIFEST = """
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: default}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec: {containers: [{name: agent, image: "agent:1"}]}
"""


@pytest.mark.fakeapi(controllers=without_simulation("daemonset"))
def test_kubectl_rollout_status_follows_the_daemon_set_status(fakeapi: FakeAPI, kubectl: Any) -> None:
    """``kubectl rollout status --watch=false`` reads the counts the controller writes (pods readied by hand)."""
    server = fakeapi.server
    api = Api(server)
    for name in NODES:
        add_node(api, name)
    kubectl("apply", "-f", "-", input=AGENT_MANIFEST)
    server.settle()
    rollout = ("rollout", "status", "daemonset/agent", "--watch=false")
    assert (
        kubectl(*rollout).stdout
        == 'Waiting for daemon set "agent" rollout to finish: 0 of 3 updated pods are available...\n'
    )
    roll_out(server)
    assert kubectl(*rollout).stdout == 'daemon set "agent" successfully rolled out\n'

    kubectl("set", "image", "daemonset/agent", "agent=agent:2")
    server.settle()
    assert kubectl(*rollout).stdout == (
        'Waiting for daemon set "agent" rollout to finish: 1 out of 3 new pods have been updated...\n'
    )
    roll_out(server)
    assert kubectl(*rollout).stdout == 'daemon set "agent" successfully rolled out\n'
    history = kubectl("rollout", "history", "daemonset/agent").stdout.split("\n")
    assert [line.split()[0] for line in history[2:] if line.strip()] == ["1", "2"]
    listed = kubectl("get", "daemonset", "agent", "--no-headers").stdout.split()
    # NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE
    assert listed[:7] == ["agent", "3", "3", "3", "3", "3", "<none>"]

    # kubectl applies the revision's data (the template, "$patch": "replace") to go back.
    kubectl("rollout", "undo", "daemonset/agent")
    roll_out(server)
    assert {p["spec"]["containers"][0]["image"] for p in pods_by_node_of(api).values()} == {"agent:1"}
    history = kubectl("rollout", "history", "daemonset/agent").stdout.split("\n")
    assert [line.split()[0] for line in history[2:] if line.strip()] == ["2", "3"]
    assert kubectl(*rollout).stdout == 'daemon set "agent" successfully rolled out\n'


@pytest.mark.fakeapi(cluster=ClusterConfig.with_workers(2))
def test_kubectl_rollout_status_of_a_daemon_set(kubectl: Any) -> None:
    """On a kind-like cluster of three nodes: the scheduler binds each daemon pod to its node, the kubelets run them."""
    kubectl("apply", "-f", "-", input=AGENT_MANIFEST)
    done = kubectl("rollout", "status", "daemonset/agent", "--timeout=30s")
    assert done.stdout.strip().endswith('daemon set "agent" successfully rolled out')
    kubectl("set", "image", "daemonset/agent", "agent=agent:2")
    done = kubectl("rollout", "status", "daemonset/agent", "--timeout=30s")
    assert done.stdout.strip().endswith('daemon set "agent" successfully rolled out')
    nodes = kubectl("get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.nodeName}").stdout.split()
    # As in kind, a control plane with workers keeps its NoSchedule taint, which the agent does not tolerate...
    assert sorted(nodes) == ["fakeapi-worker", "fakeapi-worker2"]
    listed = kubectl("get", "daemonset", "agent", "--no-headers").stdout.split()
    assert listed[1:6] == ["2", "2", "2", "2", "2"]
    # ... while kindnet, which tolerates every taint, runs on every node.
    kindnet = kubectl(
        "get", "pods", "-n", "kube-system", "-l", "app=kindnet", "-o", "jsonpath={.items[*].spec.nodeName}"
    ).stdout.split()
    assert sorted(kindnet) == ["fakeapi-control-plane", "fakeapi-worker", "fakeapi-worker2"]
