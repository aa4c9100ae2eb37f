"""The RBAC registry: validation, defaults, immutable role references and escalation prevention."""

from __future__ import annotations

from typing import Any

import pytest
from rbac_helpers import RBAC, Actor, rule, user

from fakeapi.registry.rbac.escalation import breakdown_rule, compact_rules, covers

RBAC_API = "/apis/rbac.authorization.k8s.io/v1"


def test_breakdown_covers_and_compact() -> None:
    wanted = {"apiGroups": ["", "apps"], "resources": ["pods", "deployments/scale"], "verbs": ["get", "update"]}
    assert len(breakdown_rule(wanted)) == 8
    owner = [
        {"apiGroups": ["*"], "resources": ["pods"], "verbs": ["*"]},
        {"apiGroups": ["apps"], "resources": ["*/scale"], "verbs": ["get"]},
    ]
    covered, missing = covers(owner, [wanted])
    assert not covered
    assert compact_rules(missing) == [
        {"apiGroups": [""], "resources": ["deployments/scale"], "verbs": ["get", "update"]},
        {"apiGroups": ["apps"], "resources": ["deployments/scale"], "verbs": ["update"]},
    ]
    named = {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["a"], "verbs": ["get"]}
    assert covers([{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}], [named])[0]
    assert not covers([named], [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}])[0]
    assert covers(
        [{"nonResourceURLs": ["/apis/*"], "verbs": ["get"]}], [{"nonResourceURLs": ["/apis/apps"], "verbs": ["get"]}]
    )[0]


def role_writer(rbac: RBAC) -> Actor:
    """alice may manage Roles and RoleBindings in default, and read ConfigMaps there; nothing else."""
    rbac.role(
        "default",
        "role-writer",
        rule(
            ["create", "get", "list", "update", "patch", "delete"],
            ["roles", "rolebindings"],
            ["rbac.authorization.k8s.io"],
        ),
        rule(["get", "list"], ["configmaps"]),
    )
    rbac.bind("alice", "role-writer", user("alice"), namespace="default", role_kind="Role")
    return rbac.actor("alice")


def create(actor: Actor, resource: str, body: dict[str, Any], namespace: str = "default") -> Any:
    scope = f"/namespaces/{namespace}" if resource in ("roles", "rolebindings") else ""
    return actor.request("POST", f"{RBAC_API}{scope}/{resource}", body)


def test_a_role_may_grant_only_what_its_writer_holds(rbac: RBAC) -> None:
    alice = role_writer(rbac)
    held = create(alice, "roles", {"metadata": {"name": "cm-reader"}, "rules": [rule(["get"], ["configmaps"])]})
    assert held.status == 201, held.body
    refused = create(
        alice, "roles", {"metadata": {"name": "secret-reader"}, "rules": [rule(["get", "list"], ["secrets"])]}
    )
    assert refused.status == 403
    assert refused.json()["message"] == (
        'roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "alice" (groups=["system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
        '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list"]}'
    )
    assert refused.json()["details"] == {"name": "secret-reader", "group": "rbac.authorization.k8s.io", "kind": "roles"}
    # Changing a held role into more is refused as well.
    update = {"metadata": {"name": "cm-reader", "namespace": "default"}, "rules": [rule(["get"], ["secrets"])]}
    assert alice.request("PUT", f"{RBAC_API}/namespaces/default/roles/cm-reader", update).status == 403


def test_escalate_lets_a_writer_grant_more(rbac: RBAC) -> None:
    alice = role_writer(rbac)
    rbac.role("default", "escalator", rule(["escalate"], ["roles"], ["rbac.authorization.k8s.io"]))
    rbac.bind("alice-escalates", "escalator", user("alice"), namespace="default", role_kind="Role")
    created = create(alice, "roles", {"metadata": {"name": "secret-reader"}, "rules": [rule(["get"], ["secrets"])]})
    assert created.status == 201


def test_a_binding_needs_the_roles_rules_or_the_bind_verb(rbac: RBAC) -> None:
    alice = role_writer(rbac)
    binding = {
        "metadata": {"name": "bob-view"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [user("bob")],
    }
    refused = create(alice, "rolebindings", binding)
    assert refused.status == 403
    message = refused.json()["message"]
    assert message.startswith(
        'rolebindings.rbac.authorization.k8s.io "bob-view" is forbidden: user "alice" (groups=["system:authenticated"]) '
        "is attempting to grant RBAC permissions not currently held:\n"
    )
    assert '{APIGroups:[""], Resources:["pods"], Verbs:["get" "list" "watch"]}' in message.splitlines()
    rbac.cluster_role(
        "view-binder", rule(["bind"], ["clusterroles"], ["rbac.authorization.k8s.io"], resourceNames=["view"])
    )
    rbac.bind("alice-binds-view", "view-binder", user("alice"), namespace="default")
    assert create(alice, "rolebindings", binding).status == 201
    missing = create(
        alice,
        "rolebindings",
        {**binding, "metadata": {"name": "ghost"}, "roleRef": {**binding["roleRef"], "name": "ghost"}},
    )
    assert missing.status == 404
    assert missing.json()["message"] == 'clusterroles.rbac.authorization.k8s.io "ghost" not found'


def test_only_cluster_admins_aggregate(rbac: RBAC) -> None:
    rbac.cluster_role("role-admin", rule(["create", "get", "list"], ["clusterroles"], ["rbac.authorization.k8s.io"]))
    rbac.bind("alice-roles", "role-admin", user("alice"))
    alice = rbac.actor("alice")
    aggregated = {
        "metadata": {"name": "sneaky"},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"a": "b"}}]},
    }
    refused = create(alice, "clusterroles", aggregated)
    assert refused.status == 403
    assert refused.json()["message"] == (
        'clusterroles.rbac.authorization.k8s.io "sneaky" is forbidden: must have cluster-admin privileges to use the aggregationRule'
    )
    assert create(rbac.actor("root", "system:masters"), "clusterroles", aggregated).status == 201


@pytest.mark.parametrize(
    ("resource", "body", "message"),
    [
        (
            "clusterroles",
            {"metadata": {"name": "r"}, "rules": [{"verbs": [], "apiGroups": [""], "resources": ["pods"]}]},
            'ClusterRole.rbac.authorization.k8s.io "r" is invalid: rules[0].verbs: Required value: verbs must contain at least one value',
        ),
        (
            "roles",
            {"metadata": {"name": "r"}, "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]},
            'Role.rbac.authorization.k8s.io "r" is invalid: rules[0].nonResourceURLs: Invalid value: ["/healthz"]: '
            "namespaced rules cannot apply to non-resource URLs",
        ),
        (
            "clusterrolebindings",
            {"metadata": {"name": "b"}, "roleRef": {"kind": "Role", "name": "x"}, "subjects": [user("bob")]},
            'ClusterRoleBinding.rbac.authorization.k8s.io "b" is invalid: roleRef.kind: Unsupported value: "Role": '
            'supported values: "ClusterRole"',
        ),
        (
            "clusterrolebindings",
            {
                "metadata": {"name": "b"},
                "roleRef": {"kind": "ClusterRole", "name": "view"},
                "subjects": [{"kind": "ServiceAccount", "name": "robot"}],
            },
            'ClusterRoleBinding.rbac.authorization.k8s.io "b" is invalid: subjects[0].namespace: Required value',
        ),
    ],
)
def test_rbac_objects_are_validated(rbac: RBAC, resource: str, body: dict[str, Any], message: str) -> None:
    response = create(rbac.actor("root", "system:masters"), resource, body)
    assert response.status == 422, response.body
    assert response.json()["message"] == message


def test_binding_defaults_and_an_immutable_role_ref(rbac: RBAC) -> None:
    admin = rbac.actor("root", "system:masters")
    created = create(
        admin,
        "rolebindings",
        {
            "metadata": {"name": "b"},
            "roleRef": {"kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "User", "name": "bob"}],
        },
    )
    assert created.status == 201, created.body
    binding = created.json()
    assert binding["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert binding["subjects"] == [{"kind": "User", "name": "bob", "apiGroup": "rbac.authorization.k8s.io"}]
    binding["roleRef"]["name"] = "edit"
    changed = admin.request("PUT", f"{RBAC_API}/namespaces/default/rolebindings/b", binding)
    assert changed.status == 422
    assert changed.json()["message"] == (
        'RoleBinding.rbac.authorization.k8s.io "b" is invalid: roleRef: Invalid value: '
        '{"APIGroup":"rbac.authorization.k8s.io","Kind":"ClusterRole","Name":"edit"}: cannot change roleRef'
    )
