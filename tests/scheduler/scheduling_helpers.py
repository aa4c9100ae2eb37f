"""Nodes and pods as the scheduler tests need them, created through the API."""

from __future__ import annotations

from typing import Any

from fakeapi.server.instance import FakeAPIServer


def call(server: FakeAPIServer, method: str, path: str, body: Any = None, status: int = 200) -> Any:
    response = server.request(method, path, body)
    assert response.status == status, f"{method} {path}: {response.status} {response.body.decode()}"
    return response.json()


def create_node(
    server: FakeAPIServer,
    name: str,
    *,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: str = "110",
    labels: dict[str, str] | None = None,
    taints: list[dict[str, Any]] | None = None,
    unschedulable: bool = False,
) -> Any:
    """A Ready node as a kubelet registers it: created, then its status (capacity, allocatable) written."""
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    node = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
        "spec": spec,
    }
    created = call(server, "POST", "/api/v1/nodes", node, status=201)
    resources = {"cpu": cpu, "memory": memory, "pods": pods}
    created["status"] = {
        "capacity": resources,
        "allocatable": resources,
        "conditions": [
            {"type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"}
        ],
    }
    return call(server, "PUT", f"/api/v1/nodes/{name}/status", created)


def create_pod(server: FakeAPIServer, name: str, namespace: str = "default", **spec: Any) -> Any:
    """A pod with one container; ``requests`` gives its resource requests, other keywords go into its spec."""
    requests = spec.pop("requests", None)
    container: dict[str, Any] = {"name": "app", "image": "nginx"}
    if requests:
        container["resources"] = {"requests": requests}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [container], **spec},
    }
    return call(server, "POST", f"/api/v1/namespaces/{namespace}/pods", pod, status=201)


def get_pod(server: FakeAPIServer, name: str, namespace: str = "default") -> Any:
    return call(server, "GET", f"/api/v1/namespaces/{namespace}/pods/{name}")


def node_of(server: FakeAPIServer, name: str, namespace: str = "default") -> str | None:
    node: str | None = get_pod(server, name, namespace)["spec"].get("nodeName")
    return node


def scheduled_condition(server: FakeAPIServer, name: str, namespace: str = "default") -> dict[str, Any] | None:
    for condition in get_pod(server, name, namespace).get("status", {}).get("conditions", []):
        if condition["type"] == "PodScheduled":
            result: dict[str, Any] = condition
            return result
    return None


def scheduler_events(server: FakeAPIServer, namespace: str = "default") -> list[tuple[str, str, str, str]]:
    """(type, reason, regarding name, note) of the events.k8s.io events the scheduler recorded, in creation order."""
    events = call(server, "GET", f"/apis/events.k8s.io/v1/namespaces/{namespace}/events")["items"]
    events.sort(key=lambda e: int(e["metadata"]["resourceVersion"]))
    return [
        (e["type"], e["reason"], e["regarding"]["name"], e["note"])
        for e in events
        if e.get("reportingController") == "default-scheduler"
    ]
