"""Authorizers: who may do what, asked with the attributes of a request.

Follows k8s.io/apiserver/pkg/authorization: ``authorizer/interfaces.go`` (``Attributes``,
``Decision``, ``Authorizer``, ``RuleResolver`` and the rule infos), ``authorizerfactory``
(``NewAlwaysAllowAuthorizer``, ``NewAlwaysDenyAuthorizer``, ``NewPrivilegedGroups``),
``union/union.go`` (the first authorizer with an opinion decides; reasons and errors of the
others are kept) and ``endpoints/filters/authorization.go`` ``GetAuthorizerAttributes``.
kube-apiserver puts the privileged-group authorizer (``system:masters``) first, then the
configured modes (:func:`new_authorizer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import NamedTuple, Protocol, runtime_checkable

from fakeapi.apimachinery.fields import FieldRequirement
from fakeapi.apimachinery.labels import Requirement
from fakeapi.authentication.user import SYSTEM_PRIVILEGED_GROUP
from fakeapi.endpoints.request import RequestInfo, UserInfo

__all__ = [
    "AlwaysAllowAuthorizer",
    "AlwaysDenyAuthorizer",
    "Attributes",
    "Authorizer",
    "Decision",
    "NonResourceRule",
    "PrivilegedGroupAuthorizer",
    "ResourceRule",
    "Result",
    "RuleResolver",
    "Rules",
    "UnionAuthorizer",
    "attributes_from_request",
    "join_errors",
]


class Decision(Enum):
    DENY = "Deny"
    ALLOW = "Allow"
    NO_OPINION = "NoOpinion"


class Result(NamedTuple):
    """What ``Authorize`` returns: the decision, a reason for humans, and an evaluation error."""

    decision: Decision
    reason: str = ""
    error: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


@dataclass(frozen=True)
class Attributes:
    """authorizer.AttributesRecord: the user and what they ask to do.

    The selectors are those of a CEL authorization check (``fieldSelector``, ``labelSelector``):
    their requirements, or the error parsing them gave. RBAC does not look at them.
    """

    user: UserInfo
    verb: str
    resource_request: bool = False
    path: str = ""
    namespace: str = ""
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    field_selector_requirements: tuple[FieldRequirement, ...] = ()
    field_selector_parsing_error: str = ""
    label_selector_requirements: tuple[Requirement, ...] = ()
    label_selector_parsing_error: str = ""


def attributes_from_request(user: UserInfo, info: RequestInfo) -> Attributes:
    """``GetAuthorizerAttributes``: the attributes of a resolved request."""
    return Attributes(
        user=user,
        verb=info.verb,
        resource_request=info.is_resource_request,
        path=info.path,
        namespace=info.namespace,
        api_group=info.api_group,
        api_version=info.api_version,
        resource=info.resource,
        subresource=info.subresource,
        name=info.name,
    )


@dataclass(frozen=True)
class ResourceRule:
    """authorizer.DefaultResourceRuleInfo."""

    verbs: tuple[str, ...]
    api_groups: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    resource_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class NonResourceRule:
    """authorizer.DefaultNonResourceRuleInfo."""

    verbs: tuple[str, ...]
    non_resource_urls: tuple[str, ...] = ()


@dataclass
class Rules:
    """What a RuleResolver answers for one user in one namespace."""

    resource_rules: list[ResourceRule] = field(default_factory=list)
    non_resource_rules: list[NonResourceRule] = field(default_factory=list)
    incomplete: bool = False
    error: str = ""


@runtime_checkable
class Authorizer(Protocol):
    def authorize(self, attributes: Attributes) -> Result: ...


@runtime_checkable
class RuleResolver(Protocol):
    def rules_for(self, user: UserInfo, namespace: str) -> Rules: ...


def join_errors(errors: Sequence[str]) -> str:
    """utilerrors.NewAggregate(...).Error(): one alone, several in brackets, duplicates once."""
    unique = list(dict.fromkeys(e for e in errors if e))
    if not unique:
        return ""
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"


_EVERYTHING = Rules(
    [ResourceRule(verbs=("*",), api_groups=("*",), resources=("*",))],
    [NonResourceRule(verbs=("*",), non_resource_urls=("*",))],
)


class AlwaysAllowAuthorizer:
    """``--authorization-mode=AlwaysAllow``: everything, for everyone."""

    def authorize(self, attributes: Attributes) -> Result:
        return Result(Decision.ALLOW)

    def rules_for(self, user: UserInfo, namespace: str) -> Rules:
        return Rules(list(_EVERYTHING.resource_rules), list(_EVERYTHING.non_resource_rules))


class AlwaysDenyAuthorizer:
    """``--authorization-mode=AlwaysDeny``: nothing (only the privileged group gets through)."""

    def authorize(self, attributes: Attributes) -> Result:
        return Result(Decision.NO_OPINION, "Everything is forbidden.")

    def rules_for(self, user: UserInfo, namespace: str) -> Rules:
        return Rules()


class PrivilegedGroupAuthorizer:
    """Allows members of any of the groups everything (``NewPrivilegedGroups``)."""

    def __init__(self, *groups: str) -> None:
        self.groups = frozenset(groups or (SYSTEM_PRIVILEGED_GROUP,))

    def authorize(self, attributes: Attributes) -> Result:
        if self.groups.intersection(attributes.user.groups):
            return Result(Decision.ALLOW)
        return Result(Decision.NO_OPINION)


class UnionAuthorizer:
    """Asks each authorizer in turn; the first to allow or deny decides (``union.New``).

    As a RuleResolver it joins the rules of every member that resolves rules.
    """

    def __init__(self, *authorizers: Authorizer) -> None:
        self.authorizers = list(authorizers)

    def authorize(self, attributes: Attributes) -> Result:
        reasons: list[str] = []
        errors: list[str] = []
        for authorizer in self.authorizers:
            result = authorizer.authorize(attributes)
            if result.error:
                errors.append(result.error)
            if result.reason:
                reasons.append(result.reason)
            if result.decision is not Decision.NO_OPINION:
                return result
        return Result(Decision.NO_OPINION, "\n".join(reasons), join_errors(errors))

    def rules_for(self, user: UserInfo, namespace: str) -> Rules:
        combined = Rules()
        errors: list[str] = []
        for authorizer in self.authorizers:
            if not isinstance(authorizer, RuleResolver):
                continue
            rules = authorizer.rules_for(user, namespace)
            combined.resource_rules.extend(rules.resource_rules)
            combined.non_resource_rules.extend(rules.non_resource_rules)
            combined.incomplete = combined.incomplete or rules.incomplete
            if rules.error:
                errors.append(rules.error)
        combined.error = join_errors(errors)
        return combined
