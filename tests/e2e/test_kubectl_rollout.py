"""kubectl rollout against the deployment controller (pkg/controller/deployment).

The first tests need only the deployment controller: the ReplicaSets, their revisions and
what ``rollout history``, ``rollout undo`` and ``rollout pause`` read and write. The ones
marked ``FULL_CLUSTER`` need pods that run (the replicaset controller, the scheduler and the
kubelets) and are skipped until those are part of fakeapi.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
REVISION = "deployment.kubernetes.io/revision"
HISTORY = "deployment.kubernetes.io/revision-history"


def _missing(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is None
    except ModuleNotFoundError:
        return True


FULL_CLUSTER = pytest.mark.skipif(
    any(
        _missing(m)
        for m in ("fakeapi.controllers.replicaset", "fakeapi.scheduler.scheduler", "fakeapi.kubelet.kubelet")
    ),
    reason="pods run only with the replicaset controller, the scheduler and the kubelets",
)
DEPLOYMENT_ONLY = pytest.mark.fakeapi(controllers=["*", "deployment"])
WHOLE_CLUSTER = pytest.mark.fakeapi(controllers=["*", "deployment", "replicaset", "scheduler", "kubelet"])


def replica_sets(kubectl: Kubectl) -> list[dict[str, Any]]:
    """The ReplicaSets of deployment web, lowest revision first."""
    items: list[dict[str, Any]] = json.loads(kubectl("get", "rs", "-l", "app=web", "-o", "json").stdout)["items"]
    return sorted(items, key=lambda rs: int(rs["metadata"]["annotations"][REVISION]))


def image_of(rs: dict[str, Any]) -> str:
    image: str = rs["spec"]["template"]["spec"]["containers"][0]["image"]
    return image


@DEPLOYMENT_ONLY
def test_set_image_history_and_undo_reuse_replica_sets(kubectl: Kubectl, fakeapi: FakeAPI) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    fakeapi.server.settle()
    kubectl("set", "image", "deployment/web", "nginx=nginx:1.28")
    fakeapi.server.settle()

    first, second = replica_sets(kubectl)
    assert (image_of(first), image_of(second)) == ("nginx:1.27", "nginx:1.28")
    assert kubectl("rollout", "history", "deployment/web").stdout.splitlines()[:4] == [
        "deployment.apps/web ",
        "REVISION  CHANGE-CAUSE",
        "1         <none>",
        "2         <none>",
    ]

    assert kubectl("rollout", "undo", "deployment/web").stdout == "deployment.apps/web rolled back\n"
    fakeapi.server.settle()

    rss = replica_sets(kubectl)
    assert [rs["metadata"]["name"] for rs in rss] == [second["metadata"]["name"], first["metadata"]["name"]]
    assert rss[1]["metadata"]["annotations"][REVISION] == "3"
    assert rss[1]["metadata"]["annotations"][HISTORY] == "1"

    kubectl("rollout", "undo", "deployment/web", "--to-revision=2")
    fakeapi.server.settle()

    rss = replica_sets(kubectl)
    assert [rs["metadata"]["name"] for rs in rss] == [first["metadata"]["name"], second["metadata"]["name"]]
    assert rss[1]["metadata"]["annotations"][REVISION] == "4"
    assert rss[1]["metadata"]["annotations"][HISTORY] == "2"
    deployment = json.loads(kubectl("get", "deployment", "web", "-o", "json").stdout)
    assert deployment["metadata"]["annotations"][REVISION] == "4"
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.28"
    assert kubectl("rollout", "history", "deployment/web").stdout.splitlines()[2:4] == [
        "3         <none>",
        "4         <none>",
    ]


@DEPLOYMENT_ONLY
def test_pause_holds_the_rollout_and_resume_releases_it(kubectl: Kubectl, fakeapi: FakeAPI) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=2")
    fakeapi.server.settle()
    assert kubectl("rollout", "pause", "deployment/web").stdout == "deployment.apps/web paused\n"
    kubectl("set", "image", "deployment/web", "nginx=nginx:1.28")
    fakeapi.server.settle()

    assert len(replica_sets(kubectl)) == 1
    progressing = kubectl(
        "get", "deployment", "web", "-o", "jsonpath={.status.conditions[?(@.type=='Progressing')].reason}"
    ).stdout
    assert progressing == "DeploymentPaused"

    assert kubectl("rollout", "resume", "deployment/web").stdout == "deployment.apps/web resumed\n"
    fakeapi.server.settle()
    assert [image_of(rs) for rs in replica_sets(kubectl)] == ["nginx:1.27", "nginx:1.28"]


@FULL_CLUSTER
@WHOLE_CLUSTER
def test_create_deployment_rolls_out_and_becomes_available(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")

    status = kubectl("rollout", "status", "deployment/web", "--timeout=20s")
    assert status.stdout.splitlines()[-1] == 'deployment "web" successfully rolled out'
    waited = kubectl("wait", "--for=condition=Available", "deployment/web", "--timeout=20s")
    assert waited.stdout == "deployment.apps/web condition met\n"
    pods = kubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.phase}").stdout.split()
    assert pods == ["Running"] * 3


@FULL_CLUSTER
@WHOLE_CLUSTER
def test_set_image_then_undo_rolls_back_through_the_old_replica_set(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    kubectl("rollout", "status", "deployment/web", "--timeout=20s")
    kubectl("set", "image", "deployment/web", "nginx=nginx:1.28")
    kubectl("rollout", "status", "deployment/web", "--timeout=20s")

    first, second = replica_sets(kubectl)
    assert (first["spec"]["replicas"], second["spec"]["replicas"]) == (0, 3)
    assert first["status"].get("replicas", 0) == 0

    kubectl("rollout", "undo", "deployment/web")
    status = kubectl("rollout", "status", "deployment/web", "--timeout=20s")
    assert status.stdout.splitlines()[-1] == 'deployment "web" successfully rolled out'
    rss = {rs["metadata"]["name"]: rs for rs in replica_sets(kubectl)}
    assert rss[first["metadata"]["name"]]["spec"]["replicas"] == 3
    assert rss[first["metadata"]["name"]]["metadata"]["annotations"][REVISION] == "3"

    kubectl("rollout", "undo", "deployment/web", "--to-revision=2")
    kubectl("rollout", "status", "deployment/web", "--timeout=20s")
    images = kubectl("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}")
    assert images.stdout.split() == ["nginx:1.28"] * 3


@FULL_CLUSTER
@WHOLE_CLUSTER
def test_scale_and_pause_resume(kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27", "--replicas=3")
    kubectl("rollout", "status", "deployment/web", "--timeout=20s")

    assert kubectl("scale", "deployment/web", "--replicas=5").stdout == "deployment.apps/web scaled\n"
    kubectl("rollout", "status", "deployment/web", "--timeout=20s")
    assert kubectl("get", "deployment", "web", "-o", "jsonpath={.status.availableReplicas}").stdout == "5"

    kubectl("rollout", "pause", "deployment/web")
    kubectl("set", "image", "deployment/web", "nginx=nginx:1.28")
    assert len(replica_sets(kubectl)) == 1
    kubectl("rollout", "resume", "deployment/web")
    status = kubectl("rollout", "status", "deployment/web", "--timeout=20s")
    assert status.stdout.splitlines()[-1] == 'deployment "web" successfully rolled out'
    assert [rs["spec"]["replicas"] for rs in replica_sets(kubectl)] == [0, 5]


@pytest.mark.parametrize("kind", ["daemonset", "statefulset"])
def test_undo_to_the_current_revision_is_skipped(kubectl: Kubectl, fakeapi: FakeAPI, kind: str) -> None:
    # kubectl compares its own patch of the live template with the revision's bytes, which the
    # controllers write as json.Marshal writes a map: keys sorted (test/cmd/apps.sh history tests).
    workload = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet" if kind == "daemonset" else "StatefulSet",
        "metadata": {"name": "bind"},
        "spec": {
            "selector": {"matchLabels": {"app": "bind"}},
            "template": {
                "metadata": {"labels": {"app": "bind"}},
                "spec": {"containers": [{"name": "c", "image": "nginx:1"}]},
            },
        },
    }
    kubectl("apply", "-f", "-", input=json.dumps(workload))
    fakeapi.server.settle()
    undo = kubectl("rollout", "undo", f"{kind}/bind", "--to-revision=1")
    assert undo.stdout.strip() == f"{kind}.apps/bind skipped rollback (current template already matches revision 1)"
    kubectl("set", "image", f"{kind}/bind", "c=nginx:2")
    fakeapi.server.settle()
    assert (
        kubectl("rollout", "undo", f"{kind}/bind", "--to-revision=1").stdout.strip() == f"{kind}.apps/bind rolled back"
    )
