"""Defaulting of the groups beyond core, apps and batch: one test per group's defaults.go.

Each expectation is read from upstream's pkg/apis/<group>/<version>/defaults.go (v1.37):
autoscaling/v1 and v2, networking/v1, rbac/v1, storage/v1, scheduling/v1,
admissionregistration/v1, flowcontrol/v1 and discovery/v1.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.plugin import FakeAPI

Kubectl = Callable[..., subprocess.CompletedProcess[str]]

CPU_80_PERCENT = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
}
SCALE_UP_RULES = {
    "stabilizationWindowSeconds": 0,
    "selectPolicy": "Max",
    "policies": [
        {"type": "Pods", "value": 4, "periodSeconds": 15},
        {"type": "Percent", "value": 100, "periodSeconds": 15},
    ],
}
SCALE_DOWN_RULES = {"selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]}
TARGET = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}


def create(fakeapi: FakeAPI, path: str, obj: dict[str, Any]) -> dict[str, Any]:
    response = fakeapi.server.request("POST", path, obj)
    assert response.status == 201, response.body
    created: dict[str, Any] = response.json()
    # What a later read gives too: defaults are stored, not added on the way out. (Controllers may
    # have written the status and so the metadata in between: a policy's status controller does.)
    name = created["metadata"]["name"]
    read = fakeapi.server.request("GET", f"{path}/{name}").json()
    assert without_status_and_metadata(read) == without_status_and_metadata(created)
    return created


def without_status_and_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if key not in ("metadata", "status")}


def hpa(api_version: str, name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {"scaleTargetRef": TARGET, "maxReplicas": 5, **spec},
    }


# API-only: the HPA controller would report on the HPAs (status), which is not what this test reads.
@pytest.mark.fakeapi(controllers=without_simulation())
def test_autoscaling(fakeapi: FakeAPI) -> None:
    """autoscaling/v2 SetDefaults_HorizontalPodAutoscaler(Behavior); v1 defaults only minReplicas."""
    v2 = "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"
    spec = create(fakeapi, v2, hpa("autoscaling/v2", "bare"))["spec"]
    assert spec == {"scaleTargetRef": TARGET, "maxReplicas": 5, "minReplicas": 1, "metrics": [CPU_80_PERCENT]}
    # A behavior gets every rule filled in; what it sets is kept (copyHPAScalingRules).
    behavior = {"scaleDown": {"stabilizationWindowSeconds": 60}}
    spec = create(fakeapi, v2, hpa("autoscaling/v2", "tuned", minReplicas=2, behavior=behavior))["spec"]
    assert spec["minReplicas"] == 2
    assert spec["behavior"] == {
        "scaleUp": SCALE_UP_RULES,
        "scaleDown": {**SCALE_DOWN_RULES, "stabilizationWindowSeconds": 60},
    }
    v1 = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
    spec = create(fakeapi, v1, hpa("autoscaling/v1", "old"))["spec"]
    # Stored in v2 with v1's implicit CPU target made explicit, which v1 then shows
    # (pkg/apis/autoscaling/v1/conversion.go).
    assert spec == {"scaleTargetRef": TARGET, "maxReplicas": 5, "minReplicas": 1, "targetCPUUtilizationPercentage": 80}


def test_kubectl_autoscale_shows_the_defaults(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("create", "deployment", "web", "--image=nginx:1.27")
    kubectl("autoscale", "deployment", "web", "--max=5")
    stored = yaml.safe_load(kubectl("get", "hpa", "web", "-o", "yaml").stdout)
    assert stored["spec"]["minReplicas"] == 1
    assert stored["spec"]["maxReplicas"] == 5
    assert stored["spec"]["metrics"] == [CPU_80_PERCENT]


def test_networking(fakeapi: FakeAPI) -> None:
    """SetDefaults_NetworkPolicy, SetDefaults_NetworkPolicyPort, SetDefaults_IngressClass."""
    path = "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies"
    ingress_only = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "in"}}
    ingress_only["spec"] = {"podSelector": {}, "ingress": [{"ports": [{"port": 80}]}]}
    spec = create(fakeapi, path, ingress_only)["spec"]
    assert spec["policyTypes"] == ["Ingress"]
    assert spec["ingress"] == [{"ports": [{"port": 80, "protocol": "TCP"}]}]
    both = {**ingress_only, "metadata": {"name": "both"}, "spec": {"podSelector": {}, "egress": [{}]}}
    assert create(fakeapi, path, both)["spec"]["policyTypes"] == ["Ingress", "Egress"]
    explicit = {**ingress_only, "metadata": {"name": "egress"}, "spec": {"podSelector": {}, "policyTypes": ["Egress"]}}
    assert create(fakeapi, path, explicit)["spec"]["policyTypes"] == ["Egress"]

    parameters = {"apiGroup": "example.com", "kind": "Params", "name": "p"}
    ingress_class = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": "nginx"},
        "spec": {"controller": "example.com/ingress", "parameters": parameters},
    }
    spec = create(fakeapi, "/apis/networking.k8s.io/v1/ingressclasses", ingress_class)["spec"]
    assert spec["parameters"] == {**parameters, "scope": "Cluster"}


def test_rbac(fakeapi: FakeAPI) -> None:
    """SetDefaults_RoleBinding and SetDefaults_Subject: the group follows the subject kind."""
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "b"},
        "roleRef": {"kind": "ClusterRole", "name": "view", "apiGroup": ""},
        "subjects": [
            {"kind": "User", "name": "alice"},
            {"kind": "Group", "name": "devs"},
            {"kind": "ServiceAccount", "name": "default", "namespace": "default"},
        ],
    }
    created = create(fakeapi, "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", binding)
    assert created["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    # A ServiceAccount's group is "", which Go's omitempty leaves out of the JSON.
    assert [s.get("apiGroup") for s in created["subjects"]] == ["rbac.authorization.k8s.io"] * 2 + [None]


def test_storage(fakeapi: FakeAPI) -> None:
    """SetDefaults_StorageClass and SetDefaults_CSIDriver (v1.37's gates: fsGroupPolicy, lifecycle modes, SELinux)."""
    storage_class = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"}}
    storage_class["provisioner"] = "example.com/disk"
    created = create(fakeapi, "/apis/storage.k8s.io/v1/storageclasses", storage_class)
    assert (created["reclaimPolicy"], created["volumeBindingMode"]) == ("Delete", "Immediate")

    driver = {"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver", "metadata": {"name": "disk.example.com"}}
    driver["spec"] = {"podInfoOnMount": True}
    assert create(fakeapi, "/apis/storage.k8s.io/v1/csidrivers", driver)["spec"] == {
        "attachRequired": True,
        "podInfoOnMount": True,
        "storageCapacity": False,
        "fsGroupPolicy": "ReadWriteOnceWithFSType",
        "requiresRepublish": False,
        "seLinuxMount": False,
        "volumeLifecycleModes": ["Persistent"],
    }


def test_scheduling(fakeapi: FakeAPI) -> None:
    priority_class = {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"}}
    priority_class["value"] = 1000
    created = create(fakeapi, "/apis/scheduling.k8s.io/v1/priorityclasses", priority_class)
    assert created["preemptionPolicy"] == "PreemptLowerPriority"


def test_admissionregistration(fakeapi: FakeAPI) -> None:
    """SetDefaults_{Validating,Mutating}Webhook, _Rule, _ServiceReference, _MatchResources and the policies' specs."""
    webhook = {
        "name": "check.example.com",
        "clientConfig": {"service": {"namespace": "default", "name": "hook"}},
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        "sideEffects": "None",
        "admissionReviewVersions": ["v1"],
    }
    base = "/apis/admissionregistration.k8s.io/v1"
    config = {"apiVersion": "admissionregistration.k8s.io/v1", "metadata": {"name": "hooks"}, "webhooks": [webhook]}
    validating = create(
        fakeapi, f"{base}/validatingwebhookconfigurations", {**config, "kind": "ValidatingWebhookConfiguration"}
    )
    expected = {
        **webhook,
        "clientConfig": {"service": {"namespace": "default", "name": "hook", "port": 443}},
        "rules": [{**webhook["rules"][0], "scope": "*"}],  # type: ignore[index]
        "failurePolicy": "Fail",
        "matchPolicy": "Equivalent",
        "namespaceSelector": {},
        "objectSelector": {},
        "timeoutSeconds": 10,
    }
    assert validating["webhooks"] == [expected]
    mutating = create(
        fakeapi, f"{base}/mutatingwebhookconfigurations", {**config, "kind": "MutatingWebhookConfiguration"}
    )
    assert mutating["webhooks"] == [{**expected, "reinvocationPolicy": "Never"}]

    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": "replicas"},
        "spec": {
            "matchConstraints": {"resourceRules": [{**webhook["rules"][0]}]},  # type: ignore[index]
            "validations": [{"expression": "true"}],
        },
    }
    spec = create(fakeapi, f"{base}/validatingadmissionpolicies", policy)["spec"]
    assert spec["failurePolicy"] == "Fail"
    assert spec["matchConstraints"] == {
        "resourceRules": [{**webhook["rules"][0], "scope": "*"}],  # type: ignore[index]
        "matchPolicy": "Equivalent",
        "namespaceSelector": {},
        "objectSelector": {},
    }


def test_flowcontrol(fakeapi: FakeAPI) -> None:
    """SetDefaults_FlowSchemaSpec, SetDefaults_LimitedPriorityLevelConfiguration, SetDefaults_QueuingConfiguration."""
    base = "/apis/flowcontrol.apiserver.k8s.io/v1"
    level = {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "PriorityLevelConfiguration",
        "metadata": {"name": "tests"},
        "spec": {"type": "Limited", "limited": {"limitResponse": {"type": "Queue", "queuing": {}}}},
    }
    spec = create(fakeapi, f"{base}/prioritylevelconfigurations", level)["spec"]
    assert spec["limited"] == {
        "nominalConcurrencyShares": 30,
        "lendablePercent": 0,
        "limitResponse": {"type": "Queue", "queuing": {"handSize": 8, "queues": 64, "queueLengthLimit": 50}},
    }
    schema = {
        "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
        "kind": "FlowSchema",
        "metadata": {"name": "tests"},
        "spec": {"priorityLevelConfiguration": {"name": "tests"}},
    }
    assert create(fakeapi, f"{base}/flowschemas", schema)["spec"]["matchingPrecedence"] == 1000


def test_discovery(fakeapi: FakeAPI) -> None:
    """SetDefaults_EndpointPort: an unnamed TCP port."""
    endpoint_slice = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": "web-abc"},
        "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.0.0.1"]}],
        "ports": [{"port": 80}],
    }
    created = create(fakeapi, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", endpoint_slice)
    assert created["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]
