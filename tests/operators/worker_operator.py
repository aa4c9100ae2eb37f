"""A kopf operator that runs a pod per Worker and records in the Worker's status when that pod crash-loops.

On create it makes the child pod (owned by the Worker); a handler of the pods' events copies what
its container is doing (waiting reason and message, restart count, last exit code) into the
owning Worker's status, as operators that surface their workloads' health do.
"""

from __future__ import annotations

from typing import Any

import kopf
import kubernetes


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.watching.server_timeout = 10
    settings.persistence.finalizer = "example.com/worker-operator"


@kopf.on.create("example.com", "v1", "workers")
def create_pod(spec: dict[str, Any], name: str, namespace: str, body: Any, **_: Any) -> dict[str, Any]:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{name}-runner", "labels": {"worker": name}},
        "spec": {"containers": [{"name": "main", "image": spec.get("image", "busybox:1.36")}]},
    }
    kopf.adopt(pod, owner=body)
    kubernetes.client.CoreV1Api().create_namespaced_pod(namespace, pod)
    return {"pod": f"{name}-runner"}


@kopf.on.event("", "v1", "pods", labels={"worker": kopf.PRESENT})
def record_health(body: Any, namespace: str, **_: Any) -> None:
    statuses = (body.get("status") or {}).get("containerStatuses") or []
    if not statuses:
        return
    container = statuses[0]
    waiting = (container.get("state") or {}).get("waiting") or {}
    last = (container.get("lastState") or {}).get("terminated") or {}
    health = {
        "state": waiting.get("reason") or next(iter(container.get("state") or {}), ""),
        "message": waiting.get("message", ""),
        "restarts": container.get("restartCount", 0),
        "lastExitCode": last.get("exitCode"),
    }
    worker = body["metadata"]["labels"]["worker"]
    kubernetes.client.CustomObjectsApi().patch_namespaced_custom_object_status(
        "example.com", "v1", namespace, "workers", worker, {"status": {"health": health}}
    )
