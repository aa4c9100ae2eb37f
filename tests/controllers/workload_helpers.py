"""Pods made Running (and Ready) by hand, as a kubelet would report them, for controller tests.

The simulated kubelet does this in a full cluster; a test of one controller binds the pod and
writes its status itself, through the API like a kubelet.
"""

from __future__ import annotations

from typing import Any

from fakeapi.server.instance import FakeAPIServer
from fakeapi.util.clock import now_rfc3339

DEFAULT_NODE = "fakeapi-control-plane"


def _next_pod_ip(server: FakeAPIServer) -> str:
    """10.244.0.N, N one more than the pod IPs in use: deterministic for a test's order of calls."""
    pods, _ = server.storage.get_list("pods", None)
    used = {(p.get("status") or {}).get("podIP") for p in pods} - {None, ""}
    return f"10.244.0.{len(used) + 2}"


def make_ready(
    server: FakeAPIServer, namespace: str, name: str, *, node: str = DEFAULT_NODE, ready: bool = True
) -> dict[str, Any]:
    """Bind the pod to ``node`` (unless bound) and report it Running with a pod IP; Ready unless ``ready`` is False."""
    path = f"/api/v1/namespaces/{namespace}/pods/{name}"
    pod = server.request("GET", path).json()
    if not pod["spec"].get("nodeName"):
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name},
            "target": {"kind": "Node", "name": node},
        }
        response = server.request("POST", f"{path}/binding", binding)
        assert response.status == 201, response.body
        pod = server.request("GET", path).json()
    now = now_rfc3339()
    status = pod.setdefault("status", {})
    ip = status.get("podIP") or _next_pod_ip(server)
    value = "True" if ready else "False"
    status.update(
        phase="Running",
        podIP=ip,
        podIPs=[{"ip": ip}],
        hostIP="172.18.0.2",
        startTime=status.get("startTime") or now,
        conditions=[
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": now},
            {"type": "Initialized", "status": "True", "lastTransitionTime": now},
            {"type": "ContainersReady", "status": value, "lastTransitionTime": now},
            {"type": "Ready", "status": value, "lastTransitionTime": now},
        ],
    )
    response = server.request("PUT", f"{path}/status", pod)
    assert response.status == 200, response.body
    result: dict[str, Any] = response.json()
    return result


def ready_all_pods(server: FakeAPIServer, namespace: str) -> list[dict[str, Any]]:
    """make_ready every pod of the namespace that is not Ready yet, in name order."""
    pods = server.request("GET", f"/api/v1/namespaces/{namespace}/pods").json()["items"]
    return [make_ready(server, namespace, p["metadata"]["name"]) for p in pods if not _is_ready(p)]


def _is_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
