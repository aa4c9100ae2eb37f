"""`helm install --wait` of a chart whose workloads must really roll out: Deployment, StatefulSet with a
volume claim template, DaemonSet, Services and a post-install hook Job (tests/e2e/charts/workloads).

helm 4 waits with its kstatus watcher by default (``--wait`` = ``--wait=watcher``) and with helm 3's
polling checks under ``--wait=legacy``; either only returns once every workload reports what a real
cluster's controllers and kubelets report, and the hook Job has completed.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fakeapi.pytest_plugin.plugin import FakeAPI

Helm = Callable[..., subprocess.CompletedProcess[str]]

CHART = str(Path(__file__).parent / "charts" / "workloads")


def _get(fakeapi: FakeAPI, path: str, query: str = "") -> Any:
    response = fakeapi.server.request("GET", path, query=query)
    assert response.status == 200, response.body
    return response.json()


def _assert_rolled_out(fakeapi: FakeAPI, image: str) -> None:
    web = _get(fakeapi, "/apis/apps/v1/namespaces/default/deployments/app-web")
    assert web["status"]["availableReplicas"] == 2
    assert web["status"]["updatedReplicas"] == 2
    pods = _get(fakeapi, "/api/v1/namespaces/default/pods", "labelSelector=app.kubernetes.io/component=web")["items"]
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    assert [p["spec"]["containers"][0]["image"] for p in live] == [image, image]
    assert all(p["status"]["phase"] == "Running" for p in live)

    db = _get(fakeapi, "/apis/apps/v1/namespaces/default/statefulsets/app-db")
    assert db["status"]["readyReplicas"] == 2
    claims = _get(fakeapi, "/api/v1/namespaces/default/persistentvolumeclaims")["items"]
    assert sorted((c["metadata"]["name"], c["status"]["phase"]) for c in claims) == [
        ("data-app-db-0", "Bound"),
        ("data-app-db-1", "Bound"),
    ]

    agent = _get(fakeapi, "/apis/apps/v1/namespaces/default/daemonsets/app-agent")
    assert agent["status"]["desiredNumberScheduled"] == agent["status"]["numberReady"] == 1

    slices = _get(
        fakeapi,
        "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
        "labelSelector=kubernetes.io/service-name=app-web",
    )["items"]
    ready = sorted(e["addresses"][0] for s in slices for e in s["endpoints"] if e["conditions"]["ready"])
    assert ready == sorted(p["status"]["podIP"] for p in live)


@pytest.mark.parametrize("wait", ["--wait", "--wait=legacy"])
def test_install_and_upgrade_wait_for_the_rollout(helm: Helm, fakeapi: FakeAPI, wait: str) -> None:
    installed = helm("install", "app", CHART, wait, "--timeout", "60s")
    assert "STATUS: deployed" in installed.stdout
    _assert_rolled_out(fakeapi, "nginx:1.27")
    # hook-succeeded: helm deleted the hook Job once it completed, which it only does if it completed.
    assert fakeapi.server.request("GET", "/apis/batch/v1/namespaces/default/jobs/app-migrate").status == 404

    upgraded = helm("upgrade", "app", CHART, wait, "--timeout", "60s", "--set", "image=nginx:1.28")
    assert "STATUS: deployed" in upgraded.stdout
    _assert_rolled_out(fakeapi, "nginx:1.28")
    replica_sets = _get(fakeapi, "/apis/apps/v1/namespaces/default/replicasets")["items"]
    assert sorted(rs["spec"]["replicas"] for rs in replica_sets if rs["metadata"]["name"].startswith("app-web-")) == [
        0,
        2,
    ]


def test_helm_test_pods_run_to_completion(helm: Helm, fakeapi: FakeAPI) -> None:
    # `helm test` waits for each test hook pod to reach Succeeded, as a kubelet reports a container that exited 0.
    helm("install", "app", CHART, "--wait", "--timeout", "60s")
    tested = helm("test", "app", "--timeout", "30s")
    assert "TEST SUITE:     app-test-web" in tested.stdout
    assert "Phase:          Succeeded" in tested.stdout
    pod = _get(fakeapi, "/api/v1/namespaces/default/pods/app-test-web")
    assert pod["status"]["phase"] == "Succeeded"
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"


def test_a_bare_pod_that_is_not_a_hook_keeps_running(fakeapi: FakeAPI) -> None:
    # What its command does is unknown: without a Job or a Helm hook it runs (a server, say) until deleted.
    fakeapi.seed(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "server", "namespace": "default"},
            "spec": {"restartPolicy": "Never", "containers": [{"name": "s", "image": "python"}]},
        }
    )
    fakeapi.server.settle()
    assert _get(fakeapi, "/api/v1/namespaces/default/pods/server")["status"]["phase"] == "Running"
