"""The authz library (apiserver/pkg/cel/library/authz.go, authz_test.go): checks ask the caller's authorizer."""

from __future__ import annotations

import pytest

from fakeapi.apimachinery.fields import FieldRequirement
from fakeapi.apimachinery.labels import Operator, Requirement
from fakeapi.cel import types
from fakeapi.cel.environment.base import Environment
from fakeapi.cel.errors import CompileError
from fakeapi.cel.library.authz import ALLOW, DENY, Attributes, Decision, new_authorizer, new_resource_check


class RecordingAuthorizer:
    def __init__(self) -> None:
        self.asked: list[Attributes] = []

    def authorize(self, attributes: Attributes) -> Decision:
        self.asked.append(attributes)
        if attributes.resource == "deployments" and attributes.verb == "create":
            return Decision(ALLOW, "rbac says yes")
        return Decision(DENY, "no rule")


def test_resource_and_path_checks_ask_the_authorizer_passed_to_eval() -> None:
    env = Environment({"authorizer": types.AUTHORIZER, "rr": types.RESOURCE_CHECK})
    authorizer = RecordingAuthorizer()
    values = {"authorizer": new_authorizer(), "rr": new_resource_check("apps", "deployments", namespace="ns")}

    allowed = env.compile("authorizer.group('apps').resource('deployments').namespace('ns').check('create').allowed()")
    assert allowed.eval(values, authorizer=authorizer) is True
    reason = env.compile("authorizer.serviceAccount('ns', 'sa').path('/healthz').check('get').reason()")
    assert reason.eval(values, authorizer=authorizer) == "no rule"
    assert env.compile("rr.check('create').allowed()").eval(values, authorizer=authorizer) is True

    assert authorizer.asked == [
        Attributes(verb="create", group="apps", resource="deployments", namespace="ns"),
        Attributes(verb="get", user="system:serviceaccount:ns:sa", path="/healthz"),
        Attributes(verb="create", group="apps", resource="deployments", namespace="ns"),
    ]


# authz.go's AuthzSelectors; the cases of plugin/cel/condition_test.go ("test authorizer allow resource
# check with all fields", "... with parse failures").
SELECTED = (
    "authorizer.group('apps').resource('deployments').fieldSelector({}).labelSelector({})"
    ".subresource('status').namespace('test').name('backend').check('create').allowed()"
)


def test_selectors_reach_the_authorizer_parsed() -> None:
    env = Environment({"authorizer": types.AUTHORIZER})
    authorizer = RecordingAuthorizer()
    program = env.compile(SELECTED.format("'foo=bar'", "'apple=banana'"))
    assert program.eval({"authorizer": new_authorizer()}, authorizer=authorizer) is True
    assert authorizer.asked == [
        Attributes(
            verb="create",
            group="apps",
            resource="deployments",
            subresource="status",
            namespace="test",
            name="backend",
            field_selector_requirements=(FieldRequirement("foo", "=", "bar"),),
            label_selector_requirements=(Requirement("apple", Operator.EQUALS, ("banana",)),),
        )
    ]


def test_a_selector_that_does_not_parse_is_passed_as_its_error_and_the_check_goes_on() -> None:
    env = Environment({"authorizer": types.AUTHORIZER})
    authorizer = RecordingAuthorizer()
    program = env.compile(SELECTED.format("'foo badoperator bar'", "'apple badoperator banana'"))
    assert program.eval({"authorizer": new_authorizer()}, authorizer=authorizer) is True
    [asked] = authorizer.asked
    assert (asked.field_selector_requirements, asked.label_selector_requirements) == ((), ())
    assert (
        asked.field_selector_parsing_error
        == "invalid selector: 'foo badoperator bar'; can't understand 'foo badoperator bar'"
    )
    assert asked.label_selector_parsing_error == (
        "unable to parse requirement: found 'badoperator', expected: in, notin, =, ==, !=, gt, lt"
    )


def test_selectors_apply_to_resource_checks_only() -> None:
    env = Environment({"authorizer": types.AUTHORIZER, "rr": types.RESOURCE_CHECK})
    program = env.compile("type(rr.labelSelector('app=a').fieldSelector('')) == kubernetes.authorization.ResourceCheck")
    assert program.eval({"rr": new_resource_check("", "pods")}) is True
    with pytest.raises(CompileError) as info:
        env.compile("authorizer.path('/healthz').fieldSelector('a=b')")
    assert info.value.message.startswith(
        "ERROR: <input>:1:42: found no matching overload for 'fieldSelector' applied to "
        "'(kubernetes.authorization.PathCheck, string)'"
    )
