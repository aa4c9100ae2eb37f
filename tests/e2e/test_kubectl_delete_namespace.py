"""Real kubectl 1.37 against the built-in controllers: namespace deletion and cascading deletes of running workloads.

``kubectl delete`` waits (with a watch) until what it deleted is gone, so these pass only when
the namespace controller and the garbage collector finish in the background.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

# Bounds for commands that wait on the controllers; they answer in well under a second.
WAIT_TIMEOUT = 30


def _json(result: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(result.stdout)


def _create(kubectl: Kubectl, obj: dict[str, Any]) -> None:
    # Client-side schema validation is not what these tests are about.
    kubectl("create", "--validate=false", "-f", "-", input=json.dumps(obj))


def _rolled_out_deployment(kubectl: Kubectl, name: str) -> str:
    """A Deployment whose controller made a ReplicaSet and running pods; the ReplicaSet's name."""
    kubectl("create", "deployment", name, "--image=nginx", "--replicas=2")
    kubectl("rollout", "status", f"deployment/{name}", "--timeout=20s", timeout=WAIT_TIMEOUT)
    listed = _json(kubectl("get", "replicasets", "-l", f"app={name}", "-o", "json"))["items"]
    assert len(listed) == 1
    replica_set: str = listed[0]["metadata"]["name"]
    return replica_set


def test_delete_namespace_returns_once_it_and_its_content_are_gone(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "doomed")
    kubectl("create", "configmap", "settings", "-n", "doomed", "--from-literal=color=blue")
    kubectl("create", "deployment", "web", "-n", "doomed", "--image=nginx")

    deleted = kubectl("delete", "namespace", "doomed", timeout=WAIT_TIMEOUT)
    assert deleted.stdout.strip() == 'namespace "doomed" deleted'

    missing = kubectl("get", "namespace", "doomed", check=False)
    assert missing.returncode == 1
    assert missing.stderr.strip() == 'Error from server (NotFound): namespaces "doomed" not found'
    for kind in ("configmaps", "deployments"):
        assert kubectl("get", kind, "-n", "doomed").stderr.strip() == "No resources found in doomed namespace."


def test_creating_in_a_terminating_namespace_is_forbidden(kubectl: Kubectl) -> None:
    kubectl("create", "namespace", "closing")
    _create(
        kubectl,
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "pinned", "namespace": "closing", "finalizers": ["example.com/hold"]},
        },
    )
    kubectl("delete", "namespace", "closing", "--wait=false")

    refused = kubectl("create", "configmap", "late", "-n", "closing", check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'error: failed to create configmap: configmaps "late" is forbidden: '
        "unable to create new content in namespace closing because it is being terminated"
    )
    namespace = _json(kubectl("get", "namespace", "closing", "-o", "json"))
    assert namespace["status"]["phase"] == "Terminating"
    remaining = {c["type"]: c for c in namespace["status"]["conditions"]}["NamespaceFinalizersRemaining"]
    assert remaining["message"] == "Some finalizers are remaining: example.com/hold in 1 resource instances"

    kubectl("patch", "configmap", "pinned", "-n", "closing", "--type=merge", "-p", '{"metadata":{"finalizers":null}}')
    kubectl("wait", "--for=delete", "namespace/closing", "--timeout=20s", timeout=WAIT_TIMEOUT)


def test_foreground_cascade_deletes_the_replicaset_and_pods_first(kubectl: Kubectl) -> None:
    _rolled_out_deployment(kubectl, "web")

    deleted = kubectl("delete", "deployment", "web", "--cascade=foreground", timeout=WAIT_TIMEOUT)
    assert deleted.stdout.strip() == 'deployment.apps "web" deleted from default namespace'

    # Foreground: the Deployment goes only once its ReplicaSet, and the ReplicaSet's pods, are gone.
    assert kubectl("get", "replicasets").stderr.strip() == "No resources found in default namespace."
    assert kubectl("get", "pods").stderr.strip() == "No resources found in default namespace."
    assert kubectl("get", "deployment", "web", check=False).returncode == 1


def test_background_cascade_removes_replicaset_and_pods_after_the_deployment(kubectl: Kubectl) -> None:
    replica_set = _rolled_out_deployment(kubectl, "web")

    kubectl("delete", "deployment", "web", timeout=WAIT_TIMEOUT)
    kubectl("wait", "--for=delete", f"replicaset/{replica_set}", "--timeout=20s", timeout=WAIT_TIMEOUT)
    kubectl("wait", "--for=delete", "pods", "-l", "app=web", "--timeout=20s", timeout=WAIT_TIMEOUT)
    assert kubectl("get", "pods").stderr.strip() == "No resources found in default namespace."


def test_orphan_cascade_leaves_the_replicaset_without_owner(kubectl: Kubectl) -> None:
    replica_set = _rolled_out_deployment(kubectl, "web")

    kubectl("delete", "deployment", "web", "--cascade=orphan", timeout=WAIT_TIMEOUT)

    orphan = _json(kubectl("get", "replicaset", replica_set, "-o", "json"))
    assert "ownerReferences" not in orphan["metadata"]
    assert kubectl("get", "deployment", "web", check=False).returncode == 1
    # The ReplicaSet keeps its pods running.
    pods = _json(kubectl("get", "pods", "-l", "app=web", "-o", "json"))["items"]
    assert [p["metadata"]["ownerReferences"][0]["name"] for p in pods] == [replica_set, replica_set]
    assert {p["status"]["phase"] for p in pods} == {"Running"}
