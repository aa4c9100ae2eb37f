"""RBAC evaluation, rule by rule and binding by binding, over objects held in memory."""

from __future__ import annotations

from typing import Any

import pytest

from fakeapi.authorization.authorizer import (
    AlwaysAllowAuthorizer,
    AlwaysDenyAuthorizer,
    Attributes,
    Decision,
    PrivilegedGroupAuthorizer,
    Result,
    UnionAuthorizer,
)
from fakeapi.authorization.config import new_authorizer, parse_modes
from fakeapi.authorization.rbac import RBACAuthorizer, rule_allows
from fakeapi.endpoints.request import UserInfo
from fakeapi.registry.rbac.aggregation import aggregated_rules, same_rules
from fakeapi.registry.rbac.bootstrap import bootstrap_policy
from fakeapi.storage.interfaces import Object

ALICE = UserInfo("alice", ("devs", "system:authenticated"))


def resource(verb: str, res: str, *, group: str = "", sub: str = "", name: str = "", ns: str = "") -> Attributes:
    return Attributes(
        user=ALICE,
        verb=verb,
        resource_request=True,
        api_group=group,
        resource=res,
        subresource=sub,
        name=name,
        namespace=ns,
    )


def path(verb: str, url: str) -> Attributes:
    return Attributes(user=ALICE, verb=verb, path=url)


@pytest.mark.parametrize(
    ("rule", "attributes", "allowed"),
    [
        ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, resource("get", "pods"), True),
        ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, resource("list", "pods"), False),
        ({"verbs": ["*"], "apiGroups": [""], "resources": ["pods"]}, resource("delete", "pods"), True),
        ({"verbs": ["get"], "apiGroups": ["apps"], "resources": ["pods"]}, resource("get", "pods"), False),
        (
            {"verbs": ["get"], "apiGroups": ["*"], "resources": ["deployments"]},
            resource("get", "deployments", group="apps"),
            True,
        ),
        ({"verbs": ["get"], "apiGroups": [""], "resources": ["*"]}, resource("get", "secrets"), True),
        ({"verbs": ["get"], "apiGroups": [""], "resources": ["*"]}, resource("get", "pods", sub="log"), True),
        # A resource does not grant its subresources ...
        ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}, resource("get", "pods", sub="log"), False),
        # ... they are named, or every resource's with */sub.
        ({"verbs": ["get"], "apiGroups": [""], "resources": ["pods/log"]}, resource("get", "pods", sub="log"), True),
        (
            {"verbs": ["update"], "apiGroups": ["apps"], "resources": ["*/scale"]},
            resource("update", "deployments", group="apps", sub="scale"),
            True,
        ),
        (
            {"verbs": ["update"], "apiGroups": ["apps"], "resources": ["*/scale"]},
            resource("update", "deployments", group="apps"),
            False,
        ),
        (
            {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"]},
            resource("get", "configmaps", name="a"),
            True,
        ),
        (
            {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"]},
            resource("get", "configmaps", name="b"),
            False,
        ),
        # A list has no name: resourceNames never allow it.
        (
            {"verbs": ["list"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"]},
            resource("list", "configmaps"),
            False,
        ),
        ({"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, path("get", "/healthz"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["/healthz"]}, path("get", "/healthz/etcd"), False),
        ({"verbs": ["get"], "nonResourceURLs": ["/healthz/*"]}, path("get", "/healthz/etcd"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["/apis/*"]}, path("get", "/apis/apps/v1"), True),
        ({"verbs": ["get"], "nonResourceURLs": ["*"]}, path("get", "/anything"), True),
        ({"verbs": ["post"], "nonResourceURLs": ["*"]}, path("get", "/anything"), False),
        # Resource rules never cover paths, and URL rules never cover resources.
        ({"verbs": ["get"], "apiGroups": ["*"], "resources": ["*"]}, path("get", "/api"), False),
        ({"verbs": ["get"], "nonResourceURLs": ["*"]}, resource("get", "pods"), False),
    ],
)
def test_rule_allows(rule: dict[str, Any], attributes: Attributes, allowed: bool) -> None:
    assert rule_allows(attributes, rule) is allowed


class Objects:
    def __init__(self, *objects: Object) -> None:
        self.objects = objects

    def _of(self, kind: str, namespace: str | None = None) -> list[Object]:
        return [
            o
            for o in self.objects
            if o["kind"] == kind and (namespace is None or o["metadata"].get("namespace") == namespace)
        ]

    def get_role(self, namespace: str, name: str) -> Object | None:
        return next((o for o in self._of("Role", namespace) if o["metadata"]["name"] == name), None)

    def list_role_bindings(self, namespace: str) -> list[Object]:
        return self._of("RoleBinding", namespace)

    def get_cluster_role(self, name: str) -> Object | None:
        return next((o for o in self._of("ClusterRole") if o["metadata"]["name"] == name), None)

    def list_cluster_role_bindings(self) -> list[Object]:
        return self._of("ClusterRoleBinding")


def role(kind: str, name: str, *rules: dict[str, Any], namespace: str = "") -> Object:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {"kind": kind, "metadata": meta, "rules": list(rules)}


def binding(
    kind: str, name: str, role_kind: str, role_name: str, *subjects: dict[str, Any], namespace: str = ""
) -> Object:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {
        "kind": kind,
        "metadata": meta,
        "roleRef": {"kind": role_kind, "name": role_name},
        "subjects": list(subjects),
    }


READ_PODS = {"verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods"]}


def test_cluster_role_binding_to_a_group_allows_everywhere_and_says_why() -> None:
    rbac = RBACAuthorizer(
        Objects(
            role("ClusterRole", "pod-reader", READ_PODS),
            binding("ClusterRoleBinding", "devs-read", "ClusterRole", "pod-reader", {"kind": "Group", "name": "devs"}),
        )
    )
    assert rbac.authorize(resource("get", "pods", ns="a")) == Result(
        Decision.ALLOW, 'RBAC: allowed by ClusterRoleBinding "devs-read" of ClusterRole "pod-reader" to Group "devs"'
    )
    assert rbac.authorize(resource("list", "pods")).allowed
    assert rbac.authorize(resource("delete", "pods", ns="a")) == Result(Decision.NO_OPINION)


def test_role_binding_grants_only_in_its_namespace_even_with_a_cluster_role() -> None:
    rbac = RBACAuthorizer(
        Objects(
            role("ClusterRole", "pod-reader", READ_PODS),
            binding(
                "RoleBinding",
                "alice-read",
                "ClusterRole",
                "pod-reader",
                {"kind": "User", "name": "alice"},
                namespace="team",
            ),
        )
    )
    assert rbac.authorize(resource("get", "pods", ns="team")).reason == (
        'RBAC: allowed by RoleBinding "alice-read/team" of ClusterRole "pod-reader" to User "alice"'
    )
    assert not rbac.authorize(resource("get", "pods", ns="other")).allowed
    assert not rbac.authorize(resource("list", "pods")).allowed


def test_service_account_subjects_default_to_the_binding_namespace() -> None:
    robot = UserInfo("system:serviceaccount:team:robot", ("system:serviceaccounts", "system:serviceaccounts:team"))
    rbac = RBACAuthorizer(
        Objects(
            role("Role", "reader", READ_PODS, namespace="team"),
            binding(
                "RoleBinding", "robot", "Role", "reader", {"kind": "ServiceAccount", "name": "robot"}, namespace="team"
            ),
            binding(
                "ClusterRoleBinding",
                "no-namespace",
                "ClusterRole",
                "missing",
                {"kind": "ServiceAccount", "name": "robot"},
            ),
        )
    )
    attributes = Attributes(user=robot, verb="get", resource_request=True, resource="pods", namespace="team")
    assert rbac.authorize(attributes).reason == (
        'RBAC: allowed by RoleBinding "robot/team" of Role "reader" to ServiceAccount "robot/team"'
    )


def test_unresolvable_roles_are_reported_with_a_denial_but_do_not_block_an_allow() -> None:
    rbac = RBACAuthorizer(
        Objects(
            binding("ClusterRoleBinding", "ghost", "ClusterRole", "ghost", {"kind": "User", "name": "alice"}),
            binding("RoleBinding", "gone", "Role", "gone", {"kind": "Group", "name": "devs"}, namespace="team"),
        )
    )
    denied = rbac.authorize(resource("get", "pods", ns="team"))
    assert denied == Result(
        Decision.NO_OPINION,
        'RBAC: [clusterrole.rbac.authorization.k8s.io "ghost" not found, role.rbac.authorization.k8s.io "gone" not found]',
    )
    assert (
        rbac.authorize(resource("get", "pods")).reason
        == 'RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found'
    )
    rules = rbac.rules_for(ALICE, "team")
    assert rules.error.startswith("[clusterrole.rbac.authorization.k8s.io")


def test_rules_for_splits_resource_and_url_rules() -> None:
    rbac = RBACAuthorizer(
        Objects(
            role("ClusterRole", "mixed", READ_PODS, {"verbs": ["get"], "nonResourceURLs": ["/metrics"]}),
            binding("ClusterRoleBinding", "mixed", "ClusterRole", "mixed", {"kind": "User", "name": "alice"}),
        )
    )
    rules = rbac.rules_for(ALICE, "default")
    assert [(r.verbs, r.api_groups, r.resources) for r in rules.resource_rules] == [(("get", "list"), ("",), ("pods",))]
    assert [(r.verbs, r.non_resource_urls) for r in rules.non_resource_rules] == [(("get",), ("/metrics",))]
    assert not rules.incomplete and not rules.error


def test_privileged_group_comes_first_and_the_union_keeps_the_first_opinion() -> None:
    masters = UserInfo("root", ("system:masters",))
    chain = new_authorizer("AlwaysDeny", lambda: Objects())
    assert chain.authorize(Attributes(user=masters, verb="delete", resource_request=True, resource="nodes")).allowed
    denied = chain.authorize(resource("get", "pods"))
    assert denied == Result(Decision.NO_OPINION, "Everything is forbidden.")
    allow_all = UnionAuthorizer(PrivilegedGroupAuthorizer(), AlwaysAllowAuthorizer(), AlwaysDenyAuthorizer())
    assert allow_all.authorize(resource("get", "pods")).allowed
    rules = allow_all.rules_for(ALICE, "default")
    assert [r.resources for r in rules.resource_rules] == [("*",)]


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("Node,RBAC", 'authorization-mode "Node" is not supported by fakeapi'),
        ("", "at least one authorization-mode must be passed"),
        ("RBAC,RBAC", "has mode specified more than once"),
    ],
)
def test_authorization_modes_are_checked(mode: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_modes(mode)
    assert parse_modes(" RBAC , AlwaysAllow") == ["RBAC", "AlwaysAllow"]


def test_bootstrap_roles_are_complete_whenever_the_aggregation_controller_looks() -> None:
    """At every point of the bootstrap, an aggregating role already holds what its sources so far give it."""
    created: list[Object] = []
    for obj in bootstrap_policy():
        if obj["kind"] != "ClusterRole":
            continue
        created.append(obj)
        for role in created:
            if role.get("aggregationRule") is not None:
                assert same_rules(aggregated_rules(role, created), role["rules"]), (
                    role["metadata"]["name"],
                    obj["metadata"]["name"],
                )
