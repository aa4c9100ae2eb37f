"""RBAC escalation prevention: nobody grants permissions they do not hold.

Follows pkg/registry/rbac/validation/rule.go (``ConfirmNoEscalation``),
pkg/registry/rbac/validation/policy_compact.go (``CompactRules``),
k8s.io/component-helpers/auth/rbac/validation/policy_comparator.go (``Covers``,
``BreakdownRule``, ``ruleCovers``) and pkg/registry/rbac/escalation_check.go
(``EscalationAllowed``: ``system:masters`` may do anything; ``RoleEscalationAuthorized``: the
``escalate`` verb on the role; ``BindingAuthorized``: the ``bind`` verb on the referenced role).
"""

from __future__ import annotations

from typing import Any

from fakeapi.authentication.user import SYSTEM_PRIVILEGED_GROUP
from fakeapi.authorization.authorizer import Attributes, Authorizer, RuleResolver
from fakeapi.endpoints.request import UserInfo

__all__ = [
    "EscalationError",
    "binding_authorized",
    "breakdown_rule",
    "compact_rules",
    "confirm_no_escalation",
    "covers",
    "escalation_allowed",
    "role_escalation_authorized",
]

GROUP = "rbac.authorization.k8s.io"
Rule = dict[str, Any]


class EscalationError(Exception):
    """The rules to grant are not all held by the granting user."""


def _strings(rule: Rule, key: str) -> list[str]:
    value = rule.get(key)
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def breakdown_rule(rule: Rule) -> list[Rule]:
    """``BreakdownRule``: one rule per group, resource, verb and resource name (or URL and verb)."""
    verbs = _strings(rule, "verbs")
    names = _strings(rule, "resourceNames")
    subrules: list[Rule] = []
    for group in _strings(rule, "apiGroups"):
        for resource in _strings(rule, "resources"):
            for verb in verbs:
                base = {"apiGroups": [group], "resources": [resource], "verbs": [verb]}
                subrules.extend({**base, "resourceNames": [name]} for name in names) if names else subrules.append(base)
    for url in _strings(rule, "nonResourceURLs"):
        subrules.extend({"nonResourceURLs": [url], "verbs": [verb]} for verb in verbs)
    return subrules


def _resource_covers_all(owned: list[str], wanted: list[str]) -> bool:
    if "*" in owned or set(wanted) <= set(owned):
        return True
    for path in wanted:
        if path in owned:
            continue
        if "/" not in path or "*/" + path.split("/", 1)[1] not in owned:
            return False
    return True


def _url_covers(owner: str, path: str) -> bool:
    return owner == path or (owner.endswith("*") and path.startswith(owner.rstrip("*")))


def _rule_covers(owner: Rule, subrule: Rule) -> bool:
    owner_verbs, owner_groups = _strings(owner, "verbs"), _strings(owner, "apiGroups")
    owner_names = _strings(owner, "resourceNames")
    sub_names = _strings(subrule, "resourceNames")
    return (
        ("*" in owner_verbs or set(_strings(subrule, "verbs")) <= set(owner_verbs))
        and ("*" in owner_groups or set(_strings(subrule, "apiGroups")) <= set(owner_groups))
        and _resource_covers_all(_strings(owner, "resources"), _strings(subrule, "resources"))
        and all(
            any(_url_covers(o, p) for o in _strings(owner, "nonResourceURLs"))
            for p in _strings(subrule, "nonResourceURLs")
        )
        and (not owner_names or set(sub_names) <= set(owner_names))
        and (bool(sub_names) or not owner_names)
    )


def covers(owner_rules: list[Rule], servant_rules: list[Rule]) -> tuple[bool, list[Rule]]:
    """``Covers``: whether the owner's rules cover every atom of the servant's, and the atoms left."""
    uncovered = [
        subrule
        for rule in servant_rules
        for subrule in breakdown_rule(rule)
        if not any(_rule_covers(owner, subrule) for owner in owner_rules)
    ]
    return not uncovered, uncovered


def compact_rules(rules: list[Rule]) -> list[Rule]:
    """``CompactRules``: rules on one group and resource (and at most one name) merge their verbs."""
    compacted: list[Rule] = []
    simple: dict[tuple[str, str, str | None], Rule] = {}
    for rule in rules:
        groups, resources, names = (_strings(rule, k) for k in ("apiGroups", "resources", "resourceNames"))
        is_simple = (
            len(names) <= 1
            and not _strings(rule, "nonResourceURLs")
            and len(groups) == 1
            and len(resources) == 1
            and set(rule) <= {"apiGroups", "resources", "verbs", "resourceNames"}
        )
        if not is_simple:
            compacted.append(rule)
            continue
        key = (groups[0], resources[0], names[0] if names else None)
        existing = simple.get(key)
        if existing is None:
            simple[key] = {**rule, "verbs": list(_strings(rule, "verbs"))}
        else:
            existing["verbs"].extend(v for v in _strings(rule, "verbs") if v not in existing["verbs"])
    return compacted + list(simple.values())


def _go_quoted(values: list[str]) -> str:
    return "[" + " ".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "]"


def compact_string(rule: Rule) -> str:
    """``CompactString``: ``{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}``."""
    parts = [
        f"{label}:{_go_quoted(_strings(rule, key))}"
        for label, key in (
            ("APIGroups", "apiGroups"),
            ("Resources", "resources"),
            ("NonResourceURLs", "nonResourceURLs"),
            ("ResourceNames", "resourceNames"),
            ("Verbs", "verbs"),
        )
        if _strings(rule, key)
    ]
    return "{" + ", ".join(parts) + "}"


def confirm_no_escalation(user: UserInfo, namespace: str, resolver: RuleResolver, rules: list[Rule]) -> None:
    """``ConfirmNoEscalation``: raise when ``user`` in ``namespace`` does not hold all of ``rules``.

    Raises:
        EscalationError: With upstream's message, listing the missing rules sorted.
    """
    owned = resolver.rules_for(user, namespace)
    owner_rules: list[Rule] = [
        {
            "apiGroups": list(r.api_groups),
            "resources": list(r.resources),
            "resourceNames": list(r.resource_names),
            "verbs": list(r.verbs),
        }
        for r in owned.resource_rules
    ] + [{"nonResourceURLs": list(r.non_resource_urls), "verbs": list(r.verbs)} for r in owned.non_resource_rules]
    covered, missing = covers(owner_rules, rules)
    if covered:
        return
    descriptions = sorted({compact_string(rule) for rule in compact_rules(missing)})
    message = (
        f"user {_go_quoted([user.name])[1:-1]} (groups={_go_quoted(list(user.groups))}) is attempting to grant RBAC "
        "permissions not currently held:\n" + "\n".join(descriptions)
    )
    if owned.error:
        message += f"; resolution errors: [{owned.error}]"
    raise EscalationError(message)


def escalation_allowed(user: UserInfo) -> bool:
    """``EscalationAllowed``: members of ``system:masters`` may grant anything."""
    return SYSTEM_PRIVILEGED_GROUP in user.groups


def role_escalation_authorized(
    authorizer: Authorizer, user: UserInfo, resource: str, namespace: str, name: str
) -> bool:
    """``RoleEscalationAuthorized``: the ``escalate`` verb on this role."""
    attributes = Attributes(
        user=user,
        verb="escalate",
        resource_request=True,
        api_group=GROUP,
        resource=resource,
        namespace=namespace,
        name=name,
    )
    return authorizer.authorize(attributes).allowed


def binding_authorized(authorizer: Authorizer, user: UserInfo, role_ref: dict[str, Any], namespace: str) -> bool:
    """``BindingAuthorized``: the ``bind`` verb on the role a binding references."""
    resource = "roles" if role_ref.get("kind") == "Role" else "clusterroles"
    attributes = Attributes(
        user=user,
        verb="bind",
        resource_request=True,
        api_group=str(role_ref.get("apiGroup") or GROUP),
        resource=resource,
        namespace=namespace,
        name=str(role_ref.get("name") or ""),
    )
    return authorizer.authorize(attributes).allowed
