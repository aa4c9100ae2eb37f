"""The audit policy: which requests are audited at which level (k8s.io/apiserver/pkg/audit/policy).

``load_policy_file`` follows ``reader.go`` (``LoadPolicyFromFile``/``LoadPolicyFromBytes``, with
``apis/audit/validation``'s checks and messages); :class:`PolicyChecker` follows ``checker.go``:
the first rule that matches a request's user, groups, verb, resources, namespaces or
non-resource URLs decides its level, and its omitted stages are the union of the rule's and the
policy's. A request no rule matches is not audited (level None).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fakeapi.apimachinery import field
from fakeapi.apimachinery.field import FieldError
from fakeapi.apimachinery.validation import is_dns1123_subdomain
from fakeapi.authorization.authorizer import Attributes

__all__ = [
    "STAGES",
    "Level",
    "Policy",
    "PolicyChecker",
    "PolicyError",
    "PolicyRule",
    "RequestAuditConfig",
    "load_policy",
    "load_policy_file",
]

# The audit.k8s.io versions a policy file may be written in (v1beta1 and v1alpha1 are deprecated aliases).
API_VERSIONS = ("audit.k8s.io/v1", "audit.k8s.io/v1beta1", "audit.k8s.io/v1alpha1")
STAGES = ("RequestReceived", "ResponseStarted", "ResponseComplete", "Panic")


class Level(enum.IntEnum):
    """audit.Level, ordered as ``Less`` compares them."""

    NONE = 0
    METADATA = 1
    REQUEST = 2
    REQUEST_RESPONSE = 3

    @property
    def text(self) -> str:
        return _LEVEL_NAMES[self]

    @classmethod
    def parse(cls, text: str) -> Level:
        return {name: level for level, name in _LEVEL_NAMES.items()}[text]


_LEVEL_NAMES = {
    Level.NONE: "None",
    Level.METADATA: "Metadata",
    Level.REQUEST: "Request",
    Level.REQUEST_RESPONSE: "RequestResponse",
}


class PolicyError(ValueError):
    """The policy file cannot be read, decoded or is invalid (kube-apiserver refuses to start)."""


@dataclass(frozen=True)
class GroupResources:
    group: str = ""
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class PolicyRule:
    level: Level
    users: tuple[str, ...] = ()
    user_groups: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()
    resources: tuple[GroupResources, ...] = ()
    namespaces: tuple[str, ...] = ()
    non_resource_urls: tuple[str, ...] = ()
    omit_stages: frozenset[str] = frozenset()
    omit_managed_fields: bool | None = None

    def matches(self, attrs: Attributes) -> bool:
        """ruleMatches."""
        user = attrs.user
        if self.users and user.name not in self.users:
            return False
        if self.user_groups and not any(group in self.user_groups for group in user.groups):
            return False
        if self.verbs and attrs.verb not in self.verbs:
            return False
        if self.namespaces or self.resources:
            return self._matches_resource(attrs)
        if self.non_resource_urls:
            return not attrs.resource_request and any(_path_matches(attrs.path, u) for u in self.non_resource_urls)
        return True

    def _matches_resource(self, attrs: Attributes) -> bool:
        """ruleMatchesResource: ``resource/subresource``, ``*``, ``*/subresource`` and ``resource/*``."""
        if not attrs.resource_request:
            return False
        if self.namespaces and attrs.namespace not in self.namespaces:
            return False
        if not self.resources:
            return True
        combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
        for group in self.resources:
            if group.group != attrs.api_group:
                continue
            if not group.resources:
                return True
            if group.resource_names and attrs.name not in group.resource_names:
                continue
            for resource in group.resources:
                if resource in (combined, "*"):
                    return True
                if attrs.subresource and resource == f"*/{attrs.subresource}":
                    return True
                if resource.endswith("/*") and resource[:-2] == attrs.resource:
                    return True
        return False


def _path_matches(path: str, spec: str) -> bool:
    """pathMatches: ``*``, an exact path, or a prefix ending in ``*``."""
    return spec == "*" or spec == path or (spec.endswith("*") and path.startswith(spec.rstrip("*")))


@dataclass(frozen=True)
class RequestAuditConfig:
    """What the policy says of one request: its level, the stages left out, whether managedFields are dropped."""

    level: Level
    omit_stages: frozenset[str] = frozenset()
    omit_managed_fields: bool = False


@dataclass(frozen=True)
class Policy:
    rules: tuple[PolicyRule, ...]
    omit_stages: frozenset[str] = frozenset()
    omit_managed_fields: bool = False


class PolicyChecker:
    """policyChecker: the first matching rule decides (``LevelAndStages``)."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy

    def evaluate(self, attrs: Attributes) -> RequestAuditConfig:
        policy = self.policy
        for rule in policy.rules:
            if rule.matches(attrs):
                omit_managed_fields = (
                    policy.omit_managed_fields if rule.omit_managed_fields is None else rule.omit_managed_fields
                )
                return RequestAuditConfig(rule.level, rule.omit_stages | policy.omit_stages, omit_managed_fields)
        return RequestAuditConfig(Level.NONE, policy.omit_stages, policy.omit_managed_fields)


def load_policy_file(path: str | Path) -> Policy:
    """LoadPolicyFromFile.

    Raises:
        PolicyError: With kube-apiserver's message.
    """
    try:
        text = Path(path).read_bytes()
    except OSError as exc:
        raise PolicyError(f'failed to read file path "{path}": {exc}') from None
    try:
        return load_policy(text)
    except PolicyError as exc:
        raise PolicyError(f"{exc}: from file {path}") from None


def load_policy(text: bytes | str) -> Policy:
    """LoadPolicyFromBytes: decode a Policy of audit.k8s.io, validate it, and refuse one without rules."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"failed decoding: {exc}") from None
    if not isinstance(document, dict):
        raise PolicyError("failed decoding: Object 'Kind' is missing in policy")
    api_version, kind = document.get("apiVersion"), document.get("kind")
    if api_version not in API_VERSIONS or kind != "Policy":
        group, _, version = str(api_version or "").rpartition("/")
        raise PolicyError(f"unknown group version field {group}/{version}, Kind={kind or ''} in policy")
    errs: list[FieldError] = []
    rules = [_rule(raw, f"rules[{i}]", errs) for i, raw in enumerate(_list(document, "rules"))]
    omit_stages = _stages(_list(document, "omitStages"), "omitStages", errs)
    if errs:
        raise PolicyError(field.aggregate_message(errs))
    if not rules:
        raise PolicyError("loaded illegal policy with 0 rules")
    return Policy(tuple(rules), omit_stages, bool(document.get("omitManagedFields")))


def _list(parent: dict[str, Any], key: str) -> list[Any]:
    value = parent.get(key)
    return value if isinstance(value, list) else []


def _strings(parent: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(str(item) for item in _list(parent, key))


def _stages(values: Sequence[Any], path: str, errs: list[FieldError]) -> frozenset[str]:
    """validateOmitStages."""
    for i, stage in enumerate(values):
        if stage not in STAGES:
            errs.append(field.invalid(f"{path}[{i}]", str(stage), "allowed stages are " + ",".join(STAGES)))
    return frozenset(str(stage) for stage in values)


def _rule(raw: Any, path: str, errs: list[FieldError]) -> PolicyRule:
    """validatePolicyRule, and the rule it describes."""
    raw = raw if isinstance(raw, dict) else {}
    level_text = str(raw.get("level") or "")
    if not level_text:
        errs.append(field.required(f"{path}.level"))
    elif level_text not in _LEVEL_NAMES.values():
        errs.append(field.not_supported(f"{path}.level", level_text, list(_LEVEL_NAMES.values())))
    urls = _strings(raw, "nonResourceURLs")
    for i, url in enumerate(urls):
        if url == "*":
            continue
        if not url.startswith("/"):
            errs.append(
                field.invalid(
                    f"{path}.nonResourceURLs[{i}]", url, "non-resource URL rules must begin with a '/' character"
                )
            )
        if url and "*" in url[:-1]:
            errs.append(
                field.invalid(
                    f"{path}.nonResourceURLs[{i}]",
                    url,
                    "non-resource URL wildcards '*' must be the final character of the rule",
                )
            )
    resources = []
    for entry in _list(raw, "resources"):
        entry = entry if isinstance(entry, dict) else {}
        group = GroupResources(
            str(entry.get("group") or ""), _strings(entry, "resources"), _strings(entry, "resourceNames")
        )
        messages = is_dns1123_subdomain(group.group) if group.group else []
        if messages:
            errs.append(field.invalid(f"{path}.resources.group", group.group, ",".join(messages)))
        if group.resource_names and not group.resources:
            errs.append(
                field.invalid(
                    f"{path}.resources.resourceNames",
                    list(group.resource_names),
                    "using resourceNames requires at least one resource",
                )
            )
        resources.append(group)
    namespaces = _strings(raw, "namespaces")
    if urls and (resources or namespaces):
        errs.append(
            field.invalid(
                f"{path}.nonResourceURLs",
                list(urls),
                "rules cannot apply to both regular resources and non-resource URLs",
            )
        )
    omit_managed_fields = raw.get("omitManagedFields")
    return PolicyRule(
        level=Level.parse(level_text) if level_text in _LEVEL_NAMES.values() else Level.NONE,
        users=_strings(raw, "users"),
        user_groups=_strings(raw, "userGroups"),
        verbs=_strings(raw, "verbs"),
        resources=tuple(resources),
        namespaces=namespaces,
        non_resource_urls=urls,
        omit_stages=_stages(_list(raw, "omitStages"), f"{path}.omitStages", errs),
        omit_managed_fields=None if omit_managed_fields is None else bool(omit_managed_fields),
    )
