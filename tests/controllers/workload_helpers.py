"""Helpers of the workload controller tests: pods made Running and Ready as a kubelet would report them.

Until the simulated scheduler and kubelets run in these tests, a test binds a pod to a node
(the pod's own ``spec.nodeName``, the node its required ``metadata.name`` affinity names, or
the one given) through the binding subresource and writes its status through ``/status``.
"""

from __future__ import annotations

from typing import Any

from fakeapi.server.instance import FakeAPIServer
from fakeapi.util.clock import now_rfc3339


def _pinned_node(pod: dict[str, Any]) -> str | None:
    required = ((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or []:
        for requirement in term.get("matchFields") or []:
            if requirement.get("key") == "metadata.name" and requirement.get("operator") == "In":
                return str(requirement["values"][0])
    return None


def _call(server: FakeAPIServer, method: str, path: str, body: Any = None) -> Any:
    response = server.request(method, path, body)
    assert response.status < 300, f"{method} {path}: {response.status} {response.body.decode()}"
    return response.json()


def make_ready(server: FakeAPIServer, namespace: str, name: str, node: str | None = None) -> dict[str, Any]:
    """Bind the pod (unless it is bound) and report it Running and Ready; returns the pod."""
    path = f"/api/v1/namespaces/{namespace}/pods/{name}"
    pod = _call(server, "GET", path)
    if not pod["spec"].get("nodeName"):
        target = node or _pinned_node(pod)
        assert target, f"pod {namespace}/{name} names no node to bind to"
        binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name}, "target": {"name": target}}
        _call(server, "POST", f"{path}/binding", binding)
        pod = _call(server, "GET", path)
    now = now_rfc3339()
    ip = f"10.244.{sum(name.encode()) % 250}.{len(name) % 250 + 2}"
    conditions = [
        {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
        for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
    ]
    pod["status"] = {
        **(pod.get("status") or {}),
        "phase": "Running",
        "conditions": conditions,
        "podIP": ip,
        "podIPs": [{"ip": ip}],
        "startTime": now,
    }
    result: dict[str, Any] = _call(server, "PUT", f"{path}/status", pod)
    return result


def is_ready(pod: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True" for c in (pod.get("status") or {}).get("conditions") or []
    )


def ready_all_pods(server: FakeAPIServer, namespace: str) -> list[str]:
    """Make every pod of the namespace that is not ready and not being deleted ready; their names."""
    pods = _call(server, "GET", f"/api/v1/namespaces/{namespace}/pods")["items"]
    names = [p["metadata"]["name"] for p in pods if not is_ready(p) and not p["metadata"].get("deletionTimestamp")]
    for name in names:
        make_ready(server, namespace, name)
    return names
