"""A RuleWithOperations against a request (predicates/rules/rules.go)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fakeapi.admission.interfaces import Attributes
from fakeapi.apimachinery.schema import GroupVersionResource

_NAMESPACES = GroupVersionResource("", "v1", "namespaces")
_ADMISSION_GROUP = "admissionregistration.k8s.io"
_WEBHOOK_CONFIGURATION_KINDS = frozenset({"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration"})


def _exact_or_wildcard(items: Iterable[str], requested: str) -> bool:
    return any(item in ("*", requested) for item in items)


def _scope_matches(scope: str | None, attributes: Attributes) -> bool:
    """A namespace object counts as cluster-scoped; anything else by whether it has a namespace."""
    if scope in (None, "*"):
        return True
    is_namespace = attributes.resource == _NAMESPACES
    if scope == "Namespaced":
        return not is_namespace and bool(attributes.namespace)
    if scope == "Cluster":
        return is_namespace or not attributes.namespace
    return False


def _resource_matches(resources: Iterable[str], resource: str, subresource: str) -> bool:
    """``pods``, ``pods/status``, ``pods/*``, ``*``, ``*/status`` and ``*/*`` as upstream splits them."""
    for entry in resources:
        rule_resource, _, rule_subresource = entry.partition("/")
        if rule_resource in ("*", resource) and rule_subresource in ("*", subresource):
            return True
    return False


def rule_matches(rule: Mapping[str, Any], attributes: Attributes) -> bool:
    """Matcher.Matches: scope, operation, group, version and resource all match."""
    operations = rule.get("operations") or []
    return (
        _scope_matches(rule.get("scope"), attributes)
        and any(op in ("*", attributes.operation) for op in operations)
        and _exact_or_wildcard(rule.get("apiGroups") or [], attributes.resource.group)
        and _exact_or_wildcard(rule.get("apiVersions") or [], attributes.resource.version)
        and _resource_matches(rule.get("resources") or [], attributes.resource.resource, attributes.subresource)
    )


def is_exempt_admission_configuration_resource(attributes: Attributes) -> bool:
    """IsExemptAdmissionConfigurationResource: webhooks never see their own configurations."""
    kind = attributes.kind
    return kind.group == _ADMISSION_GROUP and kind.kind in _WEBHOOK_CONFIGURATION_KINDS
