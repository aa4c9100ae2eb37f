"""Real kubectl workflows that read what controllers leave: rollout history, dry runs, waiting for deletion."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable
from typing import Any

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"


def _replica_set(name: str, revision: int, image: str, owner: dict[str, Any]) -> dict[str, Any]:
    """A ReplicaSet as the deployment controller writes it for one revision of ``owner``."""
    labels = {"app": "web", "pod-template-hash": name.rsplit("-", 1)[1]}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": "default",
            "labels": labels,
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "Deployment",
                    "name": owner["metadata"]["name"],
                    "uid": owner["metadata"]["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "web", "image": image}]}},
        },
    }


def test_rollout_history_lists_the_revisions(kubectl: Kubectl, fakeapi: FakeAPI) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27")
    deployment = fakeapi.server.request("GET", f"{DEPLOYMENTS}/web").json()
    fakeapi.seed(
        _replica_set("web-5d4f8b7c9d", 1, "nginx:1.26", deployment),
        _replica_set("web-7f6c9d8b4f", 2, "nginx:1.27", deployment),
    )
    history = kubectl("rollout", "history", "deployment/web").stdout
    assert history.splitlines()[:4] == [
        "deployment.apps/web ",
        "REVISION  CHANGE-CAUSE",
        "1         <none>",
        "2         <none>",
    ]
    revision = kubectl("rollout", "history", "deployment/web", "--revision=1").stdout
    assert "nginx:1.26" in revision


def test_create_with_server_dry_run_stores_nothing(kubectl: Kubectl, fakeapi: FakeAPI) -> None:
    created = kubectl("create", "configmap", "dry", "--from-literal=a=b", "--dry-run=server", "-o", "json")
    assert '"name": "dry"' in created.stdout
    assert '"uid"' in created.stdout  # the server filled system fields in
    assert fakeapi.server.request("GET", "/api/v1/namespaces/default/configmaps/dry").status == 404
    [create] = fakeapi.audit.requests(verb="create", resource="configmaps", code=201)
    assert "dryRun=All" in create.query


def test_wait_for_delete_returns_when_the_finalizer_goes(kubectl: Kubectl, fakeapi: FakeAPI) -> None:
    fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "held", "namespace": "default", "finalizers": ["example.com/hold"]},
        }
    )
    kubectl("delete", "configmap", "held", "--wait=false")
    waiting = threading.Thread(
        target=lambda: kubectl("wait", "--for=delete", "configmap/held", "--timeout=20s"), daemon=True
    )
    waiting.start()
    fakeapi.audit.wait_for(verb="watch", resource="configmaps", timeout=10)
    fakeapi.server.request(
        "PATCH",
        "/api/v1/namespaces/default/configmaps/held",
        {"metadata": {"finalizers": None}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    waiting.join(25)
    assert not waiting.is_alive()
    assert fakeapi.server.request("GET", "/api/v1/namespaces/default/configmaps/held").status == 404
