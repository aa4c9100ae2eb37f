"""A kopf operator that waits for its child Deployment to become Available, as on a real cluster.

The fixture's cluster runs the deployment and replicaset controllers, the scheduler and a
kubelet, so the Deployment the operator creates rolls out and the operator's wait ends.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from crd_manifests import crd_manifest
from test_kopf_operator import eventually, get, standalone_run

from fakeapi.pytest_plugin.plugin import FakeAPI

kopf_testing = pytest.importorskip("kopf.testing")

OPERATOR = Path(__file__).with_name("webapp_operator.py")
WEBAPPS = "/apis/example.com/v1/namespaces/default/webapps"

CRD = crd_manifest(
    "WebApp",
    schema={
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {"replicas": {"type": "integer"}, "image": {"type": "string"}},
            },
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
    },
    subresources={"status": {}},
)


def test_the_operator_reports_ready_once_its_deployment_is_available(fakeapi_kubeconfig_env: FakeAPI) -> None:
    fakeapi = fakeapi_kubeconfig_env
    fakeapi.seed(CRD)
    with kopf_testing.KopfRunner(standalone_run(OPERATOR), timeout=60) as runner:
        fakeapi.seed(
            {
                "apiVersion": "example.com/v1",
                "kind": "WebApp",
                "metadata": {"name": "shop", "namespace": "default"},
                "spec": {"replicas": 2},
            }
        )
        status = eventually(
            lambda: (get(fakeapi, f"{WEBAPPS}/shop") or {}).get("status", {}).get("wait_until_available"),
            timeout=30,
            what="the operator to see its Deployment available",
        )
        assert status == {"phase": "Ready", "availableReplicas": 2}

        deployment = get(fakeapi, "/apis/apps/v1/namespaces/default/deployments/shop")
        assert deployment is not None
        assert deployment["metadata"]["ownerReferences"][0]["kind"] == "WebApp"
        conditions = {c["type"]: c["reason"] for c in deployment["status"]["conditions"]}
        assert conditions == {"Available": "MinimumReplicasAvailable", "Progressing": "NewReplicaSetAvailable"}
        pods = fakeapi.list("v1", "Pod", label_selector="app=shop")
        assert [p["status"]["phase"] for p in pods] == ["Running", "Running"]

        fakeapi.server.request("DELETE", f"{WEBAPPS}/shop")
        eventually(lambda: get(fakeapi, f"{WEBAPPS}/shop") is None, what="the webapp to go")
        eventually(lambda: not fakeapi.list("v1", "Pod", label_selector="app=shop"), what="its pods to go")

    assert runner.exit_code == 0, runner.output
    assert runner.exception is None
