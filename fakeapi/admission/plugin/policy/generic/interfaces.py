"""What the policy plugins need of a request and of the shared matchers (generic/interfaces.go,
generic/policy_matcher.go).

``PolicyAttributes`` is the part of admission.Attributes the dispatchers read and write;
``PolicyMatcher`` decides whether a policy's matchConstraints and a binding's matchResources
select a request, with the admission package's rules, selectors and matchPolicy equivalence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from fakeapi.apimachinery.schema import GroupVersionKind, GroupVersionResource
from fakeapi.endpoints.request import UserInfo
from fakeapi.storage.interfaces import Object


@dataclass(frozen=True)
class MatchedResource:
    """The resource and kind a policy matched the request as (its equivalent under matchPolicy Equivalent)."""

    resource: GroupVersionResource
    kind: GroupVersionKind


class MatchError(Exception):
    """A policy's or binding's match criteria cannot be evaluated (a bad selector): a configuration error."""


class PolicyAttributes(Protocol):
    """admission.Attributes, as the policy dispatchers use it."""

    operation: str
    namespace: str
    name: str
    resource: GroupVersionResource
    subresource: str
    kind: GroupVersionKind
    obj: Object | None
    old_obj: Object | None
    dry_run: bool
    # The request's WriteOptions or DeleteOptions (fakeapi.registry.rest).
    options: Any

    @property
    def user(self) -> UserInfo: ...

    def add_annotation(self, key: str, value: str) -> None:
        """An audit annotation of the request; the first value of a key stays."""

    def add_warning(self, text: str) -> None:
        """A ``Warning`` header of the response."""


class PolicyMatcher(Protocol):
    def definition_matches(
        self, attributes: PolicyAttributes, constraints: Mapping[str, Any] | None
    ) -> MatchedResource | None:
        """The resource the request matched as, or None; raises MatchError."""

    def binding_matches(self, attributes: PolicyAttributes, match_resources: Mapping[str, Any] | None) -> bool:
        """Whether a binding's matchResources (None: everything) select the request; raises MatchError."""
