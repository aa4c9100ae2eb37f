"""Helpers of the workload controller tests: pods made ready or finished as a kubelet would report them.

Until the simulated kubelet runs in these tests, a test binds a pod and writes its status itself
through the pods' ``status`` subresource, with the fields a kubelet sets.
"""

from __future__ import annotations

from typing import Any

from fakeapi.server.instance import FakeAPIServer
from fakeapi.util.clock import now_rfc3339

NODE = "fakeapi-control-plane"


def _pod_path(namespace: str, name: str) -> str:
    return f"/api/v1/namespaces/{namespace}/pods/{name}"


def _bind(server: FakeAPIServer, namespace: str, name: str) -> dict[str, Any]:
    pod: dict[str, Any] = server.request("GET", _pod_path(namespace, name)).json()
    if not (pod.get("spec") or {}).get("nodeName"):
        binding = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name}, "target": {"name": NODE}}
        response = server.request("POST", _pod_path(namespace, name) + "/binding", binding)
        assert response.status == 201, response.body.decode()
        pod = server.request("GET", _pod_path(namespace, name)).json()
    return pod


def _write_status(server: FakeAPIServer, pod: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    pod["status"] = {**(pod.get("status") or {}), **status}
    meta = pod["metadata"]
    response = server.request("PUT", _pod_path(meta["namespace"], meta["name"]) + "/status", pod)
    assert response.status == 200, response.body.decode()
    result: dict[str, Any] = response.json()
    return result


def _conditions(ready: str) -> list[dict[str, Any]]:
    now = now_rfc3339()
    return [
        {"type": kind, "status": status, "lastTransitionTime": now}
        for kind, status in (
            ("PodReadyToStartContainers", "True"),
            ("Initialized", "True"),
            ("Ready", ready),
            ("ContainersReady", ready),
            ("PodScheduled", "True"),
        )
    ]


def make_ready(server: FakeAPIServer, namespace: str, name: str, pod_ip: str = "10.244.0.5") -> dict[str, Any]:
    """Bind the pod and report it Running and Ready."""
    pod = _bind(server, namespace, name)
    return _write_status(
        server,
        pod,
        {
            "phase": "Running",
            "conditions": _conditions("True"),
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "startTime": now_rfc3339(),
        },
    )


def ready_all_pods(server: FakeAPIServer, namespace: str) -> list[str]:
    """Make every pod of the namespace that is not finished or deleted ready; their names."""
    pods = server.request("GET", f"/api/v1/namespaces/{namespace}/pods").json()["items"]
    names = []
    for i, pod in enumerate(pods):
        status = pod.get("status") or {}
        if pod["metadata"].get("deletionTimestamp") or status.get("phase") in ("Succeeded", "Failed"):
            continue
        make_ready(server, namespace, pod["metadata"]["name"], pod_ip=f"10.244.0.{i + 5}")
        names.append(pod["metadata"]["name"])
    return names


def finish_pod(server: FakeAPIServer, namespace: str, name: str, exit_code: int = 0) -> dict[str, Any]:
    """Report the pod's containers terminated with ``exit_code``: Succeeded for 0, Failed otherwise."""
    pod = _bind(server, namespace, name)
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
            "conditions": _conditions("False"),
            "containerStatuses": containers,
        },
    )
