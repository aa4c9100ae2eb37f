"""RBAC: Roles, ClusterRoles and their bindings decide, as kube-apiserver's RBAC authorizer does.

Follows plugin/pkg/auth/authorizer/rbac/rbac.go (``RBACAuthorizer``, ``RuleAllows``),
pkg/registry/rbac/validation/rule.go (``DefaultRuleResolver.VisitRulesFor``: every
ClusterRoleBinding, then, for a namespaced request, every RoleBinding of that namespace; a
binding applies when one of its subjects is the user, one of the user's groups, or the
user's service account; a role that cannot be found is an error the denial reports) and
pkg/apis/rbac/v1/evaluation_helpers.go (verb, API group, resource — ``*``,
``resource/subresource`` and ``*/subresource`` —, resource name and non-resource URL
matching, with the trailing-``*`` URL prefix).

An allow names the binding that granted it ("RBAC: allowed by ClusterRoleBinding …"); a
denial has no opinion (``NoOpinion``) and a reason only when roles could not be resolved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from fakeapi.authentication.user import split_service_account_username
from fakeapi.authorization.authorizer import (
    Attributes,
    Decision,
    NonResourceRule,
    ResourceRule,
    Result,
    Rules,
    join_errors,
)
from fakeapi.endpoints.request import UserInfo
from fakeapi.storage.interfaces import Object

__all__ = [
    "RBACAuthorizer",
    "RBACObjects",
    "applies_to",
    "rule_allows",
]

# (source description or None, rule or None, error or None) -> keep visiting?
Visitor = Callable[[str | None, dict[str, Any] | None, str | None], bool]


class RBACObjects(Protocol):
    """The RBAC listers the resolver reads (``RoleGetter``, ``RoleBindingLister``, ...)."""

    def get_role(self, namespace: str, name: str) -> Object | None: ...

    def list_role_bindings(self, namespace: str) -> list[Object]: ...

    def get_cluster_role(self, name: str) -> Object | None: ...

    def list_cluster_role_bindings(self) -> list[Object]: ...


def _strings(rule: dict[str, Any], key: str) -> list[str]:
    value = rule.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def verb_matches(rule: dict[str, Any], verb: str) -> bool:
    return any(v in ("*", verb) for v in _strings(rule, "verbs"))


def api_group_matches(rule: dict[str, Any], group: str) -> bool:
    return any(g in ("*", group) for g in _strings(rule, "apiGroups"))


def resource_matches(rule: dict[str, Any], combined_resource: str, subresource: str) -> bool:
    for resource in _strings(rule, "resources"):
        if resource in ("*", combined_resource):
            return True
        if subresource and resource == f"*/{subresource}":
            return True
    return False


def resource_name_matches(rule: dict[str, Any], name: str) -> bool:
    names = _strings(rule, "resourceNames")
    return not names or name in names


def non_resource_url_matches(rule: dict[str, Any], path: str) -> bool:
    for url in _strings(rule, "nonResourceURLs"):
        if url in ("*", path):
            return True
        if url.endswith("*") and path.startswith(url.rstrip("*")):
            return True
    return False


def rule_allows(attributes: Attributes, rule: dict[str, Any]) -> bool:
    """``RuleAllows``: whether one PolicyRule covers the request."""
    if attributes.resource_request:
        combined = attributes.resource
        if attributes.subresource:
            combined = f"{attributes.resource}/{attributes.subresource}"
        return (
            verb_matches(rule, attributes.verb)
            and api_group_matches(rule, attributes.api_group)
            and resource_matches(rule, combined, attributes.subresource)
            and resource_name_matches(rule, attributes.name)
        )
    return verb_matches(rule, attributes.verb) and non_resource_url_matches(rule, attributes.path)


def _applies_to_user(user: UserInfo, subject: dict[str, Any], namespace: str) -> bool:
    kind = subject.get("kind")
    name = subject.get("name")
    if kind == "User":
        return user.name == name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        sa_namespace = subject.get("namespace") or namespace
        if not sa_namespace:
            return False
        return split_service_account_username(user.name) == (sa_namespace, name)
    return False


def applies_to(user: UserInfo, subjects: Iterable[dict[str, Any]], namespace: str) -> dict[str, Any] | None:
    """The first subject of a binding that is ``user``, or None (``appliesTo``)."""
    for subject in subjects:
        if isinstance(subject, dict) and _applies_to_user(user, subject, namespace):
            return subject
    return None


def _describe_subject(subject: dict[str, Any], binding_namespace: str) -> str:
    kind, name = subject.get("kind", ""), subject.get("name", "")
    if kind == "ServiceAccount":
        return f'{kind} "{name}/{subject.get("namespace") or binding_namespace}"'
    return f'{kind} "{name}"'


def _role_ref(binding: Object) -> dict[str, Any]:
    ref = binding.get("roleRef")
    return ref if isinstance(ref, dict) else {}


class RBACAuthorizer:
    """The RBAC authorizer and rule resolver over an :class:`RBACObjects` source."""

    def __init__(self, objects: RBACObjects) -> None:
        self.objects = objects

    def _role_rules(self, ref: dict[str, Any], binding_namespace: str) -> tuple[list[dict[str, Any]], str | None]:
        kind, name = ref.get("kind"), str(ref.get("name") or "")
        if kind == "Role":
            role = self.objects.get_role(binding_namespace, name)
            if role is None:
                return [], f'role.rbac.authorization.k8s.io "{name}" not found'
        elif kind == "ClusterRole":
            role = self.objects.get_cluster_role(name)
            if role is None:
                return [], f'clusterrole.rbac.authorization.k8s.io "{name}" not found'
        else:
            return [], f'unsupported role reference kind: "{kind}"'
        rules = role.get("rules")
        return [r for r in rules if isinstance(r, dict)] if isinstance(rules, list) else [], None

    def _bindings(self, namespace: str) -> Iterator[tuple[Object, str]]:
        """Every ClusterRoleBinding, then, for a namespace, its RoleBindings; each with its namespace ("" for cluster)."""
        for binding in self.objects.list_cluster_role_bindings():
            yield binding, ""
        if namespace:
            for binding in self.objects.list_role_bindings(namespace):
                yield binding, namespace

    def visit_rules_for(self, user: UserInfo, namespace: str, visitor: Visitor) -> None:
        """``VisitRulesFor``: every rule that applies to ``user`` in ``namespace``, with its source."""
        for binding, binding_namespace in self._bindings(namespace):
            subject = applies_to(user, binding.get("subjects") or [], binding_namespace)
            if subject is None:
                continue
            ref = _role_ref(binding)
            rules, error = self._role_rules(ref, binding_namespace)
            if error is not None:
                if not visitor(None, None, error):
                    return
                continue
            name = binding["metadata"]["name"]
            described = (
                f'RoleBinding "{name}/{binding_namespace}"' if binding_namespace else f'ClusterRoleBinding "{name}"'
            )
            source = (
                f'{described} of {ref.get("kind")} "{ref.get("name")}" '
                f"to {_describe_subject(subject, binding_namespace)}"
            )
            for rule in rules:
                if not visitor(source, rule, None):
                    return

    def authorize(self, attributes: Attributes) -> Result:
        allowed_by: list[str] = []
        errors: list[str] = []

        def visit(source: str | None, rule: dict[str, Any] | None, error: str | None) -> bool:
            if rule is not None and source is not None and rule_allows(attributes, rule):
                allowed_by.append(source)
                return False
            if error is not None:
                errors.append(error)
            return True

        self.visit_rules_for(attributes.user, attributes.namespace, visit)
        if allowed_by:
            return Result(Decision.ALLOW, f"RBAC: allowed by {allowed_by[0]}")
        reason = f"RBAC: {join_errors(errors)}" if errors else ""
        return Result(Decision.NO_OPINION, reason)

    def rules_for(self, user: UserInfo, namespace: str) -> Rules:
        rules = Rules()
        errors: list[str] = []

        def visit(source: str | None, rule: dict[str, Any] | None, error: str | None) -> bool:
            if rule is not None:
                verbs = tuple(_strings(rule, "verbs"))
                if _strings(rule, "resources"):
                    rules.resource_rules.append(
                        ResourceRule(
                            verbs=verbs,
                            api_groups=tuple(_strings(rule, "apiGroups")),
                            resources=tuple(_strings(rule, "resources")),
                            resource_names=tuple(_strings(rule, "resourceNames")),
                        )
                    )
                if _strings(rule, "nonResourceURLs"):
                    rules.non_resource_rules.append(
                        NonResourceRule(verbs=verbs, non_resource_urls=tuple(_strings(rule, "nonResourceURLs")))
                    )
            if error is not None:
                errors.append(error)
            return True

        self.visit_rules_for(user, namespace, visit)
        rules.error = join_errors(errors)
        return rules
