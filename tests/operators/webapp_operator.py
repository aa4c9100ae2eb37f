"""A kopf operator whose resource is ready only when its child Deployment is: run by the test beside it.

On create it makes a Deployment (owned by the WebApp), then waits, as operators do, by retrying
until the Deployment reports all its replicas available; only then is the WebApp's status Ready.
"""

from __future__ import annotations

from typing import Any

import kopf
import kubernetes


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.watching.server_timeout = 10
    settings.persistence.finalizer = "example.com/webapp-operator"


@kopf.on.create("example.com", "v1", "webapps")
def create_deployment(spec: dict[str, Any], name: str, namespace: str, body: Any, **_: Any) -> dict[str, Any]:
    labels = {"app": name}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": spec.get("replicas", 1),
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": spec.get("image", "nginx:1.27")}]},
            },
        },
    }
    kopf.adopt(deployment, owner=body)
    kubernetes.client.AppsV1Api().create_namespaced_deployment(namespace, deployment)
    return {"deployment": name}


@kopf.on.create("example.com", "v1", "webapps")
def wait_until_available(spec: dict[str, Any], name: str, namespace: str, **_: Any) -> dict[str, Any]:
    status = kubernetes.client.AppsV1Api().read_namespaced_deployment_status(name, namespace).status
    wanted = spec.get("replicas", 1)
    if (status.available_replicas or 0) < wanted:
        raise kopf.TemporaryError(f"{status.available_replicas or 0}/{wanted} replicas available", delay=0.2)
    return {"phase": "Ready", "availableReplicas": status.available_replicas}
