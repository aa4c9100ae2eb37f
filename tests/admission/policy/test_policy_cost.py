"""The runtime cost limits of admission policies.

Expectations from staging/src/k8s.io/apiserver: pkg/apis/cel/config.go (``PerCallLimit`` 1e6,
``RuntimeCELCostBudget`` 1e7 per policy evaluation, ``RuntimeCELCostBudgetMatchConditions``
2.5e6 for its matchConditions), pkg/admission/plugin/cel/activation.go (``validation failed due to
running out of cost budget, no further validation rules will be run``; an evaluation cancelled at
the per-call limit is the expression's error, cel-go's ``operation cancelled: actual cost limit
exceeded``), policy/validating/validator.go (a budget error is the policy's only decision, under
its failurePolicy), policy/mutating/dispatcher.go (each mutation has the whole budget). Upstream
does not refuse a policy whose estimated cost passes the limits when it is written
(pkg/apis/admissionregistration/validation/validation.go only compiles the expressions), so
these policies are stored and fail when they run.

The expensive expression compares the values of every pair of a ConfigMap's keys: with values of
1000 characters, ``n`` keys cost about 111·n² (90 keys: 9.0e5, 100 keys: 1.1e6).
"""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.controllers.manager import without_simulation
from fakeapi.pytest_plugin.plugin import FakeAPI

pytestmark = pytest.mark.fakeapi(controllers=without_simulation())

CONFIGMAPS = "/api/v1/namespaces/default/configmaps"
PAIRS = "object.data.all(a, object.data.exists_one(b, object.data[a] == object.data[b]))"
CONFIGMAP_RULES = [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["configmaps"]}]
OUT_OF_BUDGET = "validation failed due to running out of cost budget, no further validation rules will be run"


def configmap(name: str, keys: int) -> dict[str, Any]:
    """A ConfigMap of ``keys`` distinct values of 1000 characters (every value equals only itself)."""
    data = {f"k{i:03d}": f"{i:04d}".ljust(1000, "x") for i in range(keys)}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def validating_policy(name: str, failure_policy: str = "Fail", **spec: Any) -> list[dict[str, Any]]:
    """A ValidatingAdmissionPolicy on ConfigMap creates and its Deny binding."""
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name},
        "spec": {
            "failurePolicy": failure_policy,
            "matchConstraints": {"resourceRules": CONFIGMAP_RULES},
            **spec,
        },
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name},
        "spec": {"policyName": name, "validationActions": ["Deny"]},
    }
    return [policy, binding]


def denial(name: str, policy: str, message: str) -> str:
    return f"configmaps \"{name}\" is forbidden: ValidatingAdmissionPolicy '{policy}' with binding '{policy}' denied request: {message}"


def test_an_expression_past_the_per_call_limit_fails_under_the_failure_policy(fakeapi: FakeAPI) -> None:
    fakeapi.seed(*validating_policy("pairs", validations=[{"expression": PAIRS}]))
    refused = fakeapi.server.request("POST", CONFIGMAPS, configmap("large", 100))
    assert refused.status == 422
    assert refused.json()["message"] == denial(
        "large", "pairs", f"expression '{PAIRS}' resulted in error: operation cancelled: actual cost limit exceeded"
    )
    # Below the limit the expression runs (and holds).
    assert fakeapi.server.request("POST", CONFIGMAPS, configmap("smaller", 90)).status == 201

    fakeapi.seed(
        *validating_policy("pairs-ignored", "Ignore", validations=[{"expression": "true"}, {"expression": PAIRS}])
    )
    fakeapi.server.request("DELETE", "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/pairs")
    assert fakeapi.server.request("POST", CONFIGMAPS, configmap("large", 100)).status == 201


def test_the_validations_of_a_policy_share_one_budget(fakeapi: FakeAPI) -> None:
    """Twelve validations of 9e5 pass the budget of 1e7 on the twelfth: the policy's one decision is the error."""
    fakeapi.seed(*validating_policy("twelve", validations=[{"expression": PAIRS}] * 12))
    refused = fakeapi.server.request("POST", CONFIGMAPS, configmap("large", 90))
    assert refused.status == 422
    assert refused.json()["message"] == denial("large", "twelve", OUT_OF_BUDGET)
    # Twelve validations of 4e5 fit.
    assert fakeapi.server.request("POST", CONFIGMAPS, configmap("smaller", 60)).status == 201


def test_a_variable_is_charged_once_to_the_validations_that_read_it(fakeapi: FakeAPI) -> None:
    """Upstream's lazy variables are evaluated once per pass: twelve readers of a 9e5 variable fit the budget."""
    validations = [{"expression": "variables.pairs == true"}] * 12
    fakeapi.seed(
        *validating_policy("shared", variables=[{"name": "pairs", "expression": PAIRS}], validations=validations)
    )
    assert fakeapi.server.request("POST", CONFIGMAPS, configmap("large", 90)).status == 201


def test_match_conditions_have_a_budget_of_their_own(fakeapi: FakeAPI) -> None:
    """Three conditions of 9e5 pass RuntimeCELCostBudgetMatchConditions (2.5e6): an error under Fail, no match under Ignore."""
    conditions = [{"name": f"pairs-{i}", "expression": PAIRS} for i in range(3)]
    refusing = [{"expression": "false", "message": "matched"}]
    fakeapi.seed(*validating_policy("conditions", matchConditions=conditions, validations=refusing))
    refused = fakeapi.server.request("POST", CONFIGMAPS, configmap("large", 90))
    assert refused.status == 422
    assert refused.json()["message"] == denial("large", "conditions", OUT_OF_BUDGET)
    # Three conditions of 4e5 fit: they hold, and the validation refuses.
    smaller = fakeapi.server.request("POST", CONFIGMAPS, configmap("smaller", 60))
    assert smaller.json()["message"] == denial("smaller", "conditions", "matched")

    policies = "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies"
    fakeapi.server.request("DELETE", f"{policies}/conditions")
    fakeapi.seed(*validating_policy("ignored", "Ignore", matchConditions=conditions, validations=refusing))
    assert fakeapi.server.request("POST", CONFIGMAPS, configmap("large", 90)).status == 201


def test_a_mutation_past_the_per_call_limit_fails_the_request(fakeapi: FakeAPI) -> None:
    expression = f'Object{{metadata: Object.metadata{{labels: {{"paired": string({PAIRS})}}}}}}'
    policy = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingAdmissionPolicy",
        "metadata": {"name": "label-pairs"},
        "spec": {
            "matchConstraints": {"resourceRules": CONFIGMAP_RULES},
            "reinvocationPolicy": "Never",
            "mutations": [{"patchType": "ApplyConfiguration", "applyConfiguration": {"expression": expression}}],
        },
    }
    binding = {
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "MutatingAdmissionPolicyBinding",
        "metadata": {"name": "label-pairs"},
        "spec": {"policyName": "label-pairs"},
    }
    fakeapi.seed(policy, binding)
    refused = fakeapi.server.request("POST", CONFIGMAPS, configmap("large", 100))
    assert refused.status == 403
    assert refused.json()["message"] == (
        "policy 'label-pairs' with binding 'label-pairs' denied request: "
        f"expression '{expression}' resulted in error: operation cancelled: actual cost limit exceeded"
    )
    created = fakeapi.server.request("POST", CONFIGMAPS, configmap("smaller", 90))
    assert created.status == 201
    assert created.json()["metadata"]["labels"] == {"paired": "true"}
