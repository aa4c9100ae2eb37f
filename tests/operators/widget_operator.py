"""A small kopf operator, as downstream projects write them: run by the kopf test below."""

from __future__ import annotations

from typing import Any

import kopf
import kubernetes


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, **_: Any) -> None:
    settings.posting.level = 0  # post every event, info included
    settings.watching.server_timeout = 10
    settings.persistence.finalizer = "example.com/widget-operator"


@kopf.on.create("example.com", "v1", "widgets")
def create_widget(spec: dict[str, Any], name: str, namespace: str, body: Any, **_: Any) -> dict[str, Any]:
    child = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"{name}-config"},
        "data": {"size": str(spec.get("size", 1))},
    }
    kopf.adopt(child, owner=body)
    kubernetes.client.CoreV1Api().create_namespaced_config_map(namespace, child)
    kopf.info(body, reason="ChildCreated", message=f"created {name}-config")
    return {"child": f"{name}-config", "size": spec.get("size", 1)}


@kopf.on.update("example.com", "v1", "widgets")
def update_widget(spec: dict[str, Any], name: str, namespace: str, **_: Any) -> dict[str, Any]:
    kubernetes.client.CoreV1Api().patch_namespaced_config_map(
        f"{name}-config", namespace, {"data": {"size": str(spec.get("size", 1))}}
    )
    return {"size": spec.get("size", 1)}


@kopf.on.delete("example.com", "v1", "widgets")
def delete_widget(name: str, body: Any, **_: Any) -> None:
    kopf.info(body, reason="Deleting", message=f"deleting {name}")
