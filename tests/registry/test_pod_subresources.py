"""Pod subresources that act on the pod: binding, eviction, ephemeral containers; componentstatuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.plugin import FakeAPI

# Binding, status and eviction requests written by hand: no scheduler or kubelet acts on these pods.
pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

PODS = "/api/v1/namespaces/default/pods"


def pod(name: str = "p", labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "labels": labels or {}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
    }


def test_binding_assigns_the_node_once(fakeapi: FakeAPI) -> None:
    fakeapi.seed(pod())
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "p"},
        "target": {"kind": "Node", "name": "n1"},
    }
    response = fakeapi.server.request("POST", f"{PODS}/p/binding", binding)
    assert response.status == 201
    assert response.json()["status"] == "Success"
    bound = fakeapi.server.request("GET", f"{PODS}/p").json()
    assert bound["spec"]["nodeName"] == "n1"
    assert [c["type"] for c in bound["status"]["conditions"]] == ["PodScheduled"]
    again = fakeapi.server.request("POST", f"{PODS}/p/binding", binding)
    assert again.status == 409
    assert (
        again.json()["message"] == 'Operation cannot be fulfilled on pods "p": pod p is already assigned to node "n1"'
    )


def test_legacy_bindings_resource_binds_too(fakeapi: FakeAPI) -> None:
    fakeapi.seed(pod("q"))
    binding = {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": "q"},
        "target": {"kind": "Node", "name": "n2"},
    }
    assert fakeapi.server.request("POST", "/api/v1/namespaces/default/bindings", binding).status == 201
    assert fakeapi.server.request("GET", f"{PODS}/q").json()["spec"]["nodeName"] == "n2"


def test_eviction_respects_disruption_budgets(fakeapi: FakeAPI) -> None:
    running = fakeapi.seed(pod("a", {"app": "web"}), pod("b", {"app": "other"}))
    # Running: a Pending pod is evicted without looking at budgets, as it disrupts nothing.
    for created in running:
        created["status"]["phase"] = "Running"
        assert fakeapi.server.request("PUT", f"{PODS}/{created['metadata']['name']}/status", created).status == 200
    fakeapi.seed(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "pdb", "namespace": "default"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "web"}}},
        }
    )
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "a", "namespace": "default"}}
    refused = fakeapi.server.request("POST", f"{PODS}/a/eviction", eviction)
    assert refused.status == 429
    assert refused.json()["message"] == "Cannot evict pod as it would violate the pod's disruption budget."
    assert refused.json()["details"]["causes"][0]["reason"] == "DisruptionBudget"
    other = {**eviction, "metadata": {"name": "b", "namespace": "default"}}
    assert fakeapi.server.request("POST", f"{PODS}/b/eviction", other).status == 201
    assert fakeapi.server.request("GET", f"{PODS}/b").status == 404
    assert fakeapi.server.request("GET", f"{PODS}/a").status == 200


def test_ephemeral_containers_change_only_that_part(fakeapi: FakeAPI) -> None:
    created = fakeapi.seed(pod())[0]
    body = {**created, "spec": {**created["spec"], "nodeName": "sneaky"}}
    body["spec"]["ephemeralContainers"] = [{"name": "debug", "image": "busybox"}]
    response = fakeapi.server.request("PUT", f"{PODS}/p/ephemeralcontainers", body)
    assert response.status == 200
    updated = response.json()
    assert updated["spec"]["ephemeralContainers"][0]["name"] == "debug"
    assert "nodeName" not in updated["spec"]


def test_a_pods_tolerations_may_only_grow_and_its_scheduling_gates_only_shrink(fakeapi: FakeAPI) -> None:
    # ValidatePodUpdate's validateOnlyAddedTolerations and validateOnlyDeletedSchedulingGates.
    toleration = {"key": "a", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 10}
    gated = pod()
    gated["spec"] |= {"tolerations": [toleration], "schedulingGates": [{"name": "g1"}]}
    fakeapi.seed(gated)

    def patched(spec: dict[str, Any]) -> Any:
        body = json.dumps({"spec": spec}).encode()
        return fakeapi.server.request(
            "PATCH", f"{PODS}/p", body, headers={"Content-Type": "application/merge-patch+json"}
        )

    other = {"key": "b", "operator": "Exists"}
    assert patched({"tolerations": [{**toleration, "tolerationSeconds": 5}, other]}).status == 200
    replaced = patched({"tolerations": [other]})
    assert replaced.status == 422
    assert replaced.json()["details"]["causes"] == [
        {
            "reason": "FieldValueForbidden",
            "message": "Forbidden: existing toleration can not be modified except its tolerationSeconds",
            "field": "spec.tolerations",
        }
    ]
    added = patched({"schedulingGates": [{"name": "g1"}, {"name": "g2"}]})
    assert added.json()["details"]["causes"][0]["message"] == (
        "Forbidden: only deletion is allowed, but found new scheduling gate 'g2'"
    )
    assert patched({"schedulingGates": []}).status == 200


def test_component_statuses_are_healthy(fakeapi: FakeAPI) -> None:
    listed = fakeapi.server.request("GET", "/api/v1/componentstatuses").json()
    assert [i["metadata"]["name"] for i in listed["items"]] == ["controller-manager", "etcd-0", "scheduler"]
    assert fakeapi.server.request("GET", "/api/v1/componentstatuses/etcd-0").json()["conditions"][0]["status"] == "True"
    assert fakeapi.server.request("DELETE", "/api/v1/componentstatuses/etcd-0").status == 405


def test_a_wrongly_typed_binding_is_a_decode_error(fakeapi: FakeAPI) -> None:
    # Virtual creates (bindings, evictions, reviews) get the decoder's check as stored kinds do.
    response = fakeapi.server.request(
        "POST", "/api/v1/namespaces/default/bindings", {"apiVersion": "v1", "kind": "Binding", "metadata": [{}]}
    )
    assert response.status == 400
    assert response.json()["reason"] == "BadRequest"
