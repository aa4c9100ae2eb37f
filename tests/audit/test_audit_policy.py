"""The audit policy's rule matching, case by case as apiserver/pkg/audit/policy/checker.go decides."""

from __future__ import annotations

import pytest

from fakeapi.audit.policy import Level, PolicyChecker, PolicyError, load_policy
from fakeapi.authorization.authorizer import Attributes
from fakeapi.endpoints.request import UserInfo

ALICE = UserInfo("alice", ("devs", "system:authenticated"))

POLICY = """\
apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [Panic]
rules:
  - level: None
    users: [system:kube-proxy]
  - level: RequestResponse
    userGroups: [auditors]
    omitStages: [RequestReceived]
  - level: Request
    resources:
      - group: ""
        resources: ["pods/log", "*/status"]
  - level: Request
    resources:
      - group: apps
        resources: ["deployments/*"]
        resourceNames: [web]
  - level: Metadata
    verbs: [delete]
    namespaces: [prod]
  - level: None
    nonResourceURLs: ["/healthz*", /version]
  - level: Metadata
"""


def _resource(resource: str, *, verb: str = "get", subresource: str = "", group: str = "", **more: str) -> Attributes:
    return Attributes(ALICE, verb, True, api_group=group, resource=resource, subresource=subresource, **more)


@pytest.mark.parametrize(
    ("attributes", "level"),
    [
        (Attributes(UserInfo("system:kube-proxy"), "list", True, resource="endpoints"), Level.NONE),
        (Attributes(UserInfo("bob", ("auditors",)), "get", False, path="/version"), Level.REQUEST_RESPONSE),
        (_resource("pods", subresource="log"), Level.REQUEST),
        (_resource("nodes", subresource="status"), Level.REQUEST),  # */status
        (_resource("pods"), Level.METADATA),
        (_resource("deployments", group="apps", subresource="scale", name="web"), Level.REQUEST),  # deployments/*
        (_resource("deployments", group="apps", subresource="scale", name="api"), Level.METADATA),  # resourceNames
        (_resource("secrets", verb="delete", namespace="prod"), Level.METADATA),
        (Attributes(ALICE, "get", False, path="/healthz/etcd"), Level.NONE),  # a trailing * is a prefix
        (Attributes(ALICE, "get", False, path="/version"), Level.NONE),
        (Attributes(ALICE, "get", False, path="/versions"), Level.METADATA),
    ],
)
def test_the_first_matching_rule_decides(attributes: Attributes, level: Level) -> None:
    assert PolicyChecker(load_policy(POLICY)).evaluate(attributes).level is level


def test_omitted_stages_are_the_rule_s_and_the_policy_s() -> None:
    checker = PolicyChecker(load_policy(POLICY))

    auditor = checker.evaluate(Attributes(UserInfo("bob", ("auditors",)), "get", False, path="/"))
    assert auditor.omit_stages == {"Panic", "RequestReceived"}
    assert checker.evaluate(_resource("pods")).omit_stages == {"Panic"}


def test_a_policy_is_validated_as_upstream_validates_it() -> None:
    """apis/audit/validation/validation.go: every error at once, as an aggregate."""
    with pytest.raises(PolicyError) as caught:
        load_policy(
            "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"
            "  - level: Metadata\n    nonResourceURLs: [healthz]\n    namespaces: [a]\n"
            "  - level: Request\n    omitStages: [Sometimes]\n"
        )
    assert str(caught.value) == (
        "[rules[0].nonResourceURLs[0]: Invalid value: \"healthz\": non-resource URL rules must begin with a '/' "
        'character, rules[0].nonResourceURLs: Invalid value: ["healthz"]: rules cannot apply to both regular '
        'resources and non-resource URLs, rules[1].omitStages[0]: Invalid value: "Sometimes": allowed stages are '
        "RequestReceived,ResponseStarted,ResponseComplete,Panic]"
    )
    with pytest.raises(PolicyError, match=r"^unknown group version field audit.k8s.io/v2, Kind=Policy in policy$"):
        load_policy("apiVersion: audit.k8s.io/v2\nkind: Policy\nrules: [{level: None}]\n")
