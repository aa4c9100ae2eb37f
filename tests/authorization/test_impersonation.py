"""Impersonation: every part of the wanted identity is authorized first, then the request is that user's."""

from __future__ import annotations

from typing import Any

import pytest
from rbac_helpers import RBAC, Actor, rule, user

WHOAMI = "/apis/authentication.k8s.io/v1/selfsubjectreviews"
REVIEW = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}


def whoami(actor: Actor, **headers: str) -> Any:
    return actor.request("POST", WHOAMI, REVIEW, headers={k.replace("_", "-"): v for k, v in headers.items()})


def forbidden_message(response: Any) -> str:
    assert response.status == 403, response.body
    return response.json()["message"]


def impersonator(rbac: RBAC, *rules: dict[str, Any]) -> Actor:
    rbac.cluster_role("impersonator", *rules)
    rbac.bind("alice-impersonates", "impersonator", user("alice"))
    return rbac.actor("alice", "devs")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        (
            {"Impersonate-User": "bob"},
            'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope',
        ),
        (
            {"Impersonate-User": "system:serviceaccount:ci:robot"},
            'serviceaccounts "robot" is forbidden: User "alice" cannot impersonate resource "serviceaccounts" '
            'in API group "" in the namespace "ci"',
        ),
    ],
)
def test_impersonation_needs_the_impersonate_verb(rbac: RBAC, headers: dict[str, str], message: str) -> None:
    alice = rbac.actor("alice")
    assert forbidden_message(alice.request("GET", "/api", headers=headers)) == message


def test_each_part_is_checked_and_the_first_refusal_answers(rbac: RBAC) -> None:
    alice = impersonator(rbac, rule(["impersonate"], ["users"]))
    assert whoami(alice, Impersonate_User="bob").json()["status"]["userInfo"] == {
        "username": "bob",
        "groups": ["system:authenticated"],
    }
    message = forbidden_message(whoami(alice, Impersonate_User="bob", Impersonate_Group="admins"))
    assert message == (
        'groups "admins" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope'
    )
    message = forbidden_message(whoami(alice, Impersonate_User="bob", Impersonate_Uid="42"))
    assert message == (
        'uids.authentication.k8s.io "42" is forbidden: User "alice" cannot impersonate resource "uids" '
        'in API group "authentication.k8s.io" at the cluster scope'
    )
    message = forbidden_message(whoami(alice, Impersonate_User="bob", **{"Impersonate-Extra-Scopes": "read"}))
    assert message == (
        'userextras.authentication.k8s.io "read" is forbidden: User "alice" cannot impersonate resource '
        '"userextras/scopes" in API group "authentication.k8s.io" at the cluster scope'
    )


def test_a_full_identity_when_every_part_is_allowed(rbac: RBAC) -> None:
    alice = impersonator(
        rbac,
        rule(["impersonate"], ["users", "groups"]),
        rule(["impersonate"], ["uids", "userextras/scopes"], ["authentication.k8s.io"]),
    )
    response = whoami(
        alice,
        Impersonate_User="bob",
        Impersonate_Group="admins",
        Impersonate_Uid="42",
        **{"Impersonate-Extra-Scopes": "read", "Impersonate-Extra-scopes": "write"},
    )
    assert response.status == 201, response.body
    assert response.json()["status"]["userInfo"] == {
        "username": "bob",
        "uid": "42",
        "groups": ["admins", "system:authenticated"],
        "extra": {"scopes": ["read", "write"]},
    }


def test_a_service_account_gets_its_groups_unless_groups_are_given(rbac: RBAC) -> None:
    alice = impersonator(rbac, rule(["impersonate"], ["serviceaccounts", "groups"]))
    info = whoami(alice, Impersonate_User="system:serviceaccount:ci:robot").json()["status"]["userInfo"]
    assert info == {
        "username": "system:serviceaccount:ci:robot",
        "groups": ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"],
    }
    info = whoami(alice, Impersonate_User="system:serviceaccount:ci:robot", Impersonate_Group="x").json()["status"][
        "userInfo"
    ]
    assert info["groups"] == ["x", "system:authenticated"]


def test_anonymous_is_unauthenticated(rbac: RBAC) -> None:
    admin = rbac.actor("root", "system:masters")
    response = admin.request("GET", "/api", headers={"Impersonate-User": "system:anonymous"})
    assert forbidden_message(response) == 'forbidden: User "system:anonymous" cannot get path "/api"'
    assert admin.request("GET", "/version", headers={"Impersonate-User": "system:anonymous"}).status == 200


def test_groups_without_a_user_are_an_internal_error(rbac: RBAC) -> None:
    response = rbac.actor("root", "system:masters").request("GET", "/api", headers={"Impersonate-Group": "devs"})
    assert response.status == 500
    assert (
        response.json()["message"]
        == "Internal error occurred: requested [{Group  devs    }] without impersonating a user"
    )


def test_the_impersonated_user_is_the_one_authorized(rbac: RBAC) -> None:
    admin = rbac.actor("root", "system:masters")
    as_alice = {"Impersonate-User": "alice"}
    assert forbidden_message(admin.request("GET", "/api/v1/namespaces/default/configmaps", headers=as_alice)) == (
        'configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "default"'
    )
    rbac.bind("alice-view", "view", user("alice"), namespace="default")
    assert admin.request("GET", "/api/v1/namespaces/default/configmaps", headers=as_alice).status == 200
