"""How to test against admission policies: a ValidatingAdmissionPolicy with a param refuses a
Deployment, as docs/admission-policies.md shows (this file is that example, run).
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kubectl

MAX_REPLICAS = """
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: max-replicas}
spec:
  paramKind: {apiVersion: v1, kind: ConfigMap}
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [deployments]}
  variables:
  - {name: limit, expression: "int(params.data.maxReplicas)"}
  validations:
  - expression: "object.spec.replicas <= variables.limit"
    messageExpression: "'replicas must be no greater than ' + string(variables.limit)"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata: {name: max-replicas}
spec:
  policyName: max-replicas
  validationActions: [Deny]
  paramRef: {name: replica-limits, parameterNotFoundAction: Deny}
"""


def test_too_many_replicas_are_refused(fakeapi, kubectl):
    kubectl("apply", "-f", "-", input=MAX_REPLICAS)
    kubectl("create", "configmap", "replica-limits", "--from-literal=maxReplicas=3")
    refused = kubectl("create", "deployment", "web", "--image=nginx", "--replicas=5", check=False)
    assert refused.stderr.strip().endswith(
        "ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas' denied request: "
        "replicas must be no greater than 3"
    )
