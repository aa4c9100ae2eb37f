"""The authz library (apiserver/pkg/cel/library/authz.go, authz_test.go): checks ask the caller's authorizer."""

from __future__ import annotations

from fakeapi.cel import types
from fakeapi.cel.environment.base import Environment
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
