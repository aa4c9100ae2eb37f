"""Users to act as and rights to grant, for the authorization tests."""

from __future__ import annotations

import secrets
from typing import Any

from fakeapi.endpoints.request import UserInfo
from fakeapi.server.instance import FakeAPIServer, Response


class Actor:
    """Requests through the server's handler chain as one user, authenticated by a static token."""

    def __init__(self, server: FakeAPIServer, name: str, groups: tuple[str, ...] = ()) -> None:
        self.server = server
        self.token = secrets.token_urlsafe(16)
        server.tokens.add(self.token, UserInfo(name, groups))

    def request(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Response:
        path, _, query = path.partition("?")
        return self.server.request(method, path, body, query=query, user_token=self.token, headers=headers)


class RBAC:
    """The cluster of one test: the server (reset), its admin, and a way to grant rights."""

    def __init__(self, server: FakeAPIServer) -> None:
        self.server = server

    def actor(self, name: str, *groups: str) -> Actor:
        return Actor(self.server, name, groups)

    def namespace(self, name: str) -> None:
        self.create("/api/v1/namespaces", {"metadata": {"name": name}})

    def create(self, path: str, obj: dict[str, Any]) -> dict[str, Any]:
        response = self.server.request("POST", path, obj)
        assert response.status == 201, response.body
        return response.json()

    def cluster_role(self, name: str, *rules: dict[str, Any], labels: dict[str, str] | None = None) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": name, **({"labels": labels} if labels else {})}
        return self.create("/apis/rbac.authorization.k8s.io/v1/clusterroles", {"metadata": meta, "rules": list(rules)})

    def role(self, namespace: str, name: str, *rules: dict[str, Any]) -> dict[str, Any]:
        path = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles"
        return self.create(path, {"metadata": {"name": name}, "rules": list(rules)})

    def bind(
        self, name: str, role: str, *subjects: dict[str, Any], namespace: str = "", role_kind: str = "ClusterRole"
    ) -> dict[str, Any]:
        body = {
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
            "subjects": list(subjects),
        }
        if namespace:
            return self.create(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings", body)
        return self.create("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", body)


def user(name: str) -> dict[str, str]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": name}


def group(name: str) -> dict[str, str]:
    return {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": name}


def service_account(name: str, namespace: str = "") -> dict[str, str]:
    subject = {"kind": "ServiceAccount", "name": name}
    if namespace:
        subject["namespace"] = namespace
    return subject


def rule(
    verbs: list[str], resources: list[str] | None = None, groups: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {"verbs": verbs}
    if resources is not None:
        out["apiGroups"] = groups if groups is not None else [""]
        out["resources"] = resources
    out.update(extra)
    return out
