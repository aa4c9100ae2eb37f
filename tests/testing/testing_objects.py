"""Objects the fakeapi.testing tests create."""

from __future__ import annotations

from typing import Any


def configmap(name: str, namespace: str = "default", **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace}, "data": data}


def deployment(name: str, namespace: str = "default", replicas: int = 1) -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": "nginx"}]}},
        },
    }


# freeze_time reads every attribute of every loaded module; once the `kubernetes` client is loaded
# (any test of the process may have), that scan builds its lazy pydantic models with freezegun's
# FakeDatetime and fails. Every freeze here leaves the client out of the scan.
FREEZE_IGNORE = ["kubernetes"]
