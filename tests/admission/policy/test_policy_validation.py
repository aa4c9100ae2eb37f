"""Write-time validation of ValidatingAdmissionPolicy, MutatingAdmissionPolicy and their bindings.

Expected field paths and texts, from kubernetes pkg/apis/admissionregistration/validation/validation.go
(validateValidatingAdmissionPolicySpec, validateMatchResources, validateParamKind, validateParamRef,
validateValidationActions, validateVariable, validateValidation, validateAuditAnnotation,
validateMutation, the mutating operations check, the bindings' specs, including the binding's
``spec.matchResouces`` spelling), apimachinery's ValidateLabelSelector, and the compiler's texts of
apiserver/pkg/admission/plugin/cel/compile.go (``compilation failed: ...``, ``must evaluate to ...
but got ...``).
"""

from __future__ import annotations

from typing import Any

import yaml
from policy_manifests import MAX_REPLICAS, TEAM_LABEL

from fakeapi.pytest_plugin.plugin import FakeAPI

BASE = "/apis/admissionregistration.k8s.io/v1"
RULE = {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["deployments"]}
MATCH = {"resourceRules": [RULE]}
RESOURCES = {
    "ValidatingAdmissionPolicy": "validatingadmissionpolicies",
    "ValidatingAdmissionPolicyBinding": "validatingadmissionpolicybindings",
    "MutatingAdmissionPolicy": "mutatingadmissionpolicies",
    "MutatingAdmissionPolicyBinding": "mutatingadmissionpolicybindings",
}
APPLY = {"patchType": "ApplyConfiguration", "applyConfiguration": {"expression": "Object{spec: Object.spec{}}"}}

NAME_PART = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used "
    "for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
DNS1035 = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
    "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
)
AT_LEAST_ONE = "validations or auditAnnotations must contain at least one item"
EXCLUSIVE = "name and selector are mutually exclusive"
MUTATING_OPERATIONS = 'supported values: "*", "CONNECT", "CREATE", "UPDATE"'


def manifest(kind: str, spec: dict[str, Any], name: str = "p") -> dict[str, Any]:
    return {"apiVersion": "admissionregistration.k8s.io/v1", "kind": kind, "metadata": {"name": name}, "spec": spec}


def create(fakeapi: FakeAPI, kind: str, spec: dict[str, Any], name: str = "p") -> Any:
    return fakeapi.server.request("POST", f"{BASE}/{RESOURCES[kind]}", manifest(kind, spec, name))


def causes(response: Any) -> list[str]:
    """The refusal's causes as ``<field>: <message>``, after checking it is a 422 Invalid."""
    assert response.status == 422, response.body
    status = response.json()
    assert status["reason"] == "Invalid"
    return [f"{cause['field']}: {cause['message']}" for cause in status["details"]["causes"]]


def refused(fakeapi: FakeAPI, kind: str, spec: dict[str, Any], name: str = "p") -> list[str]:
    return causes(create(fakeapi, kind, spec, name))


def policy(**spec: Any) -> dict[str, Any]:
    """A valid ValidatingAdmissionPolicy spec with ``spec`` changed."""
    return {"matchConstraints": MATCH, "validations": [{"expression": "object.spec.replicas < 5"}], **spec}


def mutating_policy(**spec: Any) -> dict[str, Any]:
    """A valid MutatingAdmissionPolicy spec with ``spec`` changed."""
    return {"matchConstraints": MATCH, "reinvocationPolicy": "Never", "mutations": [APPLY], **spec}


# -- ValidatingAdmissionPolicy ----------------------------------------------------------------


def test_an_empty_validating_policy_is_refused_with_every_missing_field(fakeapi: FakeAPI) -> None:
    response = create(fakeapi, "ValidatingAdmissionPolicy", {})
    # failurePolicy is defaulted (Fail) before validation; the schema's required lists add nothing.
    assert causes(response) == [
        "spec.matchConstraints: Required value",
        f"spec.validations: Required value: {AT_LEAST_ONE}",
        f"spec.auditAnnotations: Required value: {AT_LEAST_ONE}",
    ]
    assert response.json()["message"] == (
        'ValidatingAdmissionPolicy.admissionregistration.k8s.io "p" is invalid: [spec.matchConstraints: Required '
        f"value, spec.validations: Required value: {AT_LEAST_ONE}, spec.auditAnnotations: Required value: "
        f"{AT_LEAST_ONE}]"
    )
    assert refused(fakeapi, "ValidatingAdmissionPolicy", policy(matchConstraints={})) == [
        "spec.matchConstraints.resourceRules: Required value"
    ]


def test_failure_policy_match_policy_and_selectors(fakeapi: FakeAPI) -> None:
    selector = {
        "matchLabels": {"bad key!": "x y"},
        "matchExpressions": [
            {"key": "a", "operator": "In"},
            {"key": "b", "operator": "Exists", "values": ["x"]},
            {"key": "c", "operator": "Near"},
            {"key": "d", "operator": "NotIn", "values": ["not valid"]},
        ],
    }
    match = {**MATCH, "matchPolicy": "Fuzzy", "namespaceSelector": selector, "objectSelector": {"matchLabels": {}}}
    assert refused(fakeapi, "ValidatingAdmissionPolicy", policy(failurePolicy="Never", matchConstraints=match)) == [
        'spec.failurePolicy: Unsupported value: "Never": supported values: "Fail", "Ignore"',
        'spec.matchConstraints.matchPolicy: Unsupported value: "Fuzzy": supported values: "Equivalent", "Exact"',
        f'spec.matchConstraints.namespaceSelector.matchLabels: Invalid value: "bad key!": {NAME_PART}',
        f'spec.matchConstraints.namespaceSelector.matchLabels: Invalid value: "x y": {LABEL_VALUE}',
        "spec.matchConstraints.namespaceSelector.matchExpressions[0].values: Required value: "
        "must be specified when `operator` is 'In' or 'NotIn'",
        "spec.matchConstraints.namespaceSelector.matchExpressions[1].values: Forbidden: "
        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
        'spec.matchConstraints.namespaceSelector.matchExpressions[2].operator: Invalid value: "Near": '
        "not a valid selector operator",
        f'spec.matchConstraints.namespaceSelector.matchExpressions[3].values[0]: Invalid value: "not valid": '
        f"{LABEL_VALUE}",
    ]


def test_resource_rules_and_their_resource_names(fakeapi: FakeAPI) -> None:
    rule = {**RULE, "operations": ["DELETE", "*"], "resourceNames": ["a/b", "x", "x"], "scope": "Global"}
    excluded = {"apiGroups": [], "apiVersions": ["v1"], "operations": ["PATCH"], "resources": ["pods/*", "pods/log"]}
    match = {"resourceRules": [rule], "excludeResourceRules": [excluded]}
    assert refused(fakeapi, "ValidatingAdmissionPolicy", policy(matchConstraints=match)) == [
        "spec.matchConstraints.resourceRules[0].resourceNames[0]: Invalid value: \"a/b\": may not contain '/'",
        'spec.matchConstraints.resourceRules[0].resourceNames[2]: Duplicate value: "x"',
        'spec.matchConstraints.resourceRules[0].operations: Invalid value: ["DELETE","*"]: '
        "if '*' is present, must not specify other operations",
        'spec.matchConstraints.resourceRules[0].scope: Unsupported value: "Global": '
        'supported values: "*", "Cluster", "Namespaced"',
        'spec.matchConstraints.excludeResourceRules[0].operations[0]: Unsupported value: "PATCH": '
        'supported values: "*", "CONNECT", "CREATE", "DELETE", "UPDATE"',
        "spec.matchConstraints.excludeResourceRules[0].apiGroups: Required value",
        'spec.matchConstraints.excludeResourceRules[0].resources[1]: Invalid value: "pods/log": '
        "if 'pods/*' is present, must not specify pods/log",
    ]


def test_param_kind(fakeapi: FakeAPI) -> None:
    cases = [
        (
            {"apiVersion": "a/b/c", "kind": "Config_Map"},
            [
                'spec.paramKind.apiVersion: Invalid value: "a/b/c": unexpected GroupVersion string: a/b/c',
                f'spec.paramKind.kind: Invalid value: "Config_Map": may have mixed case, but should otherwise '
                f"match: {DNS1035}",
            ],
        ),
        (
            {"apiVersion": "Example.com/v1"},
            [
                f'spec.paramKind.apiVersion: Invalid value: "Example.com": {SUBDOMAIN}',
                "spec.paramKind.kind: Required value",
            ],
        ),
        (
            {"apiVersion": "example.com/", "kind": "ReplicaLimit"},
            ['spec.paramKind.apiVersion: Invalid value: "example.com/": version must be specified'],
        ),
        (
            {"apiVersion": "example.com/V1", "kind": "ReplicaLimit"},
            [f'spec.paramKind.apiVersion: Invalid value: "V1": {DNS1035}'],
        ),
        ({"kind": "ConfigMap"}, ["spec.paramKind.apiVersion: Required value"]),
    ]
    for param_kind, expected in cases:
        assert refused(fakeapi, "ValidatingAdmissionPolicy", policy(paramKind=param_kind)) == expected, param_kind
    # A mixed-case kind in a group is fine.
    accepted = create(
        fakeapi,
        "ValidatingAdmissionPolicy",
        policy(paramKind={"apiVersion": "rules.example.com/v1", "kind": "ReplicaLimit"}),
    )
    assert accepted.status == 201, accepted.body


def test_variables(fakeapi: FakeAPI) -> None:
    variables = [
        {"name": "1bad", "expression": "1"},
        {"name": "in", "expression": ""},
        {"name": " ", "expression": "object.x =="},
        {"name": "fine", "expression": "params.limit"},
    ]
    assert refused(fakeapi, "ValidatingAdmissionPolicy", policy(variables=variables)) == [
        'spec.variables[0].name: Invalid value: "1bad": name is not a valid CEL identifier',
        'spec.variables[1].name: Invalid value: "in": name is not a valid CEL identifier',
        "spec.variables[1].expression: Required value: expression is not specified",
        "spec.variables[2].name: Required value: name is not specified",
        'spec.variables[2].expression: Invalid value: "object.x ==": compilation failed: ERROR: <input>:1:12: '
        "Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', "
        "'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}\n | object.x ==\n | ...........^",
        # No paramKind: no params.
        'spec.variables[3].expression: Invalid value: "params.limit": compilation failed: ERROR: <input>:1:7: '
        "undeclared reference to 'params.limit' (in container '')\n | params.limit\n | ......^",
    ]


def test_validations(fakeapi: FakeAPI) -> None:
    validations = [
        {"expression": " "},
        {"expression": "'s'", "messageExpression": "  ", "message": " "},
        {"expression": "true", "messageExpression": "1", "message": "two\nlines", "reason": "Teapot"},
        {"expression": "true", "messageExpression": "authorizer.path('/healthz').check('get').allowed() ? 'a' : 'b'"},
    ]
    errors = refused(fakeapi, "ValidatingAdmissionPolicy", policy(validations=validations))
    assert errors[:7] == [
        "spec.validations[0].expression: Required value: expression is not specified",
        "spec.validations[1].expression: Invalid value: \"'s'\": must evaluate to bool but got string",
        'spec.validations[1].messageExpression: Invalid value: "  ": must be non-empty if specified',
        'spec.validations[1].message: Invalid value: " ": message must be non-empty if specified',
        'spec.validations[2].messageExpression: Invalid value: "1": must evaluate to string but got int',
        'spec.validations[2].message: Invalid value: "two\\nlines": message must not contain line breaks',
        'spec.validations[2].reason: Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", '
        '"RequestEntityTooLarge"',
    ]
    # A messageExpression may not use the authorizer, which the validation's expression may.
    assert len(errors) == 8
    assert errors[7].startswith(
        "spec.validations[3].messageExpression: Invalid value: \"authorizer.path('/healthz')"
        ".check('get').allowed() ? 'a' : 'b'\": compilation failed: ERROR: <input>:1:1: "
        "undeclared reference to 'authorizer' (in container '')"
    )
    authorized = policy(validations=[{"expression": "authorizer.path('/healthz').check('get').allowed()"}])
    assert create(fakeapi, "ValidatingAdmissionPolicy", authorized).status == 201


def test_params_are_declared_only_with_a_param_kind(fakeapi: FakeAPI) -> None:
    spec = policy(
        matchConditions=[{"name": "limited", "expression": "params.enabled == 'true'"}],
        validations=[
            {
                "expression": "object.spec.replicas <= int(params.data.max)",
                "messageExpression": "'at most ' + params.data.max",
            }
        ],
    )
    assert refused(fakeapi, "ValidatingAdmissionPolicy", spec) == [
        "spec.matchConditions[0].expression: Invalid value: \"params.enabled == 'true'\": compilation failed: "
        "ERROR: <input>:1:7: undeclared reference to 'params.enabled' (in container '')\n"
        " | params.enabled == 'true'\n | ......^",
        'spec.validations[0].expression: Invalid value: "object.spec.replicas <= int(params.data.max)": '
        "compilation failed: ERROR: <input>:1:40: undeclared reference to 'params.data.max' (in container '')\n"
        " | object.spec.replicas <= int(params.data.max)\n | .......................................^",
        "spec.validations[0].messageExpression: Invalid value: \"'at most ' + params.data.max\": compilation "
        "failed: ERROR: <input>:1:25: undeclared reference to 'params.data.max' (in container '')\n"
        " | 'at most ' + params.data.max\n | ........................^",
    ]
    spec["paramKind"] = {"apiVersion": "v1", "kind": "ConfigMap"}
    accepted = create(fakeapi, "ValidatingAdmissionPolicy", spec)
    assert accepted.status == 201, accepted.body


def test_audit_annotations(fakeapi: FakeAPI) -> None:
    annotations = [
        {"key": "bad key!", "valueExpression": "1"},
        {"key": "bad key!", "valueExpression": " "},
        {"key": "long", "valueExpression": "'a' + " * 1100 + "'a'"},
        {"key": "untyped", "valueExpression": "  object.metadata.name  "},
        {"key": "fine", "valueExpression": "  'name: ' + object.metadata.name  "},
    ]
    assert refused(fakeapi, "ValidatingAdmissionPolicy", policy(auditAnnotations=annotations, validations=[])) == [
        f'spec.auditAnnotations[0].key: Invalid value: "p/bad key!": {NAME_PART}',
        'spec.auditAnnotations[0].valueExpression: Invalid value: "1": must evaluate to one of [string null_type] '
        "but got int",
        f'spec.auditAnnotations[1].key: Invalid value: "p/bad key!": {NAME_PART}',
        "spec.auditAnnotations[1].valueExpression: Required value: valueExpression is not specified",
        'spec.auditAnnotations[1].key: Duplicate value: "bad key!"',
        "spec.auditAnnotations[2].valueExpression: Required value: must not exceed 5120 bytes in length",
        # The expression compiled is the trimmed one, the value shown is the field's.
        'spec.auditAnnotations[3].valueExpression: Invalid value: "  object.metadata.name  ": must evaluate to one '
        "of [string null_type] but got dyn",
    ]
    # A string or null, with audit annotations alone.
    only = [
        {"key": "replicas", "valueExpression": "string(object.spec.replicas)"},
        {"key": "none", "valueExpression": "null"},
    ]
    assert create(fakeapi, "ValidatingAdmissionPolicy", policy(auditAnnotations=only, validations=[])).status == 201


def test_at_most_twenty_audit_annotations(fakeapi: FakeAPI) -> None:
    annotations = [{"key": f"k{i}", "valueExpression": "null"} for i in range(21)]
    errors = refused(fakeapi, "ValidatingAdmissionPolicy", policy(auditAnnotations=annotations))
    # Upstream prints its internal type, whose JSON has Go's field names.
    shown = ",".join(f'{{"Key":"k{i}","ValueExpression":"null"}}' for i in range(21))
    assert errors == [f"spec.auditAnnotations: Invalid value: [{shown}]: must not have more than 20 auditAnnotations"]


def test_match_conditions_are_checked_as_the_webhooks_are(fakeapi: FakeAPI) -> None:
    conditions = [
        {"name": "a", "expression": "object.metadata.name"},
        {"name": "a", "expression": "true"},
        {"name": "", "expression": ""},
        {"name": "not/a/name", "expression": "true"},
    ]
    assert refused(fakeapi, "ValidatingAdmissionPolicy", policy(matchConditions=conditions)) == [
        'spec.matchConditions[0].expression: Invalid value: "object.metadata.name": must evaluate to bool but got dyn',
        'spec.matchConditions[1].name: Duplicate value: "a"',
        "spec.matchConditions[2].expression: Required value",
        "spec.matchConditions[2].name: Required value",
        'spec.matchConditions[3].name: Invalid value: "not/a/name": a qualified name must consist of alphanumeric '
        "characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
        "'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with "
        "an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ]


def test_valid_policies_and_bindings_are_stored(fakeapi: FakeAPI) -> None:
    for document in [*yaml.safe_load_all(MAX_REPLICAS), *yaml.safe_load_all(TEAM_LABEL)]:
        path = f"{BASE}/{RESOURCES[document['kind']]}"
        response = fakeapi.server.request("POST", path, document)
        assert response.status == 201, response.body
    # A composited variable of a bool stands for a bool.
    spec = policy(
        variables=[{"name": "small", "expression": "object.spec.replicas < 5"}],
        validations=[{"expression": "variables.small", "message": "too many replicas", "reason": "Forbidden"}],
    )
    assert create(fakeapi, "ValidatingAdmissionPolicy", spec, name="small").status == 201


def test_an_update_that_makes_a_policy_invalid_is_refused(fakeapi: FakeAPI) -> None:
    created = create(fakeapi, "ValidatingAdmissionPolicy", policy())
    assert created.status == 201, created.body
    path = f"{BASE}/validatingadmissionpolicies/p"
    # The status controller writes the policy's type checking: done first, so the update does not conflict with it.
    fakeapi.server.settle()
    stored = fakeapi.server.request("GET", path).json()
    stored["spec"]["validations"] = [{"expression": "object.spec.replicas"}]
    stored["spec"]["failurePolicy"] = "Sometimes"
    assert causes(fakeapi.server.request("PUT", path, stored)) == [
        'spec.failurePolicy: Unsupported value: "Sometimes": supported values: "Fail", "Ignore"',
        'spec.validations[0].expression: Invalid value: "object.spec.replicas": must evaluate to bool but got dyn',
    ]
    binding = {"policyName": "p", "validationActions": ["Deny"]}
    created = create(fakeapi, "ValidatingAdmissionPolicyBinding", binding)
    assert created.status == 201, created.body
    stored = created.json()
    stored["spec"]["validationActions"] = ["Deny", "Warn"]
    path = f"{BASE}/validatingadmissionpolicybindings/p"
    assert causes(fakeapi.server.request("PUT", path, stored)) == [
        'spec.validationActions: Invalid value: ["Deny","Warn"]: must not contain both Deny and Warn (repeating the '
        "same validation failure information in the API response and headers serves no purpose)"
    ]
    stored["spec"]["validationActions"] = ["Warn", "Audit"]
    assert fakeapi.server.request("PUT", path, stored).status == 200


# -- ValidatingAdmissionPolicyBinding ---------------------------------------------------------


def test_a_validating_binding_names_a_policy_and_its_actions(fakeapi: FakeAPI) -> None:
    assert refused(fakeapi, "ValidatingAdmissionPolicyBinding", {}) == [
        "spec.policyName: Required value",
        "spec.validationActions: Required value: at least one validation action is required",
    ]
    spec = {"policyName": "Bad_Name", "validationActions": ["Deny", "Warn", "Deny", "Block"]}
    assert refused(fakeapi, "ValidatingAdmissionPolicyBinding", spec) == [
        f'spec.policyName: Invalid value: "Bad_Name": {SUBDOMAIN}',
        'spec.validationActions[2]: Duplicate value: "Deny"',
        'spec.validationActions[3]: Unsupported value: "Block": supported values: "Audit", "Deny", "Warn"',
        'spec.validationActions: Invalid value: ["Deny","Warn","Deny","Block"]: must not contain both Deny and Warn '
        "(repeating the same validation failure information in the API response and headers serves no purpose)",
    ]


def test_a_param_ref_has_a_name_or_a_selector_and_a_not_found_action(fakeapi: FakeAPI) -> None:
    cases = [
        (
            {"name": "limits", "selector": {}},
            [
                f"spec.paramRef.name: Forbidden: {EXCLUSIVE}",
                f"spec.paramRef.selector: Forbidden: {EXCLUSIVE}",
                "spec.paramRef.parameterNotFoundAction: Required value",
            ],
        ),
        (
            {"parameterNotFoundAction": "Skip"},
            [
                "spec.paramRef: Required value: one of name or selector must be specified",
                'spec.paramRef.parameterNotFoundAction: Unsupported value: "Skip": supported values: "Deny", "Allow"',
            ],
        ),
        (
            {"name": "..", "parameterNotFoundAction": "Deny"},
            ["spec.paramRef.name: Invalid value: \"..\": may not be '..'"],
        ),
        (
            {"selector": {"matchExpressions": [{"key": "tier", "operator": "In"}]}, "parameterNotFoundAction": "Allow"},
            [
                "spec.paramRef.selector.matchExpressions[0].values: Required value: "
                "must be specified when `operator` is 'In' or 'NotIn'"
            ],
        ),
    ]
    for param_ref, expected in cases:
        spec = {"policyName": "p", "validationActions": ["Audit"], "paramRef": param_ref}
        assert refused(fakeapi, "ValidatingAdmissionPolicyBinding", spec) == expected, param_ref


def test_a_validating_binding_reports_its_match_resources_under_upstreams_spelling(fakeapi: FakeAPI) -> None:
    spec = {"policyName": "p", "validationActions": ["Deny"], "matchResources": {"matchPolicy": "Fuzzy"}}
    assert refused(fakeapi, "ValidatingAdmissionPolicyBinding", spec) == [
        'spec.matchResouces.matchPolicy: Unsupported value: "Fuzzy": supported values: "Equivalent", "Exact"'
    ]


# -- MutatingAdmissionPolicy and its binding --------------------------------------------------


def test_an_empty_mutating_policy_is_refused_with_every_missing_field(fakeapi: FakeAPI) -> None:
    assert refused(fakeapi, "MutatingAdmissionPolicy", {}) == [
        "spec.matchConstraints: Required value",
        "spec.mutations: Required value: mutations must contain at least one item",
        "spec.reinvocationPolicy: Required value",
    ]
    assert refused(fakeapi, "MutatingAdmissionPolicy", mutating_policy(reinvocationPolicy="Sometimes")) == [
        'spec.reinvocationPolicy: Unsupported value: "Sometimes": supported values: "IfNeeded", "Never"'
    ]


def test_mutations(fakeapi: FakeAPI) -> None:
    mutations = [
        {},
        {"patchType": "Strategic"},
        {"patchType": "JSONPatch", "applyConfiguration": {"expression": "Object{}"}},
        {"patchType": "JSONPatch", "jsonPatch": {"expression": " "}},
        {"patchType": "ApplyConfiguration", "applyConfiguration": {"expression": " 'x' "}, "jsonPatch": {}},
        {"patchType": "JSONPatch", "jsonPatch": {"expression": "JSONPatch{op: 'remove', path: '/spec'}"}},
        {"patchType": "JSONPatch", "jsonPatch": {"expression": "[JSONPatch{op: 'add'"}},
    ]
    assert refused(fakeapi, "MutatingAdmissionPolicy", mutating_policy(mutations=mutations)) == [
        "spec.mutations[0].patchType: Required value",
        'spec.mutations[1].patchType: Unsupported value: "Strategic": supported values: "ApplyConfiguration", '
        '"JSONPatch"',
        "spec.mutations[2].jsonPatch: Required value: must be specified when patchType is JSONPatch",
        'spec.mutations[2].applyConfiguration: Invalid value: "{applyConfiguration}": must not be specified when '
        "patchType is JSONPatch",
        "spec.mutations[3].jsonPatch.expression: Required value",
        "spec.mutations[4].applyConfiguration.expression: Invalid value: \"'x'\": must evaluate to Object but got "
        "string",
        'spec.mutations[4].jsonPatch: Invalid value: "{jsonPatch}": must not be specified when patchType is '
        "ApplyConfiguration",
        "spec.mutations[5].jsonPatch.expression: Invalid value: \"JSONPatch{op: 'remove', path: '/spec'}\": "
        "must evaluate to list(JSONPatch) but got map(string, string)",
        "spec.mutations[6].jsonPatch.expression: Invalid value: \"[JSONPatch{op: 'add'\": compilation failed: "
        "ERROR: <input>:1:14: Syntax error: mismatched input '<EOF>' expecting {'}', ','}\n"
        " | [{\"op\": 'add'\n | .............^",
    ]


def test_mutations_apply_to_creates_and_updates_only(fakeapi: FakeAPI) -> None:
    match = {"resourceRules": [{**RULE, "operations": ["DELETE", "UPDATE"]}]}
    unsupported = f'Unsupported value: "DELETE": {MUTATING_OPERATIONS}'
    assert refused(fakeapi, "MutatingAdmissionPolicy", mutating_policy(matchConstraints=match)) == [
        f"spec.matchConstraints.resourceRules.operations: {unsupported}"
    ]
    spec = {"matchResources": match}
    assert refused(fakeapi, "MutatingAdmissionPolicyBinding", spec) == [
        "spec.policyName: Required value",
        f"spec.matchResources.resourceRules.operations: {unsupported}",
    ]
    accepted = create(
        fakeapi,
        "MutatingAdmissionPolicyBinding",
        {"policyName": "p", "paramRef": {"name": "limits", "parameterNotFoundAction": "Allow"}},
    )
    assert accepted.status == 201, accepted.body


def test_an_update_that_makes_a_mutating_policy_invalid_is_refused(fakeapi: FakeAPI) -> None:
    created = create(fakeapi, "MutatingAdmissionPolicy", mutating_policy())
    assert created.status == 201, created.body
    stored = created.json()
    stored["spec"]["mutations"] = [
        {"patchType": "JSONPatch", "jsonPatch": {"expression": "[JSONPatch{op: 'remove', path: '/spec/x'}]"}}
    ]
    path = f"{BASE}/mutatingadmissionpolicies/p"
    assert fakeapi.server.request("PUT", path, stored).status == 200
    stored = fakeapi.server.request("GET", path).json()
    stored["spec"]["matchConditions"] = [{"name": "x", "expression": "'x'"}]
    assert causes(fakeapi.server.request("PUT", path, stored)) == [
        "spec.matchConditions[0].expression: Invalid value: \"'x'\": must evaluate to bool but got string"
    ]


def test_unchanged_match_conditions_are_not_compiled_again_on_update() -> None:
    """ValidateValidatingAdmissionPolicyUpdate: stored conditions (and paramKind) unchanged are not checked."""
    from fakeapi.registry.admissionregistration.policies import (
        validate_mutating_admission_policy,
        validate_validating_admission_policy,
    )

    stored_condition = [{"name": "old", "expression": "params.enabled == 'true'"}]
    # As stored: defaulted.
    defaulted = {
        "matchConstraints": {**MATCH, "matchPolicy": "Equivalent", "namespaceSelector": {}, "objectSelector": {}}
    }
    old = manifest(
        "ValidatingAdmissionPolicy", policy(failurePolicy="Fail", matchConditions=stored_condition, **defaulted)
    )
    new = manifest("ValidatingAdmissionPolicy", {**old["spec"], "validations": [{"expression": "true"}]})
    assert validate_validating_admission_policy(new, old) == []
    # The same conditions on create, or with another paramKind, are compiled.
    assert [e.field for e in validate_validating_admission_policy(new)] == ["spec.matchConditions[0].expression"]
    with_params = {**new["spec"], "paramKind": {"apiVersion": "v1", "kind": "ConfigMap"}}
    assert validate_validating_admission_policy(manifest("ValidatingAdmissionPolicy", with_params), old) == []
    old_mutating = manifest(
        "MutatingAdmissionPolicy", mutating_policy(failurePolicy="Fail", matchConditions=stored_condition, **defaulted)
    )
    assert validate_mutating_admission_policy(old_mutating, old_mutating) == []
    assert [e.field for e in validate_mutating_admission_policy(old_mutating)] == ["spec.matchConditions[0].expression"]
