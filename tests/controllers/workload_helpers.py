"""Pods made Running and Ready by hand, as a kubelet would report them, for tests of the workload controllers."""

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
    """Bind the pod to ``node`` (unless bound) and write a Running status with Ready and ContainersReady True."""
    path = f"/api/v1/namespaces/{namespace}/pods/{name}"
    pod = _checked(server, "GET", path)
    if not pod["spec"].get("nodeName"):
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name, "namespace": namespace},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        _checked(server, "POST", f"{path}/binding", binding)
        pod = _checked(server, "GET", path)
    now = now_rfc3339()
    conditions = [
        {"type": kind, "status": "True", "lastTransitionTime": now}
        for kind in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
    ]
    pod["status"] = {**pod.get("status", {}), "phase": "Running", "conditions": conditions, "podIP": "10.244.0.10"}
    result: dict[str, Any] = _checked(server, "PUT", f"{path}/status", pod)
    return result


def ready_all_pods(server: FakeAPIServer, namespace: str) -> list[str]:
    """Make every pod of the namespace that is not Running and Ready so; the names it changed, in order."""
    pods = _checked(server, "GET", f"/api/v1/namespaces/{namespace}/pods")["items"]
    changed = []
    for pod in pods:
        ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in pod["status"].get("conditions", []))
        if pod["status"].get("phase") != "Running" or not ready:
            make_ready(server, namespace, pod["metadata"]["name"])
            changed.append(pod["metadata"]["name"])
    return changed
