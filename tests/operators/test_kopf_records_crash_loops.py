"""A kopf operator notices that its child pod crash-loops and records it in its resource's status.

A pod rule (``fakeapi.behaviour``) makes the child's container exit with code 3 on every start:
the kubelet restarts it at once, then backs off (``CrashLoopBackOff``, ``back-off 10s restarting
failed container=main pod=<name>_default(<uid>)``, pkg/kubelet/kuberuntime/kuberuntime_manager.go
``doBackOff``), and the operator's pod event handler copies that into the Worker's status.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from crd_manifests import crd_manifest
from test_kopf_operator import eventually, get, standalone_run

from fakeapi.pytest_plugin.plugin import FakeAPI

kopf_testing = pytest.importorskip("kopf.testing")

OPERATOR = Path(__file__).with_name("worker_operator.py")
WORKERS = "/apis/example.com/v1/namespaces/default/workers"

CRD = crd_manifest(
    "Worker",
    schema={
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {"image": {"type": "string"}}},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
    },
    subresources={"status": {}},
)


def _crash_loop_recorded(fakeapi: FakeAPI) -> dict[str, Any] | None:
    """The Worker's recorded health once it says CrashLoopBackOff."""
    health: dict[str, Any] = ((get(fakeapi, f"{WORKERS}/ingest") or {}).get("status") or {}).get("health") or {}
    return health if health.get("state") == "CrashLoopBackOff" else None


def test_the_operator_records_its_pods_crash_loop(fakeapi_kubeconfig_env: FakeAPI) -> None:
    fakeapi = fakeapi_kubeconfig_env
    fakeapi.seed(CRD)
    fakeapi.behaviour.pods(labels={"worker": "ingest"}).crash(exit_code=3)
    with kopf_testing.KopfRunner(standalone_run(OPERATOR), timeout=60) as runner:
        fakeapi.seed(
            {"apiVersion": "example.com/v1", "kind": "Worker", "metadata": {"name": "ingest", "namespace": "default"}}
        )
        health = eventually(
            lambda: _crash_loop_recorded(fakeapi), timeout=30, what="the operator to record the crash loop"
        )
        pod = fakeapi.get("v1", "Pod", "ingest-runner")
        assert health == {
            "state": "CrashLoopBackOff",
            "message": f"back-off 10s restarting failed container=main pod=ingest-runner_default({pod['metadata']['uid']})",
            "restarts": 1,
            "lastExitCode": 3,
        }
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "Worker"
        fakeapi.server.request("DELETE", f"{WORKERS}/ingest")
        eventually(lambda: get(fakeapi, f"{WORKERS}/ingest") is None, what="the worker to go")

    assert runner.exit_code == 0, runner.output
    assert runner.exception is None
