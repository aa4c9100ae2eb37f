"""How to test a controller: seed a Deployment from YAML, run a controller written with the
`kubernetes` client against the cluster, then check what it asked the server (the audit log)
and the state it left.

The controller (``deployment_controller.py`` beside this file) reports each Deployment ready
through the status subresource and publishes a ``<name>-summary`` ConfigMap owned by it.
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
# The `kubernetes` client's User-Agent starts with this: the audit log tells its requests from others'.
PYTHON_CLIENT = "OpenAPI-Generator"

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""


def test_the_controller_reports_the_deployment_ready(fakeapi: FakeAPI) -> None:
    fakeapi.seed(DEPLOYMENT)

    with DeploymentController(config.new_client_from_config(str(fakeapi.kubeconfig))):
        # Waits (up to TIMEOUT) for the controller's status write; on failure lists the requests it did make.
        fakeapi.audit.assert_requested(
            "patch",
            "deployments",
            subresource="status",
            name="web",
            user_agent=PYTHON_CLIENT,
            code=200,
            timeout=TIMEOUT,
        )

    deployment = fakeapi.get("apps/v1", "Deployment", "web")
    assert deployment["status"]["readyReplicas"] == 3
    assert deployment["status"]["observedGeneration"] == deployment["metadata"]["generation"]
    summary = fakeapi.get("v1", "ConfigMap", "web-summary")
    assert summary["data"]["images"] == "nginx:1.27"
    assert summary["metadata"]["ownerReferences"][0]["uid"] == deployment["metadata"]["uid"]
    # One create of the summary, and the Deployment's spec was never written by the controller.
    (created,) = fakeapi.audit.assert_requested("create", "configmaps", user_agent=PYTHON_CLIENT, count=1)
    assert created.object_ref is not None and created.object_ref.name == "web-summary"
    fakeapi.audit.assert_not_requested(("update", "patch"), "deployments", subresource="", user_agent=PYTHON_CLIENT)


def test_the_controller_follows_a_change(fakeapi: FakeAPI) -> None:
    fakeapi.seed(DEPLOYMENT)
    api_client = config.new_client_from_config(str(fakeapi.kubeconfig))

    with DeploymentController(api_client):
        fakeapi.audit.assert_requested("patch", "deployments", subresource="status", code=200, timeout=TIMEOUT)
        client.AppsV1Api(api_client).patch_namespaced_deployment_scale(
            "web", "default", {"spec": {"replicas": 5}}, _request_timeout=TIMEOUT
        )
        # The controller saw the change through its watch and reported it.
        fakeapi.audit.assert_requested("patch", "deployments", subresource="status", code=200, count=2, timeout=TIMEOUT)

    assert fakeapi.get("apps/v1", "Deployment", "web")["status"]["readyReplicas"] == 5
    assert fakeapi.get("v1", "ConfigMap", "web-summary")["data"]["replicas"] == "5"
    assert fakeapi.watch_events.events("MODIFIED", "deployments", name="web", user_agent=PYTHON_CLIENT)
