"""Pods moved by hand, as a kubelet would report them, for tests of one workload controller at a time.

In a full cluster the scheduler binds pods and the simulated kubelets report their course; a
test that runs one controller alone binds a pod (to the node given, else the node its required
``metadata.name`` affinity names, as a DaemonSet's pods carry, else the control-plane node) and
writes its status through the binding and status subresources, like a kubelet.
"""

from __future__ import annotations

from typing import Any

from fakeapi.kubelet.config import CONTROL_PLANE_NODE
from fakeapi.server.instance import FakeAPIServer
from fakeapi.util.clock import now_rfc3339

HOST_IP = "172.18.0.2"


def _call(server: FakeAPIServer, method: str, path: str, body: Any = None) -> Any:
    response = server.request(method, path, body)
    assert response.status < 300, f"{method} {path}: {response.status} {response.body.decode()}"
    return response.json()


def _pinned_node(pod: dict[str, Any]) -> str | None:
    affinity = (pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}
    required = affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    for term in required.get("nodeSelectorTerms") or []:
        for requirement in term.get("matchFields") or []:
            if requirement.get("key") == "metadata.name" and requirement.get("operator") == "In":
                return str(requirement["values"][0])
    return None


def _next_pod_ip(server: FakeAPIServer) -> str:
    """10.244.0.N, N one more than the pod IPs in use: deterministic for a test's order of calls."""
    pods, _ = server.storage.get_list("pods", None)
    used = {(p.get("status") or {}).get("podIP") for p in pods} - {None, ""}
    return f"10.244.0.{len(used) + 2}"


def _bind(server: FakeAPIServer, namespace: str, name: str, node: str | None) -> dict[str, Any]:
    path = f"/api/v1/namespaces/{namespace}/pods/{name}"
    pod: dict[str, Any] = _call(server, "GET", path)
    if not pod["spec"].get("nodeName"):
        target = node or _pinned_node(pod) or CONTROL_PLANE_NODE
        binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name}, "target": {"name": target}}
        _call(server, "POST", f"{path}/binding", binding)
        pod = _call(server, "GET", path)
    return pod


def _conditions(ready: str, now: str) -> list[dict[str, Any]]:
    return [
        {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
        {"type": "Initialized", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
        {"type": "Ready", "status": ready, "lastProbeTime": None, "lastTransitionTime": now},
        {"type": "ContainersReady", "status": ready, "lastProbeTime": None, "lastTransitionTime": now},
        {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": now},
    ]


def _write_status(server: FakeAPIServer, pod: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    meta = pod["metadata"]
    pod["status"] = {**(pod.get("status") or {}), **changes}
    result: dict[str, Any] = _call(
        server, "PUT", f"/api/v1/namespaces/{meta['namespace']}/pods/{meta['name']}/status", pod
    )
    return result


def make_ready(
    server: FakeAPIServer, namespace: str, name: str, node: str | None = None, *, ready: bool = True
) -> dict[str, Any]:
    """Bind the pod (unless bound) and report it Running with a pod IP, Ready unless ``ready`` is False."""
    pod = _bind(server, namespace, name, node)
    now = now_rfc3339()
    status = pod.get("status") or {}
    ip = status.get("podIP") or _next_pod_ip(server)
    return _write_status(
        server,
        pod,
        {
            "phase": "Running",
            "conditions": _conditions("True" if ready else "False", now),
            "hostIP": HOST_IP,
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": status.get("startTime") or now,
        },
    )


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def ready_all_pods(server: FakeAPIServer, namespace: str) -> list[str]:
    """make_ready every pod of the namespace not Running and Ready yet (and not being deleted); their names, in order."""
    pods = _call(server, "GET", f"/api/v1/namespaces/{namespace}/pods")["items"]
    names = [
        p["metadata"]["name"]
        for p in pods
        if not (is_ready(p) and p["status"].get("phase") == "Running") and not p["metadata"].get("deletionTimestamp")
    ]
    for name in names:
        make_ready(server, namespace, name)
    return names


def finish_pod(server: FakeAPIServer, namespace: str, name: str, exit_code: int = 0) -> dict[str, Any]:
    """Report the pod's containers terminated with ``exit_code``: Succeeded for 0, Failed otherwise."""
    pod = _bind(server, namespace, name, None)
    now = now_rfc3339()
    reason = "Completed" if exit_code == 0 else "Error"
    containers = [
        {
            "name": c["name"],
            "image": c.get("image", ""),
            "imageID": "",
            "ready": False,
            "restartCount": 0,
            "started": False,
            "state": {"terminated": {"exitCode": exit_code, "reason": reason, "startedAt": now, "finishedAt": now}},
        }
        for c in pod["spec"]["containers"]
    ]
    return _write_status(
        server,
        pod,
        {
            "phase": "Succeeded" if exit_code == 0 else "Failed",
            "conditions": _conditions("False", now),
            "containerStatuses": containers,
        },
    )
