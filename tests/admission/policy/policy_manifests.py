"""The policies, bindings and params the admission policy tests apply (YAML, as users write them)."""

from __future__ import annotations

# A limit on replicas, read from a ConfigMap in the namespace of the request. Enforced (Deny) in
# namespaces labelled policy=deny, reported (Warn and Audit) in those labelled policy=warn.
MAX_REPLICAS = """
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: max-replicas
spec:
  failurePolicy: Fail
  paramKind:
    apiVersion: v1
    kind: ConfigMap
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  matchConditions:
  - name: not-exempt
    expression: "!has(object.metadata.labels) || !('exempt' in object.metadata.labels)"
  variables:
  - name: limit
    expression: "int(params.data.maxReplicas)"
  validations:
  - expression: "object.spec.replicas <= variables.limit"
    messageExpression: "'replicas must be no greater than ' + string(variables.limit)"
    reason: Invalid
  auditAnnotations:
  - key: replicas
    valueExpression: "'requested ' + string(object.spec.replicas) + ' of ' + string(variables.limit)"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: max-replicas-deny
spec:
  policyName: max-replicas
  validationActions: [Deny]
  paramRef:
    name: replica-limits
    parameterNotFoundAction: Deny
  matchResources:
    namespaceSelector:
      matchLabels:
        policy: deny
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: max-replicas-warn
spec:
  policyName: max-replicas
  validationActions: [Warn, Audit]
  paramRef:
    name: replica-limits
    parameterNotFoundAction: Allow
  matchResources:
    namespaceSelector:
      matchLabels:
        policy: warn
"""

NAMESPACES_AND_PARAMS = """
apiVersion: v1
kind: Namespace
metadata:
  name: prod
  labels:
    policy: deny
---
apiVersion: v1
kind: Namespace
metadata:
  name: staging
  labels:
    policy: warn
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: replica-limits
  namespace: prod
data:
  maxReplicas: "3"
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: replica-limits
  namespace: staging
data:
  maxReplicas: "2"
"""

# Labels every Deployment's pods (and the Deployment) with the team of its namespace.
TEAM_LABEL = """
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicy
metadata:
  name: team-label
spec:
  failurePolicy: Fail
  reinvocationPolicy: Never
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["deployments"]
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE"]
      resources: ["pods"]
  variables:
  - name: team
    expression: "has(namespaceObject.metadata.labels) && 'team' in namespaceObject.metadata.labels ? namespaceObject.metadata.labels['team'] : 'none'"
  mutations:
  - patchType: ApplyConfiguration
    applyConfiguration:
      expression: >
        Object{metadata: Object.metadata{labels: {"team": variables.team}}}
---
apiVersion: admissionregistration.k8s.io/v1
kind: MutatingAdmissionPolicyBinding
metadata:
  name: team-label
spec:
  policyName: team-label
"""


def deployment(name: str, replicas: int, labels: dict[str, str] | None = None) -> str:
    """A Deployment manifest of nginx with ``replicas``."""
    extra = "".join(f"\n    {key}: {value!r}" for key, value in (labels or {}).items())
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}{extra}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      containers:
      - name: web
        image: nginx:1.27
"""
