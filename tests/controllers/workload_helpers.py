"""Pods made Running and Ready by hand, as a kubelet would report them, for tests that run no kubelet."""

from __future__ import annotations

from typing import Any

from fakeapi.server.instance import FakeAPIServer
from fakeapi.util.clock import now_rfc3339

NODE = "fake-node"


def make_ready(server: FakeAPIServer, namespace: str, name: str, pod_ip: str = "10.244.0.10") -> dict[str, Any]:
    """Bind the pod to a node (if unbound) and write a Running, Ready status through /status."""
    path = f"/api/v1/namespaces/{namespace}/pods/{name}"
    pod = server.request("GET", path).json()
    if not pod["spec"].get("nodeName"):
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name},
            "target": {"kind": "Node", "name": NODE},
        }
        response = server.request("POST", f"{path}/binding", binding)
        assert response.status == 201, response.body
        pod = server.request("GET", path).json()
    now = now_rfc3339()
    pod["status"] = {
        **(pod.get("status") or {}),
        "phase": "Running",
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": now,
        "conditions": [
            {"type": kind, "status": "True", "lastTransitionTime": now}
            for kind in ("PodScheduled", "Initialized", "ContainersReady", "Ready")
        ],
    }
    response = server.request("PUT", f"{path}/status", pod)
    assert response.status == 200, response.body
    return response.json()


def ready_all_pods(server: FakeAPIServer, namespace: str) -> list[str]:
    """make_ready for every pod of the namespace not being deleted; the names, each with its own IP."""
    pods = server.request("GET", f"/api/v1/namespaces/{namespace}/pods").json()["items"]
    names = [p["metadata"]["name"] for p in pods if not p["metadata"].get("deletionTimestamp")]
    for index, name in enumerate(names):
        make_ready(server, namespace, name, pod_ip=f"10.244.0.{10 + index}")
    return names
