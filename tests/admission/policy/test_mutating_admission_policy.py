"""MutatingAdmissionPolicy through kubectl and the `kubernetes` client.

Expectations from staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/mutating/: dispatcher.go
(mutations in order, the object defaulted after each, reinvocation of IfNeeded policies when a
later one changed the object), patch/smd.go (an ApplyConfiguration merged with structured-merge-diff;
``invalid ApplyConfiguration: may not mutate atomic arrays, maps or structs: <path>``),
patch/json_patch.go (JSON patches; a failed ``test`` leaves the object as it was) and
generic/policy_dispatcher.go (PolicyError: ``policy '<policy>' with binding '<binding>' denied
request: <error>``, reason Invalid, code 403 Forbidden).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from policy_manifests import TEAM_LABEL, deployment

from fakeapi.pytest_plugin.plugin import FakeAPI

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]


def labels_of(kubectl: Kubectl, *target: str) -> dict[str, str]:
    labels: dict[str, str] = yaml.safe_load(kubectl("get", *target, "-o", "yaml").stdout)["metadata"]["labels"]
    return labels


def test_a_policy_adds_a_label_to_what_kubectl_creates(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=TEAM_LABEL)
    kubectl("create", "namespace", "shop")
    kubectl("label", "namespace", "shop", "team=payments")
    kubectl("apply", "-n", "shop", "-f", "-", input=deployment("web", 1))
    assert labels_of(kubectl, "-n", "shop", "deployment/web") == {"app": "web", "team": "payments"}
    kubectl("create", "configmap", "untouched", "-n", "shop")
    assert (
        "labels"
        not in yaml.safe_load(kubectl("get", "-n", "shop", "configmap/untouched", "-o", "yaml").stdout)["metadata"]
    )


def test_the_pods_a_controller_creates_are_mutated_too(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=TEAM_LABEL)
    kubectl("apply", "-f", "-", input=deployment("web", 2))
    fakeapi.server.settle()
    pods = fakeapi.list("v1", "Pod", namespace="default")
    assert len(pods) == 2
    assert all(pod["metadata"]["labels"]["team"] == "none" for pod in pods)


JSON_PATCH_POLICY = """
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicy
metadata:
  name: annotate
spec:
  reinvocationPolicy: Never
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["configmaps"]
  mutations:
  - patchType: JSONPatch
    jsonPatch:
      expression: >
        [
          JSONPatch{op: "test", path: "/data/mode", value: "annotated"},
          JSONPatch{op: "add", path: "/metadata/annotations", value: {}}
        ]
  - patchType: JSONPatch
    jsonPatch:
      expression: >
        has(object.metadata.annotations) ? [] : [JSONPatch{op: "add", path: "/metadata/annotations", value: {}}]
  - patchType: JSONPatch
    jsonPatch:
      expression: >
        [JSONPatch{op: "add", path: "/metadata/annotations/" + jsonpatch.escapeKey("example.com/by"), value: request.userInfo.username}]
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicyBinding
metadata:
  name: annotate
spec:
  policyName: annotate
"""


def test_json_patches_with_a_failed_test_and_an_escaped_key(k8s_client: Any, kubectl: Kubectl) -> None:
    from kubernetes import client

    kubectl("apply", "-f", "-", input=JSON_PATCH_POLICY)
    core = client.CoreV1Api(k8s_client)
    created = core.create_namespaced_config_map(
        "default", {"metadata": {"name": "settings"}, "data": {"mode": "plain"}}
    )
    assert created.metadata.annotations == {"example.com/by": "kubernetes-admin"}


def test_an_apply_configuration_may_not_replace_an_atomic_field(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl(
        "apply",
        "-f",
        "-",
        input="""
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicy
metadata:
  name: selector
spec:
  reinvocationPolicy: Never
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: 'Object{spec: Object.spec{selector: Object.spec.selector{matchLabels: {"tier": "web"}}}}'
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicyBinding
metadata:
  name: selector
spec:
  policyName: selector
""",
    )
    refused = kubectl("apply", "-f", "-", input=deployment("web", 1), check=False)
    assert refused.stderr.strip() == (
        "The deployments \"web\" is invalid: : policy 'selector' with binding 'selector' "
        "denied request: error applying patch: invalid ApplyConfiguration: may not mutate atomic arrays, "
        "maps or structs: .spec.selector"
    )
    response = fakeapi.server.request(
        "POST", "/apis/apps/v1/namespaces/default/deployments", yaml.safe_load(deployment("web", 1))
    )
    assert (response.status, response.json()["reason"]) == (403, "Invalid")


REINVOKED = """
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicy
metadata:
  name: a-count-labels
spec:
  reinvocationPolicy: IfNeeded
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["configmaps"]
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: >
        Object{metadata: Object.metadata{annotations: {"labels": string(size(object.metadata.labels))}}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicyBinding
metadata:
  name: a-count-labels
spec:
  policyName: a-count-labels
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicy
metadata:
  name: b-add-label
spec:
  reinvocationPolicy: Never
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["configmaps"]
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: 'Object{metadata: Object.metadata{labels: {"added": "yes"}}}'
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicyBinding
metadata:
  name: b-add-label
spec:
  policyName: b-add-label
"""


def test_an_if_needed_policy_runs_again_after_a_later_one_changed_the_object(
    fakeapi: FakeAPI, kubectl: Kubectl
) -> None:
    kubectl("apply", "-f", "-", input=REINVOKED)
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "labels": {"app": "x"}}}
    created = fakeapi.server.request("POST", "/api/v1/namespaces/default/configmaps", body).json()
    # a-count-labels ran first (one label), b-add-label added a second, and the reinvocation counted again.
    assert created["metadata"]["labels"] == {"app": "x", "added": "yes"}
    assert created["metadata"]["annotations"] == {"labels": "2"}
