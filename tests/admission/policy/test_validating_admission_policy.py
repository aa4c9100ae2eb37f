"""ValidatingAdmissionPolicy through kubectl and the `kubernetes` client.

Expected texts, from staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/:
- validating/dispatcher.go: ``ValidatingAdmissionPolicy '<policy>' with binding '<binding>' denied
  request: <message>`` inside admission.NewForbidden (``deployments.apps "web" is forbidden: ...``),
  reason Invalid and code 422 (policy_decision.go reasonToCode), one cause with the message; the
  Warn action's ``Validation failed for ValidatingAdmissionPolicy '<policy>' with binding
  '<binding>': <message>``; the Audit action's ``validation.policy.admission.k8s.io/validation_failure``
  annotation (ValidationFailureValue) and the ``<policy>/<key>`` audit annotations;
  ``failed to configure binding: ...`` for configuration errors;
- generic/policy_dispatcher.go CollectParams: ``no params found for policy binding with `Deny`
  parameterNotFoundAction``;
- validating/validator.go: messageExpression, then message, then ``failed expression: <expression>``;
  an evaluation error denies under failurePolicy Fail and admits under Ignore;
- plugin/cel/activation.go: ``expression '<expression>' resulted in error: <cel-go error>``.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from policy_manifests import MAX_REPLICAS, NAMESPACES_AND_PARAMS, deployment

from fakeapi.pytest_plugin.plugin import FakeAPI

pytestmark = pytest.mark.kubectl

Kubectl = Callable[..., subprocess.CompletedProcess[str]]
DENIAL = "ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-deny' denied request: "
DENIED = f'deployments.apps "web" is forbidden: {DENIAL}'

DEPLOYMENTS = "/apis/apps/v1/namespaces/{}/deployments"


@pytest.fixture
def max_replicas(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=NAMESPACES_AND_PARAMS)
    kubectl("apply", "-f", "-", input=MAX_REPLICAS)


def create(fakeapi: FakeAPI, namespace: str, manifest: str) -> Any:
    return fakeapi.server.request("POST", DEPLOYMENTS.format(namespace), yaml.safe_load(manifest))


def test_kubectl_is_refused_a_deployment_over_the_param_limit(kubectl: Kubectl, max_replicas: None) -> None:
    refused = kubectl("apply", "-n", "prod", "-f", "-", input=deployment("web", 5), check=False)
    assert refused.returncode == 1
    # kubectl prints a 422 with causes as "The <kind> <name> is invalid: <field>: <message>" (an empty field).
    assert refused.stderr.strip() == f'The deployments "web" is invalid: : {DENIAL}replicas must be no greater than 3'

    accepted = kubectl("apply", "-n", "prod", "-f", "-", input=deployment("web", 3))
    assert accepted.stdout.strip() == "deployment.apps/web created"
    # Updates are matched too: applying more replicas is refused...
    updated = kubectl("apply", "-n", "prod", "-f", "-", input=deployment("web", 4), check=False)
    assert updated.stderr.strip() == f'The deployments "web" is invalid: : {DENIAL}replicas must be no greater than 3'
    # ...but the scale subresource is another resource (deployments/scale), which the policy does not name.
    scaled = kubectl("scale", "-n", "prod", "deployment/web", "--replicas=4")
    assert scaled.stdout.strip() == "deployment.apps/web scaled"


def test_the_python_client_gets_the_status_of_the_denial(k8s_client: Any, kubectl: Kubectl, max_replicas: None) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    apps = client.AppsV1Api(k8s_client)
    with pytest.raises(ApiException) as refused:
        apps.create_namespaced_deployment("prod", yaml.safe_load(deployment("web", 4)))
    assert refused.value.status == 422
    status = json.loads(refused.value.body)
    message = f"{DENIED}replicas must be no greater than 3"
    assert status["reason"] == "Invalid"
    assert status["message"] == message
    assert status["details"] == {
        "name": "web",
        "group": "apps",
        "kind": "deployments",
        "causes": [{"message": message.removeprefix('deployments.apps "web" is forbidden: ')}],
    }


def test_kubectl_prints_the_warning_of_a_warn_binding_and_the_audit_log_has_the_annotations(
    fakeapi: FakeAPI, kubectl: Kubectl, max_replicas: None
) -> None:
    applied = kubectl("apply", "-n", "staging", "-f", "-", input=deployment("web", 5))
    assert applied.stdout.strip() == "deployment.apps/web created"
    assert applied.stderr.strip() == (
        "Warning: Validation failed for ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-warn': "
        "replicas must be no greater than 2"
    )
    (event,) = fakeapi.audit.requests("create", "deployments", code=201)
    failure = json.loads(event.annotations["validation.policy.admission.k8s.io/validation_failure"])
    assert failure == [
        {
            "message": "replicas must be no greater than 2",
            "policy": "max-replicas",
            "binding": "max-replicas-warn",
            "expressionIndex": 0,
            "validationActions": ["Warn", "Audit"],
        }
    ]
    assert event.annotations["max-replicas/replicas"] == "requested 5 of 2"


def test_the_deny_binding_publishes_the_policys_audit_annotations_on_the_refused_request(
    fakeapi: FakeAPI, max_replicas: None
) -> None:
    assert create(fakeapi, "prod", deployment("web", 9)).status == 422
    (event,) = fakeapi.audit.requests("create", "deployments")
    assert event.annotations["max-replicas/replicas"] == "requested 9 of 3"
    assert "validation.policy.admission.k8s.io/validation_failure" not in event.annotations


def test_match_conditions_exempt_a_deployment(kubectl: Kubectl, max_replicas: None) -> None:
    exempt = deployment("web", 5, {"exempt": "true"})
    assert kubectl("apply", "-n", "prod", "-f", "-", input=exempt).stdout.strip() == "deployment.apps/web created"


def test_a_namespace_no_binding_selects_is_left_alone(kubectl: Kubectl, max_replicas: None) -> None:
    applied = kubectl("apply", "-n", "default", "-f", "-", input=deployment("web", 9))
    assert (applied.stdout.strip(), applied.stderr) == ("deployment.apps/web created", "")


def test_a_missing_param_denies_or_admits_as_the_binding_says(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=MAX_REPLICAS)
    kubectl("create", "namespace", "prod")
    kubectl("label", "namespace", "prod", "policy=deny")
    kubectl("create", "namespace", "staging")
    kubectl("label", "namespace", "staging", "policy=warn")
    refused = create(fakeapi, "prod", deployment("web", 1))
    assert refused.status == 422
    assert refused.json()["message"] == (
        f"{DENIED}failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction"
    )
    # parameterNotFoundAction Allow: without a param the binding is not evaluated.
    admitted = create(fakeapi, "staging", deployment("web", 9))
    assert admitted.status == 201
    assert "Warning" not in dict(admitted.headers)


FAILING_POLICY = """
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: needs-owner
spec:
  failurePolicy: {failure_policy}
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.metadata.labels.owner != ''"
    message: "every Deployment names its owner"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: needs-owner
spec:
  policyName: needs-owner
  validationActions: [Deny]
"""


def test_failure_policy_fail_denies_when_an_expression_fails(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=FAILING_POLICY.format(failure_policy="Fail"))
    refused = create(fakeapi, "default", deployment("web", 1))
    assert refused.status == 422
    assert refused.json()["message"] == (
        "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'needs-owner' with binding 'needs-owner' "
        "denied request: expression 'object.metadata.labels.owner != ''' resulted in error: no such key: owner"
    )
    # A false expression with a message: the message.
    owned = create(fakeapi, "default", deployment("web", 1, {"owner": ""}))
    assert owned.json()["message"].endswith("denied request: every Deployment names its owner")


def test_failure_policy_ignore_admits_when_an_expression_fails(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=FAILING_POLICY.format(failure_policy="Ignore"))
    assert create(fakeapi, "default", deployment("web", 1)).status == 201


def test_a_policy_applies_to_the_writes_of_controllers(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    """The ReplicaSet controller's pods are refused as anyone's would be: the Deployment never gets one."""
    kubectl(
        "apply",
        "-f",
        "-",
        input="""
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: no-latest
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["pods"]
  validations:
  - expression: "object.spec.containers.all(c, !c.image.endsWith(':1.27'))"
    message: "nginx 1.27 is not allowed"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: no-latest
spec:
  policyName: no-latest
  validationActions: [Deny]
""",
    )
    assert create(fakeapi, "default", deployment("web", 2)).status == 201
    fakeapi.server.settle()
    assert fakeapi.list("v1", "Pod", namespace="default") == []
    refused = fakeapi.audit.requests("create", "pods", code=422)
    # The controllers write through the loopback client, as kube-controller-manager's user agent says.
    assert refused and all(event.user_agent.endswith("kube-system:replicaset-controller") for event in refused)


def test_the_status_controller_reports_expressions_that_do_not_type_check(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    kubectl(
        "apply",
        "-f",
        "-",
        input="""
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: typo
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.metadata.nmae != 'web'"
  - expression: "object.spec.replicsa < 3"
  - expression: "object.spec.replicas < 3"
""",
    )
    fakeapi.server.settle()
    status = fakeapi.get("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy", "typo")["status"]
    assert status["observedGeneration"] == 1
    # (An expression that does not compile at all, an undeclared reference, is refused when written.)
    name, misspelt = status["typeChecking"]["expressionWarnings"]
    assert name["fieldRef"] == "spec.validations[0].expression"
    assert name["warning"].startswith("apps/v1, Kind=Deployment: ERROR: <input>:1:16: undefined field 'nmae'")
    assert misspelt == {
        "fieldRef": "spec.validations[1].expression",
        "warning": "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'replicsa'\n"
        " | object.spec.replicsa < 3\n"
        " | ...........^\n",
    }


EQUIVALENT = """
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: hpa-limit
spec:
  matchConstraints:
    matchPolicy: {match_policy}
    resourceRules:
    - apiGroups: ["autoscaling"]
      apiVersions: ["v2"]
      operations: ["CREATE"]
      resources: ["horizontalpodautoscalers"]
  validations:
  - expression: "object.spec.maxReplicas <= 5"
    messageExpression: "'at most 5 replicas (checked as ' + request.kind.version + ', written as ' + request.requestKind.version + ')'"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: hpa-limit
spec:
  policyName: hpa-limit
  validationActions: [Deny]
"""
HPA_V1 = {
    "apiVersion": "autoscaling/v1",
    "kind": "HorizontalPodAutoscaler",
    "metadata": {"name": "web"},
    "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}, "maxReplicas": 9},
}


@pytest.mark.parametrize("match_policy", ["Equivalent", "Exact"])
def test_match_policy_equivalent_matches_another_version_of_the_resource(
    fakeapi: FakeAPI, kubectl: Kubectl, match_policy: str
) -> None:
    kubectl("apply", "-f", "-", input=EQUIVALENT.format(match_policy=match_policy))
    response = fakeapi.server.request(
        "POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", HPA_V1
    )
    if match_policy == "Exact":
        assert response.status == 201
        return
    assert response.status == 422
    assert response.json()["message"].endswith("denied request: at most 5 replicas (checked as v2, written as v1)")


CPU_TARGET_V2 = """
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: cpu-target
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: ["autoscaling"]
      apiVersions: ["v2"]
      operations: ["CREATE"]
      resources: ["horizontalpodautoscalers"]
  validations:
  - expression: "object.spec.metrics.all(m, m.resource.target.averageUtilization <= 80)"
    message: "a CPU target above 80 %"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: cpu-target
spec:
  policyName: cpu-target
  validationActions: [Deny]
"""


def test_an_equivalent_match_sees_the_object_in_the_version_of_its_rules(fakeapi: FakeAPI, kubectl: Kubectl) -> None:
    """policy_dispatcher.go: the versioned attributes of the matched kind; v1's targetCPUUtilizationPercentage
    is read as v2's metrics (pkg/apis/autoscaling/v1/conversion.go)."""
    kubectl("apply", "-f", "-", input=CPU_TARGET_V2)
    path = "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers"
    hot = {**HPA_V1, "spec": {**HPA_V1["spec"], "targetCPUUtilizationPercentage": 95}}  # type: ignore[dict-item]
    response = fakeapi.server.request("POST", path, hot)
    assert response.status == 422
    assert response.json()["message"] == (
        "horizontalpodautoscalers.autoscaling \"web\" is forbidden: ValidatingAdmissionPolicy 'cpu-target' with "
        "binding 'cpu-target' denied request: a CPU target above 80 %"
    )
    cool = {**HPA_V1, "spec": {**HPA_V1["spec"], "targetCPUUtilizationPercentage": 70}}  # type: ignore[dict-item]
    assert fakeapi.server.request("POST", path, cool).status == 201


AUTHORIZER_POLICY = """
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: readers-of-secrets
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["configmaps"]
  validations:
  - expression: "authorizer.group('').resource('secrets').namespace('kube-system').check('list').allowed()"
    message: "only readers of kube-system's secrets create ConfigMaps"
  - expression: "authorizer.requestResource.check('delete').allowed()"
    message: "only who may delete ConfigMaps creates them"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: readers-of-secrets
spec:
  policyName: readers-of-secrets
  validationActions: [Deny]
"""


@pytest.mark.fakeapi(authorization_mode="RBAC")
def test_expressions_ask_the_authorizer_as_the_requests_user(kubectl: Kubectl) -> None:
    kubectl("apply", "-f", "-", input=AUTHORIZER_POLICY)
    kubectl("create", "rolebinding", "alice-edits", "--clusterrole=edit", "--user=alice")
    assert kubectl("create", "configmap", "by-admin").stdout.strip() == "configmap/by-admin created"
    refused = kubectl("create", "configmap", "by-alice", "--as=alice", check=False)
    assert refused.stderr.strip() == (
        'error: failed to create configmap: configmaps "by-alice" is forbidden: ValidatingAdmissionPolicy '
        "'readers-of-secrets' with binding 'readers-of-secrets' denied request: "
        "only readers of kube-system's secrets create ConfigMaps"
    )
