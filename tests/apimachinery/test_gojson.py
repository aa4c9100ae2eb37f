"""Built-in objects carry the fields Go's encoding/json always writes, in every read.

Expectations from the json tags of k8s.io/api v1.37 (apps/v1/types.go: DeploymentStatus is a struct
field, StatefulSetStatus.replicas and availableReplicas have no omitempty; core/v1/types.go:
NodeSpec and NodeStatus are struct fields, PodCondition.lastProbeTime is a Time without omitzero).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from fakeapi.apimachinery.gojson import go_encoder_for
from fakeapi.apimachinery.schema import GroupVersionKind
from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.plugin import FakeAPI

# kr8s warns that it has not been tested against Kubernetes 1.37 yet.
# A just-created object as the API stores it: no controller writes its status meanwhile.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Kubernetes version v1.37"),
    pytest.mark.fakeapi(controllers=without_simulation()),
]
kr8s = pytest.importorskip("kr8s")

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
TEMPLATE = {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}


def workload(kind: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": kind,
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": TEMPLATE},
    }


def test_kr8s_reads_the_status_of_a_deployment_just_created(fakeapi: FakeAPI) -> None:
    async def scenario() -> tuple[dict[str, Any], bool]:
        api = await kr8s.asyncio.api(kubeconfig=str(fakeapi.kubeconfig))
        from kr8s.asyncio.objects import Deployment

        deployment = await Deployment(workload("Deployment"), api=api)
        await deployment.create()
        fetched = await Deployment.get("web", namespace="default", api=api)
        # ready() reads raw["status"] directly, as on a real cluster.
        return fetched.raw["status"], await fetched.ready()

    status, ready = asyncio.run(scenario())
    assert status == {}
    assert ready is False


def test_gets_lists_and_watch_events_agree(fakeapi: FakeAPI, k8s_client: Any) -> None:
    from kubernetes import client

    path = "/apis/apps/v1/namespaces/default/statefulsets"
    created = fakeapi.server.request("POST", path, workload("StatefulSet")).json()
    assert created["status"] == {"replicas": 0, "availableReplicas": 0}
    assert fakeapi.server.request("GET", f"{path}/web").json()["status"] == created["status"]
    (item,) = fakeapi.server.request("GET", path).json()["items"]
    assert item["status"] == created["status"]
    apps = client.AppsV1Api(k8s_client)
    response = apps.list_namespaced_stateful_set(
        "default", watch=True, resource_version="0", timeout_seconds=1, _preload_content=False
    )
    (event,) = [json.loads(line) for line in response.data.splitlines() if line.strip()]
    assert event["object"]["status"] == created["status"]


def test_kubectl_shows_a_node_with_its_spec_and_zero_status(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("create", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}}))
    node = json.loads(kubectl("get", "node", "n1", "-o", "json").stdout)
    assert node["spec"] == {}
    assert node["status"]["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 0}}
    assert node["status"]["nodeInfo"]["kubeletVersion"] == ""


def test_what_is_set_is_kept_and_omitempty_fields_stay_out() -> None:
    encode = go_encoder_for(GroupVersionKind("", "v1", "Pod"))
    assert encode is not None
    pod: dict[str, Any] = {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "x"}]},
        "status": {"conditions": [{"type": "Ready", "status": "True"}], "phase": "Running"},
    }
    encode(pod)
    # Container.resources is a struct; PodSpec's omitempty scalars and pointers stay out.
    assert pod["spec"] == {"containers": [{"name": "a", "image": "x", "resources": {}}]}
    assert pod["status"]["conditions"] == [
        {"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": None}
    ]
    # creationTimestamp is omitzero in v1.37: no null for it.
    assert pod["metadata"] == {"name": "p"}
    assert go_encoder_for(GroupVersionKind("example.com", "v1", "Widget")) is None


@pytest.mark.kubectl
def test_a_nil_list_reads_the_same_through_the_clients_as_go_s_null(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    """Go writes a nil slice without omitempty as ``null`` (a ClusterRole's ``rules``, an EndpointSlice's
    ``endpoints``); the stored object leaves it out. kubectl's JSONPath and the ``kubernetes`` client read
    an absent list and a null one alike, so the difference shows only to a reader of the raw JSON."""
    from kubernetes import client

    kubectl(
        "apply",
        "-f",
        "-",
        input="apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: empty}\n",
    )
    assert "rules" not in fakeapi.get("rbac.authorization.k8s.io/v1", "clusterroles", "empty")
    assert kubectl("get", "clusterrole", "empty", "-o", "jsonpath={.rules}").stdout == ""
    role = client.RbacAuthorizationV1Api(fakeapi.api_client()).read_cluster_role("empty")
    assert role.rules is None
