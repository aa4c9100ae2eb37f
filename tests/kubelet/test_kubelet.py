"""The simulated nodes and kubelets (fakeapi.kubelet): what a kind cluster's kubelets report.

Nodes as pkg/kubelet/nodestatus/setters.go fills them, Leases as pkg/kubelet/nodelease renews
them, pod statuses as pkg/kubelet/status/generate.go and kubelet_pods.go generate them, and
graceful pod deletion as pkg/registry/core/pod/strategy.go CheckGracefulDelete and the status
manager finish it. Pods are bound by hand (POST binding); the scheduler is not involved.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from freezegun import freeze_time

from fakeapi.kubelet.config import ClusterConfig, NodeConfig
from fakeapi.kubelet.kubelet import USER_AGENT
from fakeapi.kubelet.policy import BecomeReady
from fakeapi.server.instance import FakeAPIServer, ServerConfig

NODE = "fakeapi-control-plane"
WORKER = "fakeapi-worker"
T0 = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
STAMP = "2030-01-02T03:04:05Z"
PODS = "/api/v1/namespaces/default/pods"


def frozen(moment: datetime) -> Any:
    """The server clock held at ``moment``; the kubernetes client's lazy imports must not see a fake datetime."""
    return freeze_time(moment, ignore=["kubernetes"])


def _server(cluster: ClusterConfig | None = None, controllers: tuple[str, ...] = ("kubelet",)) -> FakeAPIServer:
    """A stepped server with only the test's own pods: no kind-like kube-system workloads."""
    cluster = dataclasses.replace(cluster or ClusterConfig(), kube_system=False)
    return FakeAPIServer(ServerConfig(run_controllers=False, controllers=list(controllers), cluster=cluster))


@pytest.fixture
def server() -> Iterator[FakeAPIServer]:
    """A stepped server whose kubelets run a control plane and one worker, with time frozen at T0.

    Made before time is frozen: its certificates are issued on the real clock.
    """
    instance = _server(ClusterConfig.with_workers(1))
    with frozen(T0):
        instance.settle()
        yield instance
        instance.check()


def call(server: FakeAPIServer, method: str, path: str, body: Any = None, status: int = 200, **kw: Any) -> Any:
    response = server.request(method, path, body, **kw)
    assert response.status == status, f"{method} {path}: {response.status} {response.body.decode()}"
    return response.json() if response.body else None


def create_pod(server: FakeAPIServer, name: str, spec: dict[str, Any], **meta: Any) -> Any:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, **meta}, "spec": spec}
    return call(server, "POST", PODS, pod, status=201)


def bind(server: FakeAPIServer, name: str, node: str = NODE) -> None:
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name},
        "target": {"kind": "Node", "name": node},
    }
    call(server, "POST", f"{PODS}/{name}/binding", binding, status=201)


def get_pod(server: FakeAPIServer, name: str) -> Any:
    return call(server, "GET", f"{PODS}/{name}")


def conditions(pod: Any) -> dict[str, tuple[str, str, str]]:
    return {
        c["type"]: (c["status"], c.get("reason", ""), c.get("message", "")) for c in pod["status"].get("conditions", [])
    }


NGINX = {"containers": [{"name": "web", "image": "nginx:1.27"}]}


# -- nodes ------------------------------------------------------------------------------------------


def test_nodes_register_ready_with_their_status(server: FakeAPIServer) -> None:
    nodes = {n["metadata"]["name"]: n for n in call(server, "GET", "/api/v1/nodes")["items"]}
    assert sorted(nodes) == [NODE, WORKER]
    control, worker = nodes[NODE], nodes[WORKER]
    assert control["metadata"]["labels"] == {
        "beta.kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "kubernetes.io/hostname": NODE,
        "kubernetes.io/os": "linux",
        "node-role.kubernetes.io/control-plane": "",
        # kubeadm's, which kind takes off only in a cluster of one node.
        "node.kubernetes.io/exclude-from-external-load-balancers": "",
    }
    assert "node-role.kubernetes.io/control-plane" not in worker["metadata"]["labels"]
    assert control["spec"] == {
        "podCIDR": "10.244.0.0/24",
        "podCIDRs": ["10.244.0.0/24"],
        "providerID": "kind://docker/fakeapi/fakeapi-control-plane",
        # As in kind with workers: kubeadm's taint stays, so workloads go to the workers.
        "taints": [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}],
    }
    assert "taints" not in worker["spec"]
    assert worker["spec"]["podCIDR"] == "10.244.1.0/24"
    status = worker["status"]
    assert status["addresses"] == [
        {"type": "InternalIP", "address": "172.18.0.3"},
        {"type": "Hostname", "address": WORKER},
    ]
    assert (
        status["capacity"]
        == status["allocatable"]
        == {
            "cpu": "8",
            "ephemeral-storage": "100Gi",
            "hugepages-1Gi": "0",
            "hugepages-2Mi": "0",
            "memory": "16Gi",
            "pods": "110",
        }
    )
    assert {
        c["type"]: (c["status"], c["reason"], c["message"], c["lastHeartbeatTime"]) for c in status["conditions"]
    } == {
        "MemoryPressure": ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available", STAMP),
        "DiskPressure": ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", STAMP),
        "PIDPressure": ("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available", STAMP),
        "Ready": ("True", "KubeletReady", "kubelet is posting ready status", STAMP),
    }
    info = status["nodeInfo"]
    assert {k: info[k] for k in ("kubeletVersion", "containerRuntimeVersion", "architecture", "operatingSystem")} == {
        "kubeletVersion": "v1.37.0",
        "containerRuntimeVersion": "containerd://2.1.0",
        "architecture": "amd64",
        "operatingSystem": "linux",
    }
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
    # Derived from the name: the same on every run, different per node.
    assert info["machineID"] != control["status"]["nodeInfo"]["machineID"]
    again = _server(ClusterConfig.with_workers(1))
    with frozen(T0):
        again.settle()
    assert call(again, "GET", f"/api/v1/nodes/{WORKER}")["status"]["nodeInfo"]["systemUUID"] == info["systemUUID"]
    # Registered by the kubelet, with its user agent, in one create that carries the status.
    creates = server.audit_log.requests("create", "nodes")
    assert [(e.name or (e.object_ref and e.object_ref.name), e.user_agent, e.code) for e in creates] == [
        (NODE, USER_AGENT, 201),
        (WORKER, USER_AGENT, 201),
    ]


def test_configured_taints_and_labels() -> None:
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    server = _server(ClusterConfig(nodes=[NodeConfig("gpu-node", labels={"gpu": "true"}, taints=[taint], cpu="4")]))
    server.settle()
    node = call(server, "GET", "/api/v1/nodes/gpu-node")
    assert node["spec"]["taints"] == [taint]
    assert node["metadata"]["labels"]["gpu"] == "true"
    assert node["status"]["capacity"]["cpu"] == "4"


def test_a_deleted_node_is_not_registered_again(server: FakeAPIServer) -> None:
    call(server, "DELETE", f"/api/v1/nodes/{WORKER}")
    server.settle()
    assert server.request("GET", f"/api/v1/nodes/{WORKER}").status == 404
    # A reset starts the cluster again: its kubelets register every node.
    server.reset()
    server.settle()
    assert server.request("GET", f"/api/v1/nodes/{WORKER}").status == 200


def test_leases_are_renewed_as_time_moves(server: FakeAPIServer) -> None:
    lease_path = f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{WORKER}"
    lease = call(server, "GET", lease_path)
    worker_uid = call(server, "GET", f"/api/v1/nodes/{WORKER}")["metadata"]["uid"]
    assert lease["spec"] == {
        "holderIdentity": WORKER,
        "leaseDurationSeconds": 40,
        "renewTime": "2030-01-02T03:04:05.000000Z",
    }
    assert lease["metadata"]["ownerReferences"] == [
        {"apiVersion": "v1", "kind": "Node", "name": WORKER, "uid": worker_uid}
    ]
    with frozen(T0 + timedelta(seconds=9)):
        server.settle()
        assert call(server, "GET", lease_path)["spec"]["renewTime"] == "2030-01-02T03:04:05.000000Z"
    with frozen(T0 + timedelta(seconds=10)):
        server.settle()
        assert call(server, "GET", lease_path)["spec"]["renewTime"] == "2030-01-02T03:04:15.000000Z"
    with frozen(T0 + timedelta(seconds=21)):
        server.settle()
        assert call(server, "GET", lease_path)["spec"]["renewTime"] == "2030-01-02T03:04:26.000000Z"
    # A lease someone deletes is made again.
    call(server, "DELETE", lease_path)
    server.settle()
    assert call(server, "GET", lease_path)["spec"]["holderIdentity"] == WORKER


# -- pods ------------------------------------------------------------------------------------------


def test_bound_pod_runs_init_containers_first_then_ready(server: FakeAPIServer) -> None:
    spec = {
        "initContainers": [
            {"name": "migrate", "image": "busybox"},
            {"name": "proxy", "image": "registry.k8s.io/proxy:v1", "restartPolicy": "Always"},
        ],
        "containers": [{"name": "web", "image": "nginx:1.27"}, {"name": "metrics", "image": "prom/exporter"}],
    }
    create_pod(server, "web", spec)
    server.settle()
    assert get_pod(server, "web")["status"] == {"phase": "Pending", "qosClass": "BestEffort"}
    bind(server, "web")
    server.settle()
    pod = get_pod(server, "web")
    status = pod["status"]
    assert (status["phase"], status["hostIP"], status["podIP"], status["startTime"]) == (
        "Running",
        "172.18.0.2",
        "10.244.0.2",
        STAMP,
    )
    assert status["hostIPs"] == [{"ip": "172.18.0.2"}] and status["podIPs"] == [{"ip": "10.244.0.2"}]
    assert status["qosClass"] == "BestEffort"
    assert [c["type"] for c in status["conditions"]] == [
        "PodReadyToStartContainers",
        "Initialized",
        "Ready",
        "ContainersReady",
        "PodScheduled",
    ]
    assert set(conditions(pod).values()) == {("True", "", "")}
    migrate, proxy = status["initContainerStatuses"]
    assert migrate["state"] == {
        "terminated": {
            "containerID": migrate["containerID"],
            "exitCode": 0,
            "reason": "Completed",
            "startedAt": STAMP,
            "finishedAt": STAMP,
        }
    }
    assert (migrate["ready"], migrate["started"], migrate["image"]) == (True, False, "docker.io/library/busybox:latest")
    assert proxy["state"] == {"running": {"startedAt": STAMP}}
    assert (proxy["ready"], proxy["started"], proxy["image"]) == (True, True, "registry.k8s.io/proxy:v1")
    web, metrics = status["containerStatuses"]
    assert web["name"] == "web" and metrics["name"] == "metrics"
    assert web["image"] == "docker.io/library/nginx:1.27"
    assert web["imageID"].startswith("docker.io/library/nginx@sha256:") and len(web["imageID"].split(":")[-1]) == 64
    assert metrics["image"] == "docker.io/prom/exporter:latest"
    assert web["containerID"].startswith("containerd://") and len(web["containerID"]) == len("containerd://") + 64
    assert {k: web[k] for k in ("ready", "started", "restartCount", "state", "lastState")} == {
        "ready": True,
        "started": True,
        "restartCount": 0,
        "state": {"running": {"startedAt": STAMP}},
        "lastState": {},
    }
    # Written through pods/status by the kubelet; a second settle writes nothing more.
    writes = server.audit_log.requests("update", "pods", subresource="status", user_agent=USER_AGENT)
    assert len(writes) == 1
    server.settle()
    assert len(server.audit_log.requests("update", "pods", subresource="status")) == 1


def test_pod_addresses_per_node(server: FakeAPIServer) -> None:
    for name, node in (("a", NODE), ("b", NODE), ("c", WORKER)):
        create_pod(server, name, NGINX)
        bind(server, name, node)
    create_pod(server, "host", {**NGINX, "hostNetwork": True})
    bind(server, "host", WORKER)
    server.settle()
    addresses = {n: (get_pod(server, n)["status"]["hostIP"], get_pod(server, n)["status"]["podIP"]) for n in "abc"}
    assert addresses == {
        "a": ("172.18.0.2", "10.244.0.2"),
        "b": ("172.18.0.2", "10.244.0.3"),
        "c": ("172.18.0.3", "10.244.1.2"),
    }
    assert get_pod(server, "host")["status"]["podIP"] == "172.18.0.3"
    # A deleted pod's address is free again, and the next pod gets the lowest free one.
    call(server, "DELETE", f"{PODS}/a")
    server.settle()
    create_pod(server, "d", NGINX)
    bind(server, "d")
    server.settle()
    assert get_pod(server, "d")["status"]["podIP"] == "10.244.0.2"


def test_pod_with_node_name_set_by_hand_runs(server: FakeAPIServer) -> None:
    create_pod(server, "pinned", {**NGINX, "nodeName": WORKER})
    server.settle()
    pod = get_pod(server, "pinned")
    assert pod["status"]["phase"] == "Running"
    assert conditions(pod)["PodScheduled"] == ("True", "", "")


def test_pods_on_other_nodes_are_left_alone(server: FakeAPIServer) -> None:
    create_pod(server, "elsewhere", {**NGINX, "nodeName": "not-simulated"})
    server.settle()
    assert get_pod(server, "elsewhere")["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_readiness_gates_hold_ready_until_their_condition_is_true(server: FakeAPIServer) -> None:
    gate = "example.com/load-balancer"
    create_pod(server, "gated", {**NGINX, "readinessGates": [{"conditionType": gate}]})
    bind(server, "gated")
    server.settle()
    pod = get_pod(server, "gated")
    assert conditions(pod)["ContainersReady"] == ("True", "", "")
    assert conditions(pod)["Ready"] == (
        "False",
        "ReadinessGatesNotReady",
        f'corresponding condition of pod readiness gate "{gate}" does not exist.',
    )
    patch = {"status": {"conditions": [{"type": gate, "status": "False"}]}}
    strategic = {"Content-Type": "application/strategic-merge-patch+json"}
    call(server, "PATCH", f"{PODS}/gated/status", json.dumps(patch).encode(), headers=strategic)
    server.settle()
    assert conditions(get_pod(server, "gated"))["Ready"] == (
        "False",
        "ReadinessGatesNotReady",
        f'the status of pod readiness gate "{gate}" is not "True", but False',
    )
    patch["status"]["conditions"][0]["status"] = "True"
    call(server, "PATCH", f"{PODS}/gated/status", json.dumps(patch).encode(), headers=strategic)
    server.settle()
    pod = get_pod(server, "gated")
    assert conditions(pod)["Ready"] == ("True", "", "")
    # Conditions others own come first, then the kubelet's.
    assert [c["type"] for c in pod["status"]["conditions"]][:2] == [gate, "PodReadyToStartContainers"]


def test_ready_delay_moves_with_the_server_clock() -> None:
    server = _server(ClusterConfig(pod_ready_delay_seconds=5))
    with frozen(T0):
        server.settle()
        create_pod(server, "slow", NGINX)
        bind(server, "slow")
        server.settle()
        pod = get_pod(server, "slow")
        assert pod["status"]["phase"] == "Running"
        assert conditions(pod)["Ready"] == ("False", "ContainersNotReady", "containers with unready status: [web]")
        assert pod["status"]["containerStatuses"][0]["started"] is True
    with frozen(T0 + timedelta(seconds=5)):
        server.settle()
        pod = get_pod(server, "slow")
        assert conditions(pod)["Ready"] == ("True", "", "")
        ready = next(c for c in pod["status"]["conditions"] if c["type"] == "Ready")
        assert ready["lastTransitionTime"] == "2030-01-02T03:04:10Z"


def test_job_pod_ends_succeeded(server: FakeAPIServer) -> None:
    owner = {"apiVersion": "batch/v1", "kind": "Job", "name": "once", "uid": "0000-job", "controller": True}
    spec = {"restartPolicy": "Never", "containers": [{"name": "task", "image": "busybox"}]}
    create_pod(server, "once-abcde", spec, ownerReferences=[owner])
    bind(server, "once-abcde")
    server.settle()
    pod = get_pod(server, "once-abcde")
    assert pod["status"]["phase"] == "Succeeded"
    (task,) = pod["status"]["containerStatuses"]
    assert task["state"]["terminated"]["exitCode"] == 0
    assert task["state"]["terminated"]["reason"] == "Completed"
    assert (task["ready"], task["started"]) == (False, False)
    assert conditions(pod) == {
        "PodReadyToStartContainers": ("False", "", ""),
        "Initialized": ("True", "PodCompleted", ""),
        "Ready": ("False", "PodCompleted", ""),
        "ContainersReady": ("False", "PodCompleted", ""),
        "PodScheduled": ("True", "", ""),
    }
    # Not owned by a Job, the same pod keeps running.
    create_pod(server, "plain", spec)
    bind(server, "plain")
    server.settle()
    assert get_pod(server, "plain")["status"]["phase"] == "Running"


def test_policy_is_replaceable_at_run_time(server: FakeAPIServer) -> None:
    server.config.cluster.pod_policy = BecomeReady(run_seconds=30)
    owner = {"apiVersion": "batch/v1", "kind": "Job", "name": "long", "uid": "0000-job", "controller": True}
    spec = {"restartPolicy": "OnFailure", "containers": [{"name": "task", "image": "busybox"}]}
    create_pod(server, "long-abcde", spec, ownerReferences=[owner])
    bind(server, "long-abcde")
    server.settle()
    assert get_pod(server, "long-abcde")["status"]["phase"] == "Running"
    with frozen(T0 + timedelta(seconds=30)):
        server.settle()
        assert get_pod(server, "long-abcde")["status"]["phase"] == "Succeeded"


# -- graceful deletion ---------------------------------------------------------------------------------


def test_graceful_deletion_is_finished_by_the_kubelet(server: FakeAPIServer) -> None:
    create_pod(server, "web", NGINX)
    bind(server, "web")
    server.settle()
    terminating = call(server, "DELETE", f"{PODS}/web")
    assert terminating["metadata"]["deletionTimestamp"] == "2030-01-02T03:04:35Z"
    assert terminating["metadata"]["deletionGracePeriodSeconds"] == 30
    # A second delete with a longer grace period changes nothing; a shorter one brings the deadline forward.
    assert (
        call(server, "DELETE", f"{PODS}/web", {"gracePeriodSeconds": 60})["metadata"]["deletionGracePeriodSeconds"]
        == 30
    )
    shorter = call(server, "DELETE", f"{PODS}/web", {"gracePeriodSeconds": 10})["metadata"]
    assert (shorter["deletionTimestamp"], shorter["deletionGracePeriodSeconds"]) == ("2030-01-02T03:04:15Z", 10)
    watch = server.storage.watch("pods", "default", server.storage.current_revision)
    server.settle()
    assert server.request("GET", f"{PODS}/web").status == 404
    events = []
    while (event := watch.next_event(0)) is not None:
        events.append((event.type, event.object["status"]["phase"]))
    watch.stop()
    # The containers stopped (exit 0: the pod completed), then the kubelet deleted it.
    assert events == [("MODIFIED", "Succeeded"), ("DELETED", "Succeeded")]
    (delete,) = server.audit_log.requests("delete", "pods", user_agent=USER_AGENT)
    assert delete.code == 200


def test_grace_period_honoured_when_configured() -> None:
    server = _server(ClusterConfig(honor_grace_period=True))
    with frozen(T0):
        server.settle()
        create_pod(server, "web", {**NGINX, "terminationGracePeriodSeconds": 5})
        bind(server, "web")
        server.settle()
        call(server, "DELETE", f"{PODS}/web")
        server.settle()
        assert get_pod(server, "web")["metadata"]["deletionGracePeriodSeconds"] == 5
    with frozen(T0 + timedelta(seconds=5)):
        server.settle()
        assert server.request("GET", f"{PODS}/web").status == 404


@pytest.mark.parametrize(
    ("node", "body"),
    [
        ("", None),  # not scheduled
        ("not-simulated", None),  # no kubelet will finish it
        (NODE, {"gracePeriodSeconds": 0}),  # --grace-period=0 --force
    ],
)
def test_deletions_that_are_immediate(server: FakeAPIServer, node: str, body: Any) -> None:
    create_pod(server, "web", {**NGINX, "nodeName": node} if node else NGINX)
    server.settle()
    call(server, "DELETE", f"{PODS}/web", body)
    assert server.request("GET", f"{PODS}/web").status == 404


def test_without_kubelets_deletion_stays_immediate() -> None:
    server = _server(controllers=("*", "-kubelet"))
    create_pod(server, "web", {**NGINX, "nodeName": NODE})
    call(server, "DELETE", f"{PODS}/web")
    assert server.request("GET", f"{PODS}/web").status == 404


def test_terminal_pod_is_deleted_at_once(server: FakeAPIServer) -> None:
    owner = {"apiVersion": "batch/v1", "kind": "Job", "name": "once", "uid": "0000-job", "controller": True}
    create_pod(
        server,
        "done",
        {"restartPolicy": "Never", "containers": [{"name": "t", "image": "busybox"}]},
        ownerReferences=[owner],
    )
    bind(server, "done")
    server.settle()
    call(server, "DELETE", f"{PODS}/done")
    assert server.request("GET", f"{PODS}/done").status == 404


# -- through kubectl -------------------------------------------------------------------------------------


@pytest.mark.kubectl
def test_kubectl_sees_nodes_and_running_pods(fakeapi: Any, kubectl: Any) -> None:
    nodes = kubectl("get", "nodes").stdout.split("\n")
    assert nodes[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    name, status, roles, _, version = nodes[1].split()
    assert (name, status, roles, version) == (NODE, "Ready", "control-plane", "v1.37.0")
    kubectl("run", "web", "--image=nginx", "--overrides", json.dumps({"spec": {"nodeName": NODE}}))
    kubectl("wait", "--for=condition=Ready", "pod/web", "--timeout=30s")
    header, row = kubectl("get", "pods", "-o", "wide").stdout.strip().split("\n")
    assert header.split()[:8] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED"]
    cells = row.split()
    assert (cells[0], cells[1], cells[2], cells[6]) == ("web", "1/1", "Running", NODE)
    # The node's pod CIDR is 10.244.0.0/24; kube-system's pods hold the first addresses.
    assert cells[5].startswith("10.244.0.")
    # kubectl delete waits until the pod is gone: the kubelet finishes the graceful deletion meanwhile.
    deleted = kubectl("delete", "pod", "web", timeout=20)
    assert deleted.stdout.strip() == 'pod "web" deleted from default namespace'
    assert kubectl("get", "pods", "-o", "name").stdout == ""
    kubectl("run", "forced", "--image=nginx", "--overrides", json.dumps({"spec": {"nodeName": NODE}}))
    kubectl("delete", "pod", "forced", "--grace-period=0", "--force", timeout=20)
    assert kubectl("get", "pods", "-o", "name").stdout == ""
