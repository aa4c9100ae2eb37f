"""Which requests a policy's matchConstraints and a binding's matchResources select
(k8s.io/apiserver/pkg/admission/plugin/policy/matching/matching.go and generic/policy_matcher.go).

The namespace selector, the object selector, the excluded rules, then the resource rules
(none: everything), with the shared predicates of ``fakeapi.admission.plugin.webhook.predicates``.
Under ``matchPolicy: Equivalent`` a rule that names another version of the same resource matches
too, and the request is then evaluated as that version (the matched resource and kind). Selector
errors count only for requests the rules select. A policy without matchConstraints is a
configuration error (``policy contained no match constraints, a required field``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from fakeapi.admission.equivalence import EquivalentResourceMapper
from fakeapi.admission.interfaces import Attributes
from fakeapi.admission.plugin.policy.generic.interfaces import MatchedResource, MatchError
from fakeapi.admission.plugin.webhook.predicates.namespace import NamespaceMatcher
from fakeapi.admission.plugin.webhook.predicates.object import object_selector_matches
from fakeapi.admission.plugin.webhook.predicates.rules import rule_matches
from fakeapi.admission.reader import StoreReader
from fakeapi.apimachinery import errors

EXACT = "Exact"


class Matcher:
    """matching.Matcher over the server's namespaces, with the served resources' equivalents."""

    def __init__(self, reader: StoreReader, equivalents: EquivalentResourceMapper) -> None:
        self._namespaces = NamespaceMatcher(reader)
        self._equivalents = equivalents

    def definition_matches(
        self, attributes: Attributes, constraints: Mapping[str, Any] | None
    ) -> MatchedResource | None:
        """DefinitionMatches: a policy's matchConstraints."""
        if constraints is None:
            raise MatchError("policy contained no match constraints, a required field")
        return self._matches(attributes, constraints)

    def binding_matches(self, attributes: Attributes, match_resources: Mapping[str, Any] | None) -> bool:
        """BindingMatches: a binding without matchResources matches whatever its policy matches."""
        return match_resources is None or self._matches(attributes, match_resources) is not None

    def _matches(self, attributes: Attributes, criteria: Mapping[str, Any]) -> MatchedResource | None:
        namespace_error = object_error = None
        try:
            if not self._namespaces.matches(criteria.get("namespaceSelector"), attributes):
                return None
        except errors.StatusError as exc:
            namespace_error = exc
        try:
            if not object_selector_matches(criteria.get("objectSelector"), attributes):
                return None
        except errors.StatusError as exc:
            object_error = exc
        match_policy = criteria.get("matchPolicy")
        if self._rules_match(criteria.get("excludeResourceRules") or [], match_policy, attributes) is not None:
            return None
        rules = criteria.get("resourceRules") or []
        if rules:
            matched = self._rules_match(rules, match_policy, attributes)
        else:
            matched = MatchedResource(attributes.resource, attributes.kind)
        if matched is None:
            return None
        for error in (namespace_error, object_error):
            if error is not None:
                raise MatchError(error.message)
        return matched

    def _rules_match(
        self, rules: list[Mapping[str, Any]], match_policy: str | None, attributes: Attributes
    ) -> MatchedResource | None:
        """matchesResourceRules: the first rule (and resourceNames) matching, then the equivalents."""
        for rule in rules:
            if rule_matches(rule, attributes) and _names_match(rule, attributes):
                return MatchedResource(attributes.resource, attributes.kind)
        if match_policy in (None, EXACT):
            return None
        for rule in rules:
            for resource in self._equivalents.resources_for(attributes.resource, attributes.subresource):
                if resource == attributes.resource:
                    continue
                if not rule_matches(rule, replace(attributes, resource=resource)):
                    continue
                kind = self._equivalents.kind_for(resource, attributes.subresource)
                if kind is None:
                    raise MatchError(f"unable to convert to {resource}: unknown kind")
                if _names_match(rule, attributes):
                    return MatchedResource(resource, kind)
        return None


def _names_match(rule: Mapping[str, Any], attributes: Attributes) -> bool:
    """An empty resourceNames list matches every name."""
    names = rule.get("resourceNames") or []
    return not names or attributes.name in names
