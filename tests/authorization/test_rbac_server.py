"""RBAC in a running cluster: upstream's 403s, the bootstrap policy, aggregation and the access reviews."""

from __future__ import annotations

from typing import Any

import pytest
from rbac_helpers import RBAC, group, rule, service_account, user

from fakeapi.util.clock import real_monotonic

CM = "/api/v1/namespaces/default/configmaps"
ROLES = "/apis/rbac.authorization.k8s.io/v1/clusterroles"
TIMEOUT = 10.0


def forbidden(response: Any) -> tuple[str, dict[str, Any]]:
    assert response.status == 403, response.body
    status = response.json()
    assert status["reason"] == "Forbidden" and status["code"] == 403
    assert ("X-Content-Type-Options", "nosniff") in response.headers
    return status["message"], status.get("details", {})


@pytest.mark.parametrize(
    ("method", "path", "message", "details"),
    [
        (
            "GET",
            f"{CM}/x",
            'configmaps "x" is forbidden: User "alice" cannot get resource "configmaps" in API group "" in the namespace "default"',
            {"name": "x", "kind": "configmaps"},
        ),
        (
            "GET",
            CM,
            'configmaps is forbidden: User "alice" cannot list resource "configmaps" in API group "" in the namespace "default"',
            {"kind": "configmaps"},
        ),
        (
            "GET",
            "/api/v1/nodes",
            'nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope',
            {"kind": "nodes"},
        ),
        (
            "DELETE",
            "/apis/apps/v1/namespaces/team/deployments/web",
            'deployments.apps "web" is forbidden: User "alice" cannot delete resource "deployments" in API group "apps" '
            'in the namespace "team"',
            {"name": "web", "group": "apps", "kind": "deployments"},
        ),
        (
            "GET",
            "/api/v1/namespaces/default/pods/p/log",
            'pods "p" is forbidden: User "alice" cannot get resource "pods/log" in API group "" in the namespace "default"',
            {"name": "p", "kind": "pods"},
        ),
        ("GET", "/metrics", 'forbidden: User "alice" cannot get path "/metrics"', {}),
        (
            "GET",
            "/api/v1/configmaps?watch=true",
            'configmaps is forbidden: User "alice" cannot watch resource "configmaps" in API group "" at the cluster scope',
            {"kind": "configmaps"},
        ),
    ],
)
def test_forbidden_says_who_cannot_do_what_where(
    rbac: RBAC, method: str, path: str, message: str, details: dict[str, Any]
) -> None:
    alice = rbac.actor("alice", "devs")
    got, got_details = forbidden(alice.request(method, path))
    assert got == message
    assert got_details == details


def test_an_unresolvable_role_is_part_of_the_denial(rbac: RBAC) -> None:
    rbac.bind("ghostly", "ghost", user("alice"))
    message, _ = forbidden(rbac.actor("alice").request("GET", f"{CM}/x"))
    assert message.endswith('in the namespace "default": RBAC: clusterrole.rbac.authorization.k8s.io "ghost" not found')


def test_a_binding_takes_effect_at_once_and_stops_when_removed(rbac: RBAC) -> None:
    alice = rbac.actor("alice")
    rbac.role("default", "cm-reader", rule(["get", "list"], ["configmaps"]))
    rbac.bind("alice-reads", "cm-reader", user("alice"), namespace="default", role_kind="Role")
    assert alice.request("GET", CM).status == 200
    assert alice.request("GET", "/api/v1/namespaces/kube-system/configmaps").status == 403
    assert alice.request("POST", CM, {"metadata": {"name": "x"}}).status == 403
    assert (
        rbac.server.request(
            "DELETE", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings/alice-reads"
        ).status
        == 200
    )
    assert alice.request("GET", CM).status == 403


def test_every_authenticated_user_may_discover_and_review_itself(rbac: RBAC) -> None:
    alice = rbac.actor("alice")
    for path in ("/api", "/apis", "/api/v1", "/apis/apps/v1", "/version", "/healthz", "/openapi/v2"):
        assert alice.request("GET", path).status != 403, path
    review = alice.request(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    assert review.status == 201
    assert review.json()["status"]["userInfo"] == {"username": "alice", "groups": ["system:authenticated"]}


def test_the_bootstrap_policy_is_there(rbac: RBAC) -> None:
    roles = {r["metadata"]["name"]: r for r in rbac.server.request("GET", ROLES).json()["items"]}
    for name in (
        "cluster-admin",
        "admin",
        "edit",
        "view",
        "system:basic-user",
        "system:discovery",
        "system:public-info-viewer",
    ):
        assert roles[name]["metadata"]["labels"]["kubernetes.io/bootstrapping"] == "rbac-defaults"
        assert roles[name]["metadata"]["annotations"] == {"rbac.authorization.kubernetes.io/autoupdate": "true"}
    assert roles["edit"]["metadata"]["labels"]["rbac.authorization.k8s.io/aggregate-to-admin"] == "true"
    assert roles["view"]["aggregationRule"] == {
        "clusterRoleSelectors": [{"matchLabels": {"rbac.authorization.k8s.io/aggregate-to-view": "true"}}]
    }
    assert roles["cluster-admin"]["rules"] == [
        {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
        {"nonResourceURLs": ["*"], "verbs": ["*"]},
    ]
    # Aggregated already: view's rules are system:aggregate-to-view's.
    assert roles["view"]["rules"] == roles["system:aggregate-to-view"]["rules"]
    bindings = {
        b["metadata"]["name"]: b
        for b in rbac.server.request("GET", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings").json()["items"]
    }
    assert bindings["cluster-admin"]["subjects"] == [group("system:masters")]
    assert bindings["system:public-info-viewer"]["subjects"] == [
        group("system:authenticated"),
        group("system:unauthenticated"),
    ]
    reader = rbac.server.request(
        "GET",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles/extension-apiserver-authentication-reader",
    )
    assert reader.json()["rules"][0]["resourceNames"] == ["extension-apiserver-authentication"]


def test_view_edit_and_admin_as_upstream_defines_them(rbac: RBAC) -> None:
    viewer, editor, owner = rbac.actor("viewer"), rbac.actor("editor"), rbac.actor("owner")
    rbac.bind("viewer", "view", user("viewer"), namespace="default")
    rbac.bind("editor", "edit", user("editor"), namespace="default")
    rbac.bind("owner", "admin", user("owner"), namespace="default")
    secrets = "/api/v1/namespaces/default/secrets"
    assert viewer.request("GET", CM).status == 200
    assert viewer.request("GET", secrets).status == 403
    assert viewer.request("POST", CM, {"metadata": {"name": "v"}}).status == 403
    assert editor.request("GET", secrets).status == 200
    assert editor.request("POST", CM, {"metadata": {"name": "e"}}).status == 201
    assert editor.request("GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles").status == 403
    assert owner.request("GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles").status == 200
    assert owner.request("GET", "/api/v1/nodes").status == 403


def _wait_for_rules(rbac: RBAC, name: str, predicate: Any) -> dict[str, Any]:
    deadline = real_monotonic() + TIMEOUT
    while True:
        role = rbac.server.request("GET", f"{ROLES}/{name}").json()
        if predicate(role.get("rules") or []) or real_monotonic() > deadline:
            return role
        rbac.server.controllers["clusterrole-aggregation"].wait_idle(TIMEOUT)


def test_aggregation_adds_the_rules_of_labelled_roles(rbac: RBAC) -> None:
    crontabs = rule(["get", "list", "watch"], ["crontabs"], ["stable.example.com"])
    rbac.cluster_role("crontab-viewer", crontabs, labels={"rbac.authorization.k8s.io/aggregate-to-view": "true"})
    view = _wait_for_rules(rbac, "view", lambda rules: crontabs in rules)
    # Selected roles contribute in name order: crontab-viewer before system:aggregate-to-view.
    assert view["rules"][0] == crontabs
    # view aggregates into edit, edit into admin.
    admin = _wait_for_rules(rbac, "admin", lambda rules: crontabs in rules)
    assert crontabs in admin["rules"]
    rbac.create(
        ROLES,
        {
            "metadata": {"name": "monitoring"},
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"example.com/monitoring": "true"}}]},
        },
    )
    metrics = rule(["get"], nonResourceURLs=["/metrics"])
    rbac.cluster_role("metrics", metrics, labels={"example.com/monitoring": "true"})
    assert _wait_for_rules(rbac, "monitoring", lambda rules: rules == [metrics])["rules"] == [metrics]
    watcher = rbac.actor("watcher")
    rbac.bind("watcher", "monitoring", user("watcher"))
    assert watcher.request("GET", "/metrics").status != 403


def _review(actor: Any, kind: str, body: dict[str, Any], namespace: str = "") -> Any:
    resource = kind.lower() + "s"
    path = f"/apis/authorization.k8s.io/v1/{f'namespaces/{namespace}/' if namespace else ''}{resource}"
    return actor.request("POST", path, {"apiVersion": "authorization.k8s.io/v1", "kind": kind, **body})


def test_self_subject_access_review(rbac: RBAC) -> None:
    alice = rbac.actor("alice")
    spec = {"spec": {"resourceAttributes": {"verb": "get", "resource": "configmaps", "namespace": "default"}}}
    response = _review(alice, "SelfSubjectAccessReview", spec)
    assert response.status == 201
    assert response.json()["status"] == {"allowed": False}
    rbac.bind("alice-view", "view", user("alice"), namespace="default")
    assert _review(alice, "SelfSubjectAccessReview", spec).json()["status"] == {
        "allowed": True,
        "reason": 'RBAC: allowed by RoleBinding "alice-view/default" of ClusterRole "view" to User "alice"',
    }
    url = {"spec": {"nonResourceAttributes": {"verb": "get", "path": "/healthz"}}}
    assert _review(alice, "SelfSubjectAccessReview", url).json()["status"]["allowed"] is True


def test_subject_access_review_for_someone_else(rbac: RBAC) -> None:
    admin = rbac.actor("root", "system:masters")
    rbac.bind("robots", "view", service_account("robot", "ci"))
    body = {
        "spec": {
            "user": "system:serviceaccount:ci:robot",
            "groups": ["system:serviceaccounts", "system:serviceaccounts:ci"],
            "resourceAttributes": {"verb": "list", "resource": "pods", "namespace": "anywhere"},
        }
    }
    response = _review(admin, "SubjectAccessReview", body)
    assert response.status == 201
    assert response.json()["status"]["allowed"] is True
    assert response.json()["spec"] == body["spec"]
    # Reviewing others is a privilege: alice may review herself, not others.
    message, _ = forbidden(_review(rbac.actor("alice"), "SubjectAccessReview", body))
    assert message == (
        'subjectaccessreviews.authorization.k8s.io is forbidden: User "alice" cannot create resource '
        '"subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope'
    )


@pytest.mark.parametrize(
    ("kind", "spec", "message"),
    [
        (
            "SubjectAccessReview",
            {"resourceAttributes": {"verb": "get"}},
            'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.user: Invalid value: "": '
            "at least one of user or group must be specified",
        ),
        (
            "SubjectAccessReview",
            {"user": "bob"},
            'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: null: '
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        ),
        (
            "SelfSubjectAccessReview",
            {"resourceAttributes": {"verb": "get"}, "nonResourceAttributes": {"path": "/api", "verb": "get"}},
            'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.nonResourceAttributes: Invalid value: '
            '{"Path":"/api","Verb":"get"}: cannot be specified in combination with resourceAttributes',
        ),
    ],
)
def test_access_review_validation(rbac: RBAC, kind: str, spec: dict[str, Any], message: str) -> None:
    response = _review(rbac.actor("root", "system:masters"), kind, {"spec": spec})
    assert response.status == 422
    assert response.json()["message"] == message


def test_local_subject_access_review_is_bound_to_its_namespace(rbac: RBAC) -> None:
    admin = rbac.actor("root", "system:masters")
    rbac.namespace("team")
    rbac.bind("bob-edit", "edit", user("bob"), namespace="team")
    body = {
        "spec": {
            "user": "bob",
            "resourceAttributes": {"verb": "create", "resource": "deployments", "group": "apps", "namespace": "team"},
        }
    }
    response = _review(admin, "LocalSubjectAccessReview", body, namespace="team")
    assert response.status == 201
    assert response.json()["status"]["allowed"] is True
    assert response.json()["metadata"]["namespace"] == "team"
    elsewhere = _review(admin, "LocalSubjectAccessReview", body, namespace="other")
    assert elsewhere.status == 400
    assert elsewhere.json()["message"] == "spec.resourceAttributes.namespace must match namespace: other"
    url = {"spec": {"user": "bob", "nonResourceAttributes": {"path": "/api", "verb": "get"}}}
    refused = _review(admin, "LocalSubjectAccessReview", url, namespace="team")
    assert refused.status == 422
    assert refused.json()["message"].endswith(
        'spec.nonResourceAttributes: Invalid value: {"Path":"/api","Verb":"get"}: disallowed on this kind of request'
    )


def test_self_subject_rules_review(rbac: RBAC) -> None:
    alice = rbac.actor("alice")
    rbac.namespace("team")
    rbac.role("team", "cm", rule(["get"], ["configmaps"], resourceNames=["settings"]))
    rbac.bind("alice-cm", "cm", user("alice"), namespace="team", role_kind="Role")
    response = _review(alice, "SelfSubjectRulesReview", {"spec": {"namespace": "team"}})
    assert response.status == 201
    status = response.json()["status"]
    assert {"verbs": ["get"], "apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["settings"]} in status[
        "resourceRules"
    ]
    assert {
        "verbs": ["create"],
        "apiGroups": ["authorization.k8s.io"],
        "resources": ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
    } in status["resourceRules"]
    assert {"verbs": ["get"], "nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"]} in status[
        "nonResourceRules"
    ]
    assert status["incomplete"] is False
    missing = _review(alice, "SelfSubjectRulesReview", {"spec": {}})
    assert missing.status == 400
    assert missing.json()["message"] == "no namespace on request"
    admin_rules = _review(rbac.actor("root", "system:masters"), "SelfSubjectRulesReview", {"spec": {"namespace": "x"}})
    assert {"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]} in admin_rules.json()["status"]["resourceRules"]


def test_the_bootstrap_policy_needs_no_aggregation_afterwards(rbac: RBAC) -> None:
    """The aggregated roles are written complete, so the controller never rewrites them: same state every run."""
    assert rbac.server.controllers["clusterrole-aggregation"].wait_idle(TIMEOUT)
    for name in ("view", "edit", "admin"):
        role = rbac.server.request("GET", f"{ROLES}/{name}").json()
        assert [m["manager"] for m in role["metadata"]["managedFields"]] == ["kube-apiserver"], name
