"""The parts of the admission policies that need no server.

Expectations: generic/policy_dispatcher.go CollectParams (its error texts), the mutation literal
types of apiserver/pkg/cel/mutation (``Object.spec{...}``, ``JSONPatch{...}``) and library/jsonpatch.go
(``jsonpatch.escapeKey``), plugin/cel/compile.go (``must evaluate to bool but got dyn``), and
plugin/cel/composition.go (``composited variable "x" fails to evaluate: ...``); the runtime cost
passes of policy/validating/validator.go (the messageExpressions on what the validations left of
the budget, failing as ``failed messageExpression: <error>``; the audit annotations on a budget of
their own), apiserver/pkg/cel/library/cost.go (an authorization check costs 350000), and
plugin/authorizer/caching_authorizer.go (the key of a check with selectors).
"""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.admission.plugin.cel.activation import Activation, CostBudget
from fakeapi.admission.plugin.cel.authorizer import RequestAuthorizer
from fakeapi.admission.plugin.cel.compile import BOOL, STRING, Compiler, OptionalVariableDeclarations
from fakeapi.admission.plugin.cel.mutation import rewrite_struct_literals
from fakeapi.admission.plugin.policy.generic.policy_dispatcher import ParamError, collect_params
from fakeapi.admission.plugin.policy.validating.policy_decision import (
    ACTION_ADMIT,
    ACTION_DENY,
    AUDIT_ANNOTATION_PUBLISH,
    EVAL_ADMIT,
    EVAL_ERROR,
    PolicyAuditAnnotation,
    PolicyDecision,
)
from fakeapi.admission.plugin.policy.validating.validator import (
    AuditAnnotationCondition,
    ValidationCondition,
    Validator,
)
from fakeapi.apimachinery.fields import FieldRequirement
from fakeapi.apimachinery.labels import LabelSelector, Operator, Requirement
from fakeapi.authorization import authorizer as server_authz
from fakeapi.cel.environment.base import RUNTIME_CEL_COST_BUDGET
from fakeapi.cel.library import authz
from fakeapi.endpoints.request import UserInfo
from fakeapi.storage.interfaces import Object

CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap"}


class Params:
    """A param store holding ConfigMaps by namespace and name."""

    def __init__(self, namespaced: bool, *objects: Object) -> None:
        self.namespaced = namespaced
        self._objects = objects

    def get(self, namespace: str, name: str) -> Object | None:
        return next((o for o in self._objects if o["metadata"] == {"namespace": namespace, "name": name}), None)

    def list(self, namespace: str, selector: LabelSelector) -> list[Object]:
        return [o for o in self._objects if o["metadata"]["namespace"] == namespace]


LIMITS = {"metadata": {"namespace": "prod", "name": "limits"}}


@pytest.mark.parametrize(
    ("param_ref", "namespace", "expected"),
    [
        ({"name": "limits"}, "prod", [LIMITS]),
        ({"name": "limits", "namespace": "prod"}, "", [LIMITS]),
        ({"name": "other"}, "prod", []),
        ({"selector": {}}, "prod", [LIMITS]),
        ({"selector": {}}, "staging", []),
    ],
)
def test_params_are_found_by_name_or_selector_in_the_requests_namespace(
    param_ref: dict[str, Any], namespace: str, expected: list[Object]
) -> None:
    assert collect_params(CONFIG_MAP, Params(True, LIMITS), param_ref, namespace) == expected


@pytest.mark.parametrize(
    ("namespaced", "param_ref", "namespace", "message"),
    [
        (
            True,
            {"name": "x"},
            "",
            "cannot use namespaced paramRef in policy binding that matches cluster-scoped resources",
        ),
        (
            False,
            {"name": "x", "namespace": "prod"},
            "",
            "paramRef.namespace must not be provided for a cluster-scoped `paramKind`",
        ),
        (True, {"name": "x", "selector": {}}, "prod", "paramRef.name and paramRef.selector are mutually exclusive"),
        (True, {}, "prod", "one of name or selector must be provided"),
        (
            True,
            {"name": "x", "parameterNotFoundAction": "Deny"},
            "prod",
            "no params found for policy binding with `Deny` parameterNotFoundAction",
        ),
    ],
)
def test_param_configuration_errors(namespaced: bool, param_ref: dict[str, Any], namespace: str, message: str) -> None:
    with pytest.raises(ParamError, match="^" + message.replace("`", ".") + "$"):
        collect_params(CONFIG_MAP, Params(namespaced), param_ref, namespace)


def test_no_param_kind_or_no_param_ref_evaluates_once_without_params() -> None:
    assert collect_params(None, None, {"name": "ignored"}, "prod") == [None]
    assert collect_params(CONFIG_MAP, Params(True), None, "prod") == [None]


@pytest.mark.parametrize(
    ("source", "rewritten"),
    [
        ('Object{metadata: Object.metadata{labels: {"a": "b"}}}', '{"metadata": {"labels": {"a": "b"}}}'),
        ("Object{spec: Object.spec{?replicas: optional.of(1)}}", '{"spec": {?"replicas": optional.of(1)}}'),
        ("Object{spec: Object.spec{x: a ? b : c}}", '{"spec": {"x": a ? b : c}}'),
        ('"Object{a: 1}" + x', '"Object{a: 1}" + x'),
        ('[JSONPatch{op: "remove", path: "/a"}]', '[{"op": "remove", "path": "/a"}]'),
        (
            'jsonpatch.escapeKey(object.metadata.name + "/x")',
            '(object.metadata.name + "/x").replace("~", "~0").replace("/", "~1")',
        ),
        ("object.Object{}", "object.Object{}"),
    ],
)
def test_mutation_literals_are_written_as_maps(source: str, rewritten: str) -> None:
    assert rewrite_struct_literals(source) == rewritten


def test_expressions_of_the_wrong_type_do_not_compile() -> None:
    result = Compiler().compile("object.spec.replicas", OptionalVariableDeclarations(), (BOOL,))
    assert result.error == "must evaluate to bool but got dyn"


def test_a_variable_is_evaluated_once_where_it_is_named_and_its_error_is_the_expressions() -> None:
    compiler = Compiler()
    options = OptionalVariableDeclarations()
    variables = {
        "replicas": compiler.compile("object.spec.replicas", options),
        "double": compiler.compile("variables.replicas * 2", options),
        "broken": compiler.compile("object.spec.missing", options),
    }
    activation = Activation({"spec": {"replicas": 3}}, None, {}, None, variables=variables)
    budget = CostBudget(RUNTIME_CEL_COST_BUDGET)
    assert activation.evaluate(compiler.compile("variables.double == 6", options, (BOOL,)), budget).value is True
    failed = activation.evaluate(compiler.compile("variables.broken == 1", options, (BOOL,)), budget)
    assert failed.error == (
        "expression 'variables.broken == 1' resulted in error: "
        'composited variable "broken" fails to evaluate: no such key: missing'
    )


# Compares the values of every pair of keys: 9.0e5 over ``_PAIRED`` (90 values of 1000 characters).
_PAIRS = "object.data.all(a, object.data.exists_one(b, object.data[a] == object.data[b]))"
_PAIRED = {"data": {f"k{i:03d}": f"{i:04d}".ljust(1000, "x") for i in range(90)}}


def _eleven_pairs(compiler: Compiler) -> list[ValidationCondition]:
    """Eleven validations that hold and spend 9.9e6 of the 1e7 budget over ``_PAIRED``."""
    options = OptionalVariableDeclarations(has_authorizer=True)
    return [ValidationCondition(compiler.compile(_PAIRS, options, (BOOL,)))] * 11


def test_message_expressions_run_on_what_the_validations_left_of_the_budget() -> None:
    compiler = Compiler()
    options = OptionalVariableDeclarations(has_authorizer=True)
    message = compiler.compile(f"string({_PAIRS})", OptionalVariableDeclarations(), (STRING,))
    failing = ValidationCondition(
        compiler.compile("object.data.size() == 0", options, (BOOL,)), message_expression=message
    )
    validator = Validator([*_eleven_pairs(compiler), failing], [], None, {})
    result = validator.validate(Activation(_PAIRED, None, {}, None))
    # Every validation that evaluated is the message pass's error, those that held too.
    error = "failed messageExpression: validation failed due to running out of cost budget, no further validation rules will be run"
    assert result.decisions == (PolicyDecision(ACTION_DENY, EVAL_ERROR, error),) * 12


def test_audit_annotations_have_a_budget_of_their_own() -> None:
    compiler = Compiler()
    options = OptionalVariableDeclarations(has_authorizer=True)
    annotation = AuditAnnotationCondition("paired", compiler.compile(f"string({_PAIRS})", options, (STRING,)))
    validator = Validator(_eleven_pairs(compiler), [annotation], None, {})
    result = validator.validate(Activation(_PAIRED, None, {}, None))
    assert result.decisions == (PolicyDecision(ACTION_ADMIT, EVAL_ADMIT),) * 11
    assert result.audit_annotations == (PolicyAuditAnnotation("paired", AUDIT_ANNOTATION_PUBLISH, "true"),)


def test_three_authorization_checks_pass_the_per_call_limit() -> None:
    compiler = Compiler()
    options = OptionalVariableDeclarations(has_authorizer=True)
    check = "authorizer.group('').resource('secrets').check('{}').allowed()"
    two = compiler.compile(" || ".join(check.format(verb) for verb in ("get", "list")), options, (BOOL,))
    assert 700_000 < two.max_cost < 1_000_000
    three = compiler.compile(" || ".join(check.format(verb) for verb in ("get", "list", "watch")), options, (BOOL,))
    # Never evaluated: the activation has no authorizer to answer the checks.
    result = Activation({}, None, {}, None).evaluate(three, CostBudget(RUNTIME_CEL_COST_BUDGET))
    assert result.error == (
        f"expression '{three.expression}' resulted in error: operation cancelled: actual cost limit exceeded"
    )


class _RecordingServerAuthorizer:
    def __init__(self) -> None:
        self.asked: list[server_authz.Attributes] = []

    def authorize(self, attributes: server_authz.Attributes) -> server_authz.Result:
        self.asked.append(attributes)
        return server_authz.Result(server_authz.Decision.ALLOW)


def test_a_checks_selectors_reach_the_servers_authorizer_and_a_parse_error_is_no_part_of_the_cache_key() -> None:
    server = _RecordingServerAuthorizer()
    authorizer = RequestAuthorizer(server, UserInfo("alice"))
    valid = authz.Attributes(
        verb="list",
        resource="pods",
        field_selector_requirements=(FieldRequirement("spec.nodeName", "=", "n1"),),
        label_selector_requirements=(Requirement("app", Operator.EQUALS, ("web",)),),
    )
    assert authorizer.authorize(valid).decision == authz.ALLOW
    assert server.asked == [
        server_authz.Attributes(
            user=UserInfo("alice"),
            verb="list",
            resource_request=True,
            resource="pods",
            field_selector_requirements=valid.field_selector_requirements,
            label_selector_requirements=valid.label_selector_requirements,
        )
    ]
    # caching_authorizer.go keys a check by its requirements: two selectors that do not parse share one decision.
    for error in ("invalid selector: 'a'; can't understand 'a'", "invalid selector: 'b'; can't understand 'b'"):
        authorizer.authorize(authz.Attributes(verb="list", resource="pods", field_selector_parsing_error=error))
    assert [a.field_selector_parsing_error for a in server.asked[1:]] == ["invalid selector: 'a'; can't understand 'a'"]
