"""Helpers of the workload controller tests: pods made Running and Ready as a kubelet would report them.

Until the simulated kubelet runs in these tests, a test binds a pod to the control-plane node
and writes its status (phase Running, Ready and ContainersReady True, a pod IP) itself,
through the binding and status subresources.
"""

from __future__ import annotations

from typing import Any

from fakeapi.kubelet.config import CONTROL_PLANE_NODE
from fakeapi.server.instance import FakeAPIServer
from fakeapi.util.clock import now_rfc3339


def _checked(server: FakeAPIServer, method: str, path: str, body: Any = None) -> Any:
    response = server.request(method, path, body)
    assert response.status < 300, f"{method} {path}: {response.status} {response.body.decode()}"
    return response.json()


def make_ready(server: FakeAPIServer, namespace: str, name: str, node: str = CONTROL_PLANE_NODE) -> dict[str, Any]:
    """Bind the pod (unless it is bound) and report it Running and Ready now; returns the updated pod."""
    path = f"/api/v1/namespaces/{namespace}/pods/{name}"
    pod = _checked(server, "GET", path)
    if not pod["spec"].get("nodeName"):
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        _checked(server, "POST", f"{path}/binding", binding)
        pod = _checked(server, "GET", path)
    now = now_rfc3339()
    conditions = [
        {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
        for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
    ]
    pod["status"] = {
        **pod.get("status", {}),
        "phase": "Running",
        "conditions": conditions,
        "hostIP": "172.18.0.2",
        "podIP": "10.244.0.10",
        "podIPs": [{"ip": "10.244.0.10"}],
        "startTime": now,
    }
    result: dict[str, Any] = _checked(server, "PUT", f"{path}/status", pod)
    return result


def ready_all_pods(server: FakeAPIServer, namespace: str) -> list[str]:
    """make_ready every pod of the namespace not Running and Ready yet (but not being deleted); the names, in order."""
    pods = _checked(server, "GET", f"/api/v1/namespaces/{namespace}/pods")["items"]
    names = []
    for pod in pods:
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod["status"].get("conditions", []))
        running = pod["status"].get("phase") == "Running"
        if not (running and ready) and not pod["metadata"].get("deletionTimestamp"):
            make_ready(server, namespace, pod["metadata"]["name"])
            names.append(pod["metadata"]["name"])
    return names
