"""What the policy dispatchers need of the matchers (generic/policy_matcher.go).

``PolicyMatcher`` decides whether a policy's matchConstraints and a binding's matchResources
select a request (``fakeapi.admission.plugin.policy.matching``), and as which resource and kind:
under ``matchPolicy: Equivalent`` a request may match as another version of its resource.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from fakeapi.admission.interfaces import Attributes
from fakeapi.apimachinery.schema import GroupVersionKind, GroupVersionResource


@dataclass(frozen=True)
class MatchedResource:
    """The resource and kind a policy matched the request as."""

    resource: GroupVersionResource
    kind: GroupVersionKind


class MatchError(Exception):
    """A policy's or binding's match criteria cannot be evaluated (a bad selector): a configuration error."""


class PolicyMatcher(Protocol):
    def definition_matches(
        self, attributes: Attributes, constraints: Mapping[str, Any] | None
    ) -> MatchedResource | None:
        """The resource the request matched as, or None; raises MatchError."""

    def binding_matches(self, attributes: Attributes, match_resources: Mapping[str, Any] | None) -> bool:
        """Whether a binding's matchResources (None: everything) select the request; raises MatchError."""
