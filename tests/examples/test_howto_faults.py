"""How to check that a controller survives what real clusters do: injected conflicts and a cut watch.

``fakeapi.faults`` answers chosen requests with a Status error (``conflict``, ``expired``,
``too_many_requests``, ``internal_error``, ``service_unavailable``, or any ``fail``), delays
them, or cuts open watches; the audit log notes every fault it injected. Rules end with the test.
"""

from __future__ import annotations

import pytest
from deployment_controller import DeploymentController
from kubernetes import client, config

from fakeapi.pytest_plugin.plugin import FakeAPI

# The example controller plays the built-in Deployment controller's part (it reports Deployments
# ready through their status), so that one is left out of this cluster.
pytestmark = pytest.mark.fakeapi(controllers=["*", "-deployment"])


TIMEOUT = 10.0

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]},
        },
    },
}


def test_the_controller_retries_conflicts(fakeapi: FakeAPI) -> None:
    conflicts = fakeapi.faults.conflict(times=2, verb="patch", resource="deployments", subresource="status")
    fakeapi.seed(DEPLOYMENT)

    with DeploymentController(config.new_client_from_config(str(fakeapi.kubeconfig))):
        fakeapi.audit.assert_requested("patch", "deployments", subresource="status", code=200, timeout=TIMEOUT)

    assert conflicts.hits == 2
    refused = fakeapi.audit.assert_requested("patch", "deployments", subresource="status", code=409, count=2)
    assert all(event.fault for event in refused)
    assert fakeapi.get("apps/v1", "Deployment", "web")["status"]["readyReplicas"] == 2


def test_the_controller_watches_again_after_a_cut(fakeapi: FakeAPI) -> None:
    fakeapi.seed(DEPLOYMENT)
    api_client = config.new_client_from_config(str(fakeapi.kubeconfig))

    with DeploymentController(api_client) as controller:
        fakeapi.audit.assert_requested("patch", "deployments", subresource="status", code=200, timeout=TIMEOUT)
        assert fakeapi.audit.wait_for(verb="watch", resource="deployments", timeout=TIMEOUT)
        assert fakeapi.faults.cut_watches(resource="deployments") >= 1
        client.AppsV1Api(api_client).patch_namespaced_deployment_scale(
            "web", "default", {"spec": {"replicas": 4}}, _request_timeout=TIMEOUT
        )
        # Only a controller that watched again sees the change and reports it.
        fakeapi.audit.assert_requested("patch", "deployments", subresource="status", code=200, count=2, timeout=TIMEOUT)

    watches = fakeapi.audit.requests("watch", "deployments")
    assert any(w.fault and "cut" in w.fault for w in watches)
    # It resumed from the last resourceVersion it had seen: one list, at the start, and no more.
    assert controller.relists == 1
    assert fakeapi.get("apps/v1", "Deployment", "web")["status"]["readyReplicas"] == 4
