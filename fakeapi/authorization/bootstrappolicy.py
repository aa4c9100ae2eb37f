"""The default RBAC policy of a fresh cluster: ClusterRoles, ClusterRoleBindings, kube-system Roles.

Follows plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (``ClusterRoles``,
``ClusterRoleBindings``) and namespace_policy.go, as the ``rbac/bootstrap-roles`` post-start
hook writes them (checked against the ``testdata/*.yaml`` renderings of that package): every
object labelled ``kubernetes.io/bootstrapping: rbac-defaults`` and annotated
``rbac.authorization.kubernetes.io/autoupdate: "true"``, every rule's lists sorted.

The user-facing roles are all here: ``cluster-admin``, ``admin``, ``edit`` and ``view`` (with
their aggregation rules and labels: ``edit`` aggregates into ``admin``, ``view`` into
``edit``), the ``system:aggregate-to-*`` roles that feed them, ``system:basic-user``,
``system:discovery``, ``system:public-info-viewer``, ``system:monitoring``,
``system:auth-delegator`` and ``system:service-account-issuer-discovery``, with their
bindings, and kubeadm's ``kubeadm:cluster-admins`` binding. The roles of the control-plane
components and of the controllers (``system:kube-scheduler``, ``system:controller:*``...) are
left out: nothing in a fake cluster runs as them.

``admin``, ``edit`` and ``view`` have no rules of their own: the ClusterRole aggregation
controller fills them from the roles their aggregation rules select.
"""

from __future__ import annotations

from typing import Any

from fakeapi.storage.interfaces import Object

__all__ = ["cluster_role_bindings", "cluster_roles", "namespace_role_bindings", "namespace_roles", "policy_objects"]

RBAC_API_VERSION = "rbac.authorization.k8s.io/v1"
_BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
_AUTOUPDATE = {"rbac.authorization.kubernetes.io/autoupdate": "true"}
_AGGREGATE_TO = "rbac.authorization.k8s.io/aggregate-to-"

READ = ("get", "list", "watch")
WRITE = ("create", "delete", "deletecollection", "patch", "update")
READ_WRITE = (*READ, *WRITE)

_LEGACY = ""
_APPS = "apps"
_AUTOSCALING = "autoscaling"
_BATCH = "batch"
_EXTENSIONS = "extensions"
_POLICY = "policy"
_NETWORKING = "networking.k8s.io"
_COORDINATION = "coordination.k8s.io"
_DISCOVERY = "discovery.k8s.io"
_AUTHENTICATION = "authentication.k8s.io"
_AUTHORIZATION = "authorization.k8s.io"
_RBAC = "rbac.authorization.k8s.io"


def _rule(
    verbs: tuple[str, ...] | str,
    *,
    groups: tuple[str, ...] = (),
    resources: tuple[str, ...] = (),
    names: tuple[str, ...] = (),
    urls: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A PolicyRule as ``PolicyRuleBuilder.Rule()`` makes it: every list sorted, empty ones left out."""
    rule: dict[str, Any] = {}
    if groups:
        rule["apiGroups"] = sorted(groups)
    if names:
        rule["resourceNames"] = sorted(names)
    if resources:
        rule["resources"] = sorted(resources)
    if urls:
        rule["nonResourceURLs"] = sorted(urls)
    rule["verbs"] = sorted((verbs,) if isinstance(verbs, str) else verbs)
    return rule


def _meta(name: str, labels: dict[str, str] | None = None, namespace: str = "") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = {**_BOOTSTRAP_LABELS, **(labels or {})}
    meta["annotations"] = dict(_AUTOUPDATE)
    return meta


def _cluster_role(name: str, rules: list[dict[str, Any]], *, aggregate_to: str = "", aggregates: str = "") -> Object:
    role: Object = {
        "apiVersion": RBAC_API_VERSION,
        "kind": "ClusterRole",
        "metadata": _meta(name, {f"{_AGGREGATE_TO}{aggregate_to}": "true"} if aggregate_to else None),
    }
    if aggregates:
        role["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {f"{_AGGREGATE_TO}{aggregates}": "true"}}]}
    role["rules"] = rules
    return role


def _aggregate_to_admin() -> list[dict[str, Any]]:
    return [
        _rule("create", groups=(_AUTHORIZATION,), resources=("localsubjectaccessreviews",)),
        _rule(READ_WRITE, groups=(_RBAC,), resources=("roles", "rolebindings")),
    ]


def _aggregate_to_edit() -> list[dict[str, Any]]:
    return [
        _rule(
            READ,
            groups=(_LEGACY,),
            resources=("pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"),
        ),
        _rule("impersonate", groups=(_LEGACY,), resources=("serviceaccounts",)),
        _rule(
            WRITE, groups=(_LEGACY,), resources=("pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward")
        ),
        _rule("create", groups=(_LEGACY,), resources=("pods/eviction",)),
        _rule(
            WRITE,
            groups=(_LEGACY,),
            resources=(
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/proxy",
                "persistentvolumeclaims",
                "configmaps",
                "secrets",
                "events",
            ),
        ),
        _rule("create", groups=(_LEGACY,), resources=("serviceaccounts/token",)),
        _rule(
            WRITE,
            groups=(_APPS,),
            resources=(
                "statefulsets",
                "statefulsets/scale",
                "daemonsets",
                "deployments",
                "deployments/scale",
                "deployments/rollback",
                "replicasets",
                "replicasets/scale",
            ),
        ),
        _rule(WRITE, groups=(_AUTOSCALING,), resources=("horizontalpodautoscalers",)),
        _rule(WRITE, groups=(_BATCH,), resources=("jobs", "cronjobs")),
        _rule(
            WRITE,
            groups=(_EXTENSIONS,),
            resources=(
                "daemonsets",
                "deployments",
                "deployments/scale",
                "deployments/rollback",
                "ingresses",
                "replicasets",
                "replicasets/scale",
                "replicationcontrollers/scale",
                "networkpolicies",
            ),
        ),
        _rule(WRITE, groups=(_POLICY,), resources=("poddisruptionbudgets",)),
        _rule(WRITE, groups=(_NETWORKING,), resources=("networkpolicies", "ingresses")),
        _rule(READ_WRITE, groups=(_COORDINATION,), resources=("leases",)),
    ]


def _aggregate_to_view() -> list[dict[str, Any]]:
    return [
        _rule(
            READ,
            groups=(_LEGACY,),
            resources=(
                "pods",
                "replicationcontrollers",
                "replicationcontrollers/scale",
                "serviceaccounts",
                "services",
                "services/status",
                "endpoints",
                "persistentvolumeclaims",
                "persistentvolumeclaims/status",
                "configmaps",
            ),
        ),
        _rule(
            READ,
            groups=(_LEGACY,),
            resources=(
                "limitranges",
                "resourcequotas",
                "bindings",
                "events",
                "pods/status",
                "resourcequotas/status",
                "namespaces/status",
                "replicationcontrollers/status",
                "pods/log",
            ),
        ),
        # A user who can see a namespace's content can see the namespace itself.
        _rule(READ, groups=(_LEGACY,), resources=("namespaces",)),
        _rule(READ, groups=(_DISCOVERY,), resources=("endpointslices",)),
        _rule(
            READ,
            groups=(_APPS,),
            resources=(
                "controllerrevisions",
                "statefulsets",
                "statefulsets/status",
                "statefulsets/scale",
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/status",
                "deployments/scale",
                "replicasets",
                "replicasets/status",
                "replicasets/scale",
            ),
        ),
        _rule(READ, groups=(_AUTOSCALING,), resources=("horizontalpodautoscalers", "horizontalpodautoscalers/status")),
        _rule(READ, groups=(_BATCH,), resources=("jobs", "cronjobs", "cronjobs/status", "jobs/status")),
        _rule(
            READ,
            groups=(_EXTENSIONS,),
            resources=(
                "daemonsets",
                "daemonsets/status",
                "deployments",
                "deployments/scale",
                "deployments/status",
                "ingresses",
                "ingresses/status",
                "replicasets",
                "replicasets/scale",
                "replicasets/status",
                "replicationcontrollers/scale",
                "networkpolicies",
            ),
        ),
        _rule(READ, groups=(_POLICY,), resources=("poddisruptionbudgets", "poddisruptionbudgets/status")),
        _rule(READ, groups=(_NETWORKING,), resources=("networkpolicies", "ingresses", "ingresses/status")),
    ]


def cluster_roles() -> list[Object]:
    """The bootstrap ClusterRoles, sorted by name as the rendering is."""
    return [
        _cluster_role("admin", [], aggregates="admin"),
        _cluster_role(
            "cluster-admin",
            [_rule("*", groups=("*",), resources=("*",)), _rule("*", urls=("*",))],
        ),
        _cluster_role("edit", [], aggregate_to="admin", aggregates="edit"),
        _cluster_role("system:aggregate-to-admin", _aggregate_to_admin(), aggregate_to="admin"),
        _cluster_role("system:aggregate-to-edit", _aggregate_to_edit(), aggregate_to="edit"),
        _cluster_role("system:aggregate-to-view", _aggregate_to_view(), aggregate_to="view"),
        _cluster_role(
            "system:auth-delegator",
            [
                _rule("create", groups=(_AUTHENTICATION,), resources=("tokenreviews",)),
                _rule("create", groups=(_AUTHORIZATION,), resources=("subjectaccessreviews",)),
            ],
        ),
        _cluster_role(
            "system:basic-user",
            [
                _rule(
                    "create",
                    groups=(_AUTHORIZATION,),
                    resources=("selfsubjectaccessreviews", "selfsubjectrulesreviews"),
                ),
                _rule("create", groups=(_AUTHENTICATION,), resources=("selfsubjectreviews",)),
            ],
        ),
        _cluster_role(
            "system:discovery",
            [
                _rule(
                    "get",
                    urls=(
                        "/healthz",
                        "/livez",
                        "/readyz",
                        "/version",
                        "/version/",
                        "/openapi",
                        "/openapi/*",
                        "/api",
                        "/api/*",
                        "/apis",
                        "/apis/*",
                    ),
                )
            ],
        ),
        _cluster_role(
            "system:monitoring",
            [
                _rule(
                    "get",
                    urls=(
                        "/healthz",
                        "/healthz/*",
                        "/livez",
                        "/livez/*",
                        "/readyz",
                        "/readyz/*",
                        "/metrics",
                        "/metrics/slis",
                    ),
                )
            ],
        ),
        _cluster_role(
            "system:public-info-viewer",
            [_rule("get", urls=("/healthz", "/livez", "/readyz", "/version", "/version/"))],
        ),
        _cluster_role(
            "system:service-account-issuer-discovery",
            [_rule("get", urls=("/.well-known/openid-configuration", "/openid/v1/jwks"))],
        ),
        _cluster_role("view", [], aggregate_to="edit", aggregates="view"),
    ]


def _binding(
    kind: str, name: str, role_kind: str, role: str, subjects: list[dict[str, str]], namespace: str = ""
) -> Object:
    return {
        "apiVersion": RBAC_API_VERSION,
        "kind": kind,
        "metadata": _meta(name, namespace=namespace),
        "roleRef": {"apiGroup": _RBAC, "kind": role_kind, "name": role},
        "subjects": subjects,
    }


def _group(name: str) -> dict[str, str]:
    return {"apiGroup": _RBAC, "kind": "Group", "name": name}


def _user(name: str) -> dict[str, str]:
    return {"apiGroup": _RBAC, "kind": "User", "name": name}


def cluster_role_bindings() -> list[Object]:
    """The bootstrap ClusterRoleBindings, and kubeadm's ``kubeadm:cluster-admins``."""
    bindings = [
        _binding("ClusterRoleBinding", "cluster-admin", "ClusterRole", "cluster-admin", [_group("system:masters")]),
        _binding(
            "ClusterRoleBinding",
            "system:basic-user",
            "ClusterRole",
            "system:basic-user",
            [_group("system:authenticated")],
        ),
        _binding(
            "ClusterRoleBinding",
            "system:discovery",
            "ClusterRole",
            "system:discovery",
            [_group("system:authenticated")],
        ),
        _binding(
            "ClusterRoleBinding", "system:monitoring", "ClusterRole", "system:monitoring", [_group("system:monitoring")]
        ),
        _binding(
            "ClusterRoleBinding",
            "system:public-info-viewer",
            "ClusterRole",
            "system:public-info-viewer",
            [_group("system:authenticated"), _group("system:unauthenticated")],
        ),
        _binding(
            "ClusterRoleBinding",
            "system:service-account-issuer-discovery",
            "ClusterRole",
            "system:service-account-issuer-discovery",
            [_group("system:serviceaccounts")],
        ),
    ]
    # kubeadm init (phases/kubeconfig): admin.conf's group is bound to cluster-admin, not in system:masters.
    kubeadm = _binding(
        "ClusterRoleBinding",
        "kubeadm:cluster-admins",
        "ClusterRole",
        "cluster-admin",
        [_group("kubeadm:cluster-admins")],
    )
    kubeadm["metadata"] = {"name": "kubeadm:cluster-admins"}
    return [*bindings, kubeadm]


def namespace_roles() -> list[Object]:
    """The bootstrap Roles of kube-system."""
    return [
        {
            "apiVersion": RBAC_API_VERSION,
            "kind": "Role",
            "metadata": _meta("extension-apiserver-authentication-reader", namespace="kube-system"),
            "rules": [
                _rule(READ, groups=(_LEGACY,), resources=("configmaps",), names=("extension-apiserver-authentication",))
            ],
        }
    ]


def namespace_role_bindings() -> list[Object]:
    """The bootstrap RoleBindings of kube-system."""
    return [
        _binding(
            "RoleBinding",
            "system::extension-apiserver-authentication-reader",
            "Role",
            "extension-apiserver-authentication-reader",
            [_user("system:kube-controller-manager"), _user("system:kube-scheduler")],
            namespace="kube-system",
        )
    ]


def policy_objects() -> list[Object]:
    """Everything the post-start hook writes, roles before the bindings that name them (fresh objects)."""
    return [*cluster_roles(), *cluster_role_bindings(), *namespace_roles(), *namespace_role_bindings()]
